// Writes the hand-made part of every fuzz target's seed corpus: valid inputs
// made by the real senders (SignInPlace / SealInPlace, the cookie sealer,
// wire::MakeRenewRequest, soap::Sign / Encrypt, ...) under the fixed context
// (fixed_context.h) at its fixed time, plus a few near misses, each in the
// input format its target's header describes. The rest of each corpus is what
// fuzzing runs found (minimised with -merge=1).
//
//   bazel run //tests/fuzz:make_seeds -- $PWD/tests/fuzz/corpus
//
// Writes <dir>/<target>/seed-<name>, replacing files of those names only.
// Nonces are random, so a re-run rewrites the seeds with other bytes of the
// same meaning: run it when an input format changes, not otherwise.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/clock.h"
#include "client/protect/message.h"
#include "client/soap/soap.h"
#include "client/wire/proof.h"
#include "client/wire/time.h"
#include "sts/cookie/cookie_contents.pb.h"
#include "sts/cookie/cookie_sealer.h"
#include "sts/cookie/cookie_store.h"
#include "sts/replicas/replica_state.h"
#include "sts/token/token_id.h"
#include "sts/v1/protected_message.pb.h"
#include "sts/v1/sts.pb.h"
#include "tests/fuzz/fixed_context.h"
#include "tests/fuzz/fixed_keyset.h"
#include "tests/fuzz/fuzz_input.h"

