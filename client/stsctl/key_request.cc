#include "client/stsctl/key_request.h"

#include <ostream>

#include "client/crypto/bytes.h"
#include "client/crypto/random.h"
#include "client/sts_client.h"
#include "client/stsctl/flags.h"
#include "client/stsctl/io.h"
#include "client/stsctl/state.h"
#include "client/wire/limits.h"
#include "client/wire/uris.h"

namespace sts::stsctl {
namespace {

void PrintContext(const Env& env, const sts::v1::RequestSecurityTokenResponse& r,
                  const std::string& computed_key_algorithm) {
  env.out << "identifier: " << r.requested_security_token().identifier() << "\n"
          << "instance:   " << r.requested_security_token().instance() << "\n"
          << "principal:  " << r.principal() << "\n"
          << "applies_to: " << r.applies_to() << "\n"
          << "key_size:   " << r.key_size() << "\n"
          << "expires:    " << FormatTimestamp(r.lifetime().expires()) << "\n";
  if (!computed_key_algorithm.empty()) {
    env.out << "key:        computed on both sides (" << computed_key_algorithm << ")\n";
  }
  if (env.args.Has("show-key")) {
    env.out << "key_hex:    " << Hex(r.requested_proof_token().binary_secret().value()) << "\n";
  }
}

}  // namespace

template <class Request>
absl::StatusOr<std::string> FillKeyRequest(const Env& env, Request* request) {
  if (!env.args.Get("lifetime").empty()) {
    absl::StatusOr<absl::Duration> lifetime = DurationFlag(env.args, "lifetime", "");
    if (!lifetime.ok()) return lifetime.status();
    request->mutable_lifetime()->set_seconds(absl::ToInt64Seconds(*lifetime));
  }
  absl::StatusOr<uint32_t> key_bits = KeySizeFlag(env.args);
  if (!key_bits.ok()) return key_bits.status();
  request->set_key_size(*key_bits);
  if (!env.args.Has("entropy")) return std::string();
  absl::StatusOr<std::string> entropy = crypto::RandomBytes(
      wire::EntropyBytesFor(*key_bits == 0 ? wire::kDefaultKeyBits : *key_bits));
  if (!entropy.ok()) return entropy.status();
  request->mutable_entropy()->mutable_binary_secret()->set_value(*entropy);
  request->mutable_entropy()->mutable_binary_secret()->set_type(
      std::string(wire::kBinarySecretNonce));
  request->set_computed_key_algorithm(env.args.Get("computed-key-algorithm"));
  return entropy;
}

template absl::StatusOr<std::string> FillKeyRequest(const Env&, sts::v1::IssueRequest*);
template absl::StatusOr<std::string> FillKeyRequest(const Env&, sts::v1::RenewRequest*);

int Remember(const Env& env, sts::v1::RequestSecurityTokenResponse response,
             const std::string& entropy, StoredContext* renewed, bool print) {
  absl::StatusOr<crypto::SecretBytes> key = KeyFromResponse(response, crypto::AsBytes(entropy));
  if (!key.ok()) return Fail(env, key.status());
  // Stored as a binary secret, which replaces the computed-key marker.
  const std::string computed_key_algorithm = response.requested_proof_token().computed_key();
  response.mutable_requested_proof_token()->mutable_binary_secret()->set_value(
      reinterpret_cast<const char*>(key->data()), key->size());
  StoredContext fresh;
  StoredContext* stored = renewed;
  if (stored == nullptr) {
    fresh.current = std::move(response);
    stored = &fresh;
  } else {
    Supersede(*stored, std::move(response), env.clock->Now());
  }
  if (absl::Status s = SaveState(StatePath(env.args), *stored); !s.ok()) return Fail(env, s);
  if (print) PrintContext(env, stored->current, computed_key_algorithm);
  return 0;
}

}  // namespace sts::stsctl
