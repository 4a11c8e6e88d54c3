#include "client/soap/resolver.h"

#include <utility>

namespace sts::soap {
namespace {

class Holder final : public SctKeyResolver {
 public:
  explicit Holder(std::shared_ptr<const context::SecurityContext> context)
      : context_(std::move(context)) {}
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token) override {
    return context_->ResolveKeys(token);
  }

 private:
  const std::shared_ptr<const context::SecurityContext> context_;
};

class RelyingParty final : public SctKeyResolver {
 public:
  explicit RelyingParty(std::shared_ptr<verifier::Verifier> verifier)
      : verifier_(std::move(verifier)) {}
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token) override {
    return verifier_->ResolveKeys(token);
  }
  void Accepted(const sts::v1::SecurityContextToken& token) override {
    verifier_->Authenticated(token);
  }

 private:
  const std::shared_ptr<verifier::Verifier> verifier_;
};

}  // namespace

std::shared_ptr<SctKeyResolver> HolderResolver(
    std::shared_ptr<const context::SecurityContext> context) {
  return std::make_shared<Holder>(std::move(context));
}

std::shared_ptr<SctKeyResolver> RelyingPartyResolver(std::shared_ptr<verifier::Verifier> verifier) {
  return std::make_shared<RelyingParty>(std::move(verifier));
}

}  // namespace sts::soap
