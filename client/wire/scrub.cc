#include "client/wire/scrub.h"

#include <string>

#include "client/crypto/constant_time.h"

namespace sts::wire {
namespace {

void Wipe(std::string* s) {
  if (!s->empty()) crypto::SecureZero(s->data(), s->size());
}

void WipeEntropy(sts::v1::Entropy* entropy) { Wipe(entropy->mutable_binary_secret()->mutable_value()); }

}  // namespace

void ScrubResponse(sts::v1::RequestSecurityTokenResponse* r) {
  if (r->requested_proof_token().has_binary_secret()) {
    Wipe(r->mutable_requested_proof_token()->mutable_binary_secret()->mutable_value());
  }
  if (r->has_entropy()) WipeEntropy(r->mutable_entropy());
}

void ScrubResponse(sts::v1::ValidateResponse* r) {
  for (sts::v1::ContextKey& key : *r->mutable_keys()) Wipe(key.mutable_key());
}

void ScrubRequest(sts::v1::IssueRequest* r) {
  if (r->has_entropy()) WipeEntropy(r->mutable_entropy());
}

void ScrubRequest(sts::v1::RenewRequest* r) {
  if (r->has_entropy()) WipeEntropy(r->mutable_entropy());
}

}  // namespace sts::wire
