// The receiving side of message protection (client/protect): a
// sts.v1.ProtectedMessage from the wire through CheckShape, CheckTag /
// OpenPayload and the Receiver's Verify / Open, with a resolver holding the
// fixed context's keys (fixed_context.h) on a fake clock.
//
// Input: flags (1 byte), the associated data (FuzzInput::LengthPrefixed),
// then the serialized ProtectedMessage.
//   flags bit 0  the receiver expects server-to-client (else client-to-server)
//         bit 1  re-tag: before it is received, the harness signs or seals the
//                message under the fixed key (its header and payload as
//                given), so mutated headers get past the tag to the checks
//                behind it
//         bit 2  ReceiverOptions.accept_psha1
//         bit 3  ReceiverOptions.require_receiver = false
//         bit 4  the resolver answers Refresh with the other fixed key
//         bit 5  re-tag under that other key (the receiver then needs bit 4)
//
// Checks: refusals carry a fault and no key; an accepted message passed
// CheckShape and its tag checks under the keys the receiver returned, the
// resolver heard of it once, its plaintext is what OpenPayload gives, and
// the same message received again is refused (replay).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "client/clock.h"
#include "client/protect/message.h"
#include "client/protect/receiver.h"
#include "client/wire/fault.h"
#include "sts/v1/protected_message.pb.h"
#include "tests/fuzz/fixed_context.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_input.h"

namespace sts::fuzz {
namespace {

using protect::Direction;
using sts::v1::ProtectedMessage;

void RequireNoKey(absl::string_view text) {
  RequireNoSecret(text, FixedKey(FixedKeyKind::kResolved));
  RequireNoSecret(text, FixedKey(FixedKeyKind::kRefreshed));
}

void RequireClean(const absl::Status& status) {
  RequireFault(status);
  RequireNoKey(status.message());
}

// The crypto layer alone, under the first fixed key.
void CryptoOnly(const ProtectedMessage& message, absl::string_view ad) {
  const protect::InstanceKeys& keys = *FixedInstance(FixedKeyKind::kResolved);
  RequireClean(protect::CheckShape(message));
  (void)protect::CanonicalHeader(message, ad);
  RequireClean(protect::CheckTag(keys, message, ad));
  std::string plaintext;
  RequireClean(protect::OpenPayload(keys, message, ad, &plaintext));
}

absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> Receive(
    const protect::Receiver& receiver, const ProtectedMessage& message, absl::string_view ad,
    Direction expected, std::string* plaintext) {
  if (message.protection() == ProtectedMessage::PROTECTION_SEAL) {
    return receiver.Open(message, ad, expected, plaintext);
  }
  return receiver.Verify(message, ad, expected);
}

}  // namespace
}  // namespace sts::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sts;
  using namespace sts::fuzz;
  BeginInput(data, size);
  absl::Cleanup check_log = [] { RequireNoKey(TakeProtobufLog()); };
  FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const std::string ad(in.LengthPrefixed());
  ProtectedMessage message;
  if (!message.ParseFromString(std::string(in.Rest()))) return 0;

  if (flags & 2) {
    const protect::InstanceKeys& keys =
        *FixedInstance(flags & 32 ? FixedKeyKind::kRefreshed : FixedKeyKind::kResolved);
    const absl::Status made = message.protection() == ProtectedMessage::PROTECTION_SEAL
                                  ? protect::SealInPlace(keys, &message, ad)
                                  : protect::SignInPlace(keys, &message, ad);
    RequireClean(made);
  }
  CryptoOnly(message, ad);

  const Direction expected = flags & 1 ? Direction::kServerToClient : Direction::kClientToServer;
  protect::ReceiverOptions options;
  options.accept_psha1 = (flags & 4) != 0;
  options.require_receiver = (flags & 8) == 0;
  FixedResolver resolver(/*refresh=*/(flags & 16) != 0);
  FakeClock clock(FixedNow());
  protect::Receiver receiver(&resolver, &clock, options);

  std::string plaintext;
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> keys =
      Receive(receiver, message, ad, expected, &plaintext);
  RequireClean(keys.status());
  Trace("receive", keys.status());
  if (!keys.ok()) {
    Require(resolver.authenticated() == 0, "a refused message was reported authenticated");
    return 0;
  }
  Require(protect::CheckShape(message).ok(), "an accepted message has a valid shape");
  Require(protect::DirectionOf(message) == expected, "an accepted message goes the expected way");
  Require(resolver.authenticated() == 1, "an accepted message is reported once");
  if (message.protection() == ProtectedMessage::PROTECTION_SEAL) {
    std::string again;
    Require(protect::OpenPayload(**keys, message, ad, &again).ok() && again == plaintext,
            "an opened message's plaintext is what its keys open");
  } else {
    Require(protect::CheckTag(**keys, message, ad).ok(),
            "an accepted message's tag checks under the keys returned");
  }
  std::string replayed;
  absl::StatusOr<std::shared_ptr<const protect::InstanceKeys>> second =
      Receive(receiver, message, ad, expected, &replayed);
  Require(!second.ok(), "a message is accepted once");
  Require(wire::FaultNameOf(second.status()) == "wst:FailedAuthentication",
          "a replay is refused as wst:FailedAuthentication", second.status());
  Require(replayed.empty(), "a replay yields no plaintext");
  return 0;
}