namespace sts::fuzz {
namespace {

std::filesystem::path root;

void Write(absl::string_view target, absl::string_view name, absl::string_view bytes) {
  const std::filesystem::path dir = root / std::string(target);
  std::filesystem::create_directories(dir);
  const std::filesystem::path path = dir / ("seed-" + std::string(name));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

template <class T>
T Ok(absl::StatusOr<T> v, absl::string_view what) {
  if (!v.ok()) {
    std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 v.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(v);
}

void Ok(const absl::Status& s, absl::string_view what) {
  Ok(absl::StatusOr<int>(s.ok() ? absl::StatusOr<int>(0) : absl::StatusOr<int>(s)), what);
}

// protected_message_fuzzer: flags, associated data, message.
void ProtectedMessages() {
  using protect::Direction;
  using sts::v1::ProtectedMessage;
  struct Case {
    const char* name;
    uint8_t flags;
    bool seal;
    Direction direction;
    FixedKeyKind key;
    bool psha1;
    absl::Duration age;
    const char* receiver;  // nullptr: the context's (FillHeader's default)
    const char* identifier;
  };
  const Case cases[] = {
      {"sign", 0, false, Direction::kClientToServer, FixedKeyKind::kResolved, false,
       absl::ZeroDuration(), nullptr, kIdentifier},
      {"seal", 0, true, Direction::kClientToServer, FixedKeyKind::kResolved, false,
       absl::ZeroDuration(), nullptr, kIdentifier},
      {"sign-answer", 1, false, Direction::kServerToClient, FixedKeyKind::kResolved, false,
       absl::ZeroDuration(), nullptr, kIdentifier},
      {"seal-answer", 1, true, Direction::kServerToClient, FixedKeyKind::kResolved, false,
       absl::ZeroDuration(), nullptr, kIdentifier},
      {"sign-psha1", 4, false, Direction::kClientToServer, FixedKeyKind::kResolved, true,
       absl::ZeroDuration(), nullptr, kIdentifier},
      {"seal-psha1", 4, true, Direction::kClientToServer, FixedKeyKind::kResolved, true,
       absl::ZeroDuration(), nullptr, kIdentifier},
      {"sign-refreshed-key", 16, false, Direction::kClientToServer, FixedKeyKind::kRefreshed,
       false, absl::ZeroDuration(), nullptr, kIdentifier},
      {"sign-no-receiver", 8, false, Direction::kClientToServer, FixedKeyKind::kResolved, false,
       absl::ZeroDuration(), "", kIdentifier},
      {"sign-other-receiver", 0, false, Direction::kClientToServer, FixedKeyKind::kResolved,
       false, absl::ZeroDuration(), "spiffe://test.example/other", kIdentifier},
      {"sign-stale", 0, false, Direction::kClientToServer, FixedKeyKind::kResolved, false,
       absl::Minutes(6), nullptr, kIdentifier},
      {"sign-unknown-context", 0, false, Direction::kClientToServer, FixedKeyKind::kResolved,
       false, absl::ZeroDuration(), nullptr, "urn:uuid:00000000-0000-4000-8000-000000000000"},
      {"retag-seal", 2, true, Direction::kClientToServer, FixedKeyKind::kResolved, false,
       absl::ZeroDuration(), nullptr, kIdentifier},
  };
  uint64_t sequence = 1;
  for (const Case& c : cases) {
    std::shared_ptr<const protect::InstanceKeys> keys = FixedInstance(c.key);
    protect::DerivationOptions derivation;
    if (c.psha1) {
      derivation.algorithm = protect::DerivationOptions::Algorithm::kPSha1;
      derivation.generation = 2;
    }
    ProtectedMessage m;
    std::optional<std::string> receiver;
    if (c.receiver != nullptr) receiver = c.receiver;
    protect::FillHeader(*keys, derivation,
                        c.seal ? ProtectedMessage::PROTECTION_SEAL : ProtectedMessage::PROTECTION_SIGN,
                        c.direction, sequence++, FixedNow() - c.age, &m, receiver);
    m.mutable_token()->set_identifier(c.identifier);
    m.set_payload("{\"order\": 42, \"items\": [\"widget\"]}");
    if (!(c.flags & 2)) {
      Ok(c.seal ? protect::SealInPlace(*keys, &m, kMessageAd)
                : protect::SignInPlace(*keys, &m, kMessageAd),
         c.name);
    }
    FuzzInputWriter w;
    w.Byte(c.flags).LengthPrefixed(kMessageAd).Bytes(m.SerializeAsString());
    Write("protected_message_fuzzer", c.name, w.bytes());
  }
}

std::string Flagged(uint8_t flags, absl::string_view bytes) {
  FuzzInputWriter w;
  w.Byte(flags).Bytes(bytes);
  return w.bytes();
}

// proof_fuzzer: flags, then a RenewRequest or CancelRequest.
void Proofs() {
  sts::v1::SecurityContextToken token;
  token.set_identifier(kIdentifier);
  token.set_instance("1");
  const crypto::SecretBytes key1 = FixedKey(FixedKeyKind::kResolved);
  const crypto::SecretBytes key2 = FixedKey(FixedKeyKind::kRefreshed);
  const absl::Time now = FixedNow();
  const std::string renew = Ok(wire::MakeRenewRequest(token, key1, now), "renew").SerializeAsString();
  Write("proof_fuzzer", "renew", Flagged(0, renew));
  Write("proof_fuzzer", "renew-rolling-over", Flagged(4, renew));
  Write("proof_fuzzer", "renew-rate-limited", Flagged(8, renew));
  Write("proof_fuzzer", "cancel",
        Flagged(1, Ok(wire::MakeCancelRequest(token, key1, now), "cancel").SerializeAsString()));
  sts::v1::RenewRequest base;
  base.set_context("ctx-7");
  base.mutable_lifetime()->set_seconds(1800);
  base.set_key_size(384);
  base.mutable_entropy()->mutable_binary_secret()->set_value(std::string(48, '\x21'));
  base.set_computed_key_algorithm("http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1");
  Write("proof_fuzzer", "renew-with-entropy",
        Flagged(0, Ok(wire::MakeRenewRequest(token, key1, now, base), "renew").SerializeAsString()));
  sts::v1::SecurityContextToken current = token;
  current.set_instance("2");
  Write("proof_fuzzer", "renew-current-of-two",
        Flagged(4, Ok(wire::MakeRenewRequest(current, key2, now), "renew").SerializeAsString()));
  Write("proof_fuzzer", "renew-stale",
        Flagged(0, Ok(wire::MakeRenewRequest(token, key1, now - absl::Minutes(6)), "renew")
                       .SerializeAsString()));
  sts::v1::SecurityContextToken stateless = token;
  stateless.set_cookie(std::string(64, '\x3e'));
  Write("proof_fuzzer", "cancel-stateless",
        Flagged(3, Ok(wire::MakeCancelRequest(stateless, key1, now), "cancel").SerializeAsString()));
  sts::v1::RenewRequest unproved;
  *unproved.mutable_renew_target() = token;
  Write("proof_fuzzer", "renew-without-proof", Flagged(0, unproved.SerializeAsString()));
  sts::v1::RenewRequest tampered = Ok(wire::MakeRenewRequest(token, key1, now), "renew");
  tampered.set_key_size(512);
  Write("proof_fuzzer", "remac-tampered", Flagged(2, tampered.SerializeAsString()));
}

// cookie_fuzzer: flags, time offset, cookie (or contents).
void Cookies() {
  cookie::CookieSealer sealer(FixedMasterKeyset(false));
  cookie::CookieSealer rotated(FixedMasterKeyset(true));
  replicas::InMemoryReplicaState state;
  cookie::CookieStore store(cookie::CookieStore::Options(), &sealer, &state);
  const absl::Time now = FixedNow();
  const token::TokenId id = *token::TokenId::Parse(kIdentifier);
  token::TokenTimeline timeline{now, now + absl::Hours(1), now + absl::Hours(1),
                                now + absl::Hours(1) + absl::Minutes(10)};
  const crypto::SecretBytes key = FixedKey(FixedKeyKind::kResolved);
  sts::v1::SecurityContextToken issued;
  Ok(store.Create(id, "spiffe://test.example/client", "spiffe://test.example/relying-party", 1,
                  key, timeline, &issued),
     "create");
  auto seed = [](absl::string_view name, uint8_t flags, int8_t offset, absl::string_view cookie) {
    FuzzInputWriter w;
    w.Byte(flags).Byte(static_cast<uint8_t>(offset)).Bytes(cookie);
    Write("cookie_fuzzer", name, w.bytes());
  };
  seed("live", 0, 0, issued.cookie());
  seed("live-renew", 4, 0, issued.cookie());
  seed("live-cancel", 8, 0, issued.cookie());
  seed("live-renew-cancel", 12, 0, issued.cookie());
  seed("expired-renew-allowed", 4 | 16, 13, issued.cookie());
  seed("after-rotation", 2, 0, issued.cookie());
  const crypto::SecretBytes next_key = FixedKey(FixedKeyKind::kRefreshed);
  sts::v1::SecurityContextToken renewed;
  Ok(store.Rotate(id, issued, now + absl::Minutes(30), next_key,
                  {now + absl::Minutes(30), now + absl::Minutes(90), now + absl::Minutes(90),
                   now + absl::Minutes(100)},
                  now + absl::Minutes(35), false, &renewed),
     "rotate");
  seed("renewed", 4, 6, renewed.cookie());
  seed("renewed-cancel", 8, 6, renewed.cookie());
  cookie::CookieContents contents = Ok(sealer.Open(renewed.cookie()), "open");
  seed("contents-renewed", 1 | 4 | 8, 6, contents.SerializeAsString());
  cookie::CookieStore rotated_store(cookie::CookieStore::Options(), &rotated, &state);
  sts::v1::SecurityContextToken under_key2;
  Ok(rotated_store.Create(id, "dns:orders.example", "", 1, key, timeline, &under_key2), "create");
  seed("sealed-under-key-2", 2 | 4, 0, under_key2.cookie());
  std::string tampered = issued.cookie();
  tampered[tampered.size() / 2] ^= 0x20;
  seed("tampered", 0, 0, tampered);
}

// token_service_fuzzer: setup, then operations (see its header).
void TokenService() {
  enum : uint8_t { kIssue = 0, kRenew = 1, kCancel = 2, kValidate = 3, kAmend = 4, kAdvance = 5,
                   kSweep = 6, kReplay = 7 };
  enum : uint8_t { kClient = 0 << 3, kAudience = 1 << 3, kBystander = 2 << 3, kOutsider = 3 << 3 };
  enum : uint8_t { kHeld = 32, kProve = 64, kOlder = 128 };
  sts::v1::IssueRequest for_audience;
  for_audience.set_applies_to("spiffe://test.example/relying-party");
  sts::v1::IssueRequest with_entropy = for_audience;
  with_entropy.set_context("order-service/7");
  with_entropy.set_key_size(256);
  with_entropy.mutable_lifetime()->set_seconds(600);
  with_entropy.mutable_entropy()->mutable_binary_secret()->set_value(std::string(32, '\x5c'));
  with_entropy.mutable_entropy()->mutable_binary_secret()->set_type(
      "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Nonce");
  sts::v1::IssueRequest hkdf = with_entropy;
  hkdf.set_computed_key_algorithm("urn:sts:v1:ck:hkdf-sha256");
  sts::v1::RenewRequest renew_with_entropy;
  *renew_with_entropy.mutable_entropy() = with_entropy.entropy();
  renew_with_entropy.set_key_size(384);
  renew_with_entropy.mutable_entropy()->mutable_binary_secret()->set_value(std::string(48, 'e'));
  const std::string empty;
  struct Op {
    uint8_t code;
    std::string request;  // for the RPCs
    uint8_t advance = 0;  // for kAdvance
  };
  auto seed = [](absl::string_view name, uint8_t setup, const std::vector<Op>& ops) {
    FuzzInputWriter w;
    w.Byte(setup);
    for (const Op& op : ops) {
      w.Byte(op.code);
      if ((op.code & 7) == kAdvance) {
        w.Byte(op.advance);
      } else if ((op.code & 7) != kSweep && (op.code & 7) != kReplay) {
        w.LengthPrefixed(op.request);
      }
    }
    Write("token_service_fuzzer", name, w.bytes());
  };
  const std::vector<Op> lifecycle = {
      {kValidate | kAudience | kHeld, empty},
      {kRenew | kClient | kHeld | kProve, empty},
      {kValidate | kAudience | kHeld, empty},
      {kValidate | kAudience | kHeld | kOlder, empty},
      {kCancel | kClient | kHeld | kProve, empty},
      {kValidate | kAudience | kHeld, empty},
      {kValidate | kClient | kHeld | kOlder, empty},
      {kRenew | kClient | kHeld | kProve | kOlder, empty},
  };
  for (uint8_t store : {0, 1}) {
    const std::string suffix = store == 0 ? "-keyring" : "-cookie";
    seed("lifecycle" + suffix, store, lifecycle);
    seed("computed-keys" + suffix, store,
         {{kIssue | kClient, with_entropy.SerializeAsString()},
          {kRenew | kClient | kHeld | kProve, renew_with_entropy.SerializeAsString()},
          {kIssue | kClient, hkdf.SerializeAsString()},
          {kValidate | kAudience | kHeld, empty},
          {kValidate | kClient | kHeld, empty}});
    seed("expired-renewal" + suffix, store | 2,
         {{kAdvance, empty, 100},
          {kRenew | kClient | kHeld | kProve, empty},
          {kAdvance, empty, 20},
          {kValidate | kAudience | kHeld, empty},
          {kRenew | kClient | kHeld | kProve, empty}});
    seed("strangers" + suffix, store,
         {{kValidate | kBystander | kHeld, empty},
          {kValidate | kOutsider | kHeld, empty},
          {kIssue | kOutsider, for_audience.SerializeAsString()},
          {kRenew | kAudience | kHeld | kProve, empty},
          {kCancel | kBystander | kHeld | kProve, empty},
          {kAmend | kClient | kHeld, empty}});
    seed("retention" + suffix, store,
         {{kCancel | kClient | kHeld | kProve, empty},
          {kAdvance, empty, 255},
          {kSweep, empty},
          {kValidate | kAudience | kHeld, empty},
          {kCancel | kClient | kHeld | kProve, empty}});
    seed("replayed" + suffix, store,
         {{kRenew | kClient | kHeld | kProve, empty},
          {kReplay, empty},
          {kRenew | kClient | kHeld, empty},
          {kCancel | kClient | kHeld | kProve, empty},
          {kReplay, empty}});
  }
  seed("quota-keyring", 4,
       {{kIssue | kClient, for_audience.SerializeAsString()},
        {kIssue | kClient, for_audience.SerializeAsString()},
        {kRenew | kClient | kHeld | kProve, empty},
        {kRenew | kClient | kHeld | kProve, empty},
        {kValidate | kAudience | kHeld | kOlder, empty}});
}

// soap_receiver_fuzzer: flags, then the envelope.
void SoapEnvelopes() {
  const std::string soap11 =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
      "<soap:Header><wsa:To xmlns:wsa=\"http://www.w3.org/2005/08/addressing\">"
      "https://orders.example/</wsa:To></soap:Header><soap:Body>"
      "<m:Order xmlns:m=\"urn:example:orders\"><m:Item qty=\"2\">widget &amp; co</m:Item>"
      "</m:Order></soap:Body></soap:Envelope>";
  const std::string soap12 =
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>"
      "<m:Ping xmlns:m=\"urn:example\">1</m:Ping></s:Body></s:Envelope>";
  FakeClock clock(FixedNow());
  const protect::InstanceKeys& keys = *FixedInstance(FixedKeyKind::kResolved);
  auto sign = [&](const std::string& e, soap::AlgorithmSuite suite, soap::SctReference ref) {
    soap::SignOptions o;
    o.suite = suite;
    o.sct_reference = ref;
    o.clock = &clock;
    return Ok(soap::Sign(e, keys, o), "sign");
  };
  auto encrypt = [&](const std::string& e, soap::AlgorithmSuite suite, soap::BodyCipher cipher) {
    soap::EncryptOptions o;
    o.suite = suite;
    o.cipher = cipher;
    o.clock = &clock;
    return Ok(soap::Encrypt(e, keys, o), "encrypt");
  };
  using soap::AlgorithmSuite;
  using soap::BodyCipher;
  using soap::SctReference;
  auto seed = [](absl::string_view name, uint8_t flags, absl::string_view envelope) {
    Write("soap_receiver_fuzzer", name, Flagged(flags, envelope));
  };
  seed("signed", 0, sign(soap11, AlgorithmSuite::kBasic256Sha256, SctReference::kEmbedded));
  seed("signed-by-identifier", 16,
       sign(soap11, AlgorithmSuite::kBasic256Sha256, SctReference::kByIdentifier));
  seed("signed-basic256", 4, sign(soap12, AlgorithmSuite::kBasic256, SctReference::kEmbedded));
  seed("signed-soap12-kept", 64,
       sign(soap12, AlgorithmSuite::kBasic256Sha256, SctReference::kEmbedded));
  seed("encrypted-cbc-then-signed", 1,
       sign(encrypt(soap11, AlgorithmSuite::kBasic256Sha256, BodyCipher::kAes256Cbc),
            AlgorithmSuite::kBasic256Sha256, SctReference::kEmbedded));
  seed("signed-then-encrypted-gcm", 1 | 8,
       encrypt(sign(soap11, AlgorithmSuite::kBasic256Sha256, SctReference::kEmbedded),
               AlgorithmSuite::kBasic256Sha256, BodyCipher::kAes256Gcm));
  seed("encrypted-gcm-only", 1 | 8,
       encrypt(soap12, AlgorithmSuite::kBasic256Sha256, BodyCipher::kAes256Gcm));
  seed("encrypted-gcm-refused", 1 | 8 | 32,
       encrypt(soap12, AlgorithmSuite::kBasic256Sha256, BodyCipher::kAes256Gcm));
  seed("harness-signs", 2, soap11);
  seed("harness-signs-by-identifier-basic256", 2 | 4 | 16, soap12);
  seed("harness-encrypts-and-signs", 3, soap11);
  seed("harness-encrypts-gcm-and-signs", 3 | 8, soap12);
  std::string tampered = sign(soap11, AlgorithmSuite::kBasic256Sha256, SctReference::kEmbedded);
  tampered.replace(tampered.find("qty=\"2\""), 7, "qty=\"9\"");
  seed("signed-body-tampered", 0, tampered);
}

}  // namespace
}  // namespace sts::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR (tests/fuzz/corpus)\n");
    return 2;
  }
  sts::fuzz::root = argv[1];
  sts::fuzz::ProtectedMessages();
  sts::fuzz::Proofs();
  sts::fuzz::Cookies();
  sts::fuzz::TokenService();
  sts::fuzz::SoapEnvelopes();
  return 0;
}
