// The view API against the message API it must equal byte for byte (tags
// made by one verify in the other), against the canonical header
// (message_test.cc pins that to a known answer), and its refusals, alone and
// through a Receiver.
#include "client/protect/message_view.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "client/clock.h"
#include "client/crypto/bytes.h"
#include "client/crypto/random.h"
#include "client/protect/message.h"
#include "client/protect/receiver.h"
#include "client/wire/fault.h"
#include "gtest/gtest.h"

namespace sts::protect {
namespace {

using sts::v1::ProtectedMessage;

constexpr char kIdentifier[] = "urn:uuid:00000000-0000-4000-8000-00000000000a";
constexpr char kMethod[] = "/example.v1.Inventory/Reserve";
const absl::Time kCreated = absl::FromUnixNanos(1'700'000'000'987'654'321);

std::shared_ptr<const InstanceKeys> Keys(const std::string& cookie = "") {
  auto info = std::make_shared<ContextInfo>();
  info->identifier = kIdentifier;
  info->cookie = cookie;
  info->principal = "spiffe://test.example/client";
  info->applies_to = "spiffe://test.example/inventory";
  return *InstanceKeys::Create(std::move(info), "1", *crypto::RandomSecret(32));
}

absl::Span<uint8_t> Mutable(std::string& s) {
  return absl::MakeSpan(reinterpret_cast<uint8_t*>(s.data()), s.size());
}

absl::string_view AsView(absl::Span<const uint8_t> bytes) {
  return absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// A message with the header the view would have.
ProtectedMessage MessageFor(const InstanceKeys& keys, ProtectedMessage::Protection protection,
                            uint64_t sequence) {
  ProtectedMessage m;
  FillHeader(keys, {}, protection, Direction::kClientToServer, sequence, kCreated, &m);
  return m;
}

MessageView SignedView(const InstanceKeys& keys, absl::string_view payload, uint64_t sequence,
                       crypto::HmacSha256Tag& tag) {
  MessageView view = HeaderView(keys, ProtectedMessage::PROTECTION_SIGN,
                                Direction::kClientToServer, sequence, kCreated);
  view.payload = payload;
  tag = SignView(keys, view, kMethod);
  view.tag = AsView(tag);
  return view;
}

TEST(MessageViewTest, HeaderViewIsWhatFillHeaderWrites) {
  const auto keys = Keys("a-cookie");
  const ProtectedMessage m = MessageFor(*keys, ProtectedMessage::PROTECTION_SIGN, 7);
  const MessageView view = HeaderView(*keys, ProtectedMessage::PROTECTION_SIGN,
                                      Direction::kClientToServer, 7, kCreated);
  const std::optional<MessageView> of = ViewOf(m);
  ASSERT_TRUE(of.has_value());
  EXPECT_EQ(of->identifier, view.identifier);
  EXPECT_EQ(of->instance, view.instance);
  EXPECT_EQ(of->cookie, view.cookie);
  EXPECT_EQ(of->receiver, view.receiver);
  EXPECT_EQ(of->receiver, "spiffe://test.example/inventory");
  EXPECT_EQ(of->sequence, view.sequence);
  EXPECT_EQ(of->created_unix_nanos, view.created_unix_nanos);
}

TEST(MessageViewTest, SignViewTagIsTheMessageTag) {
  for (const std::string cookie : {"", "a-cookie"}) {
    const auto keys = Keys(cookie);
    for (const std::string payload : {std::string(), std::string("hello"),
                                      std::string(5000, 'x')}) {
      ProtectedMessage m = MessageFor(*keys, ProtectedMessage::PROTECTION_SIGN, 9);
      m.set_payload(payload);
      ASSERT_TRUE(SignInPlace(*keys, &m, kMethod).ok());
      crypto::HmacSha256Tag tag;
      const MessageView view = SignedView(*keys, payload, 9, tag);
      EXPECT_EQ(m.tag(), view.tag);
      EXPECT_TRUE(CheckTagView(*keys, *ViewOf(m), kMethod).ok());
      EXPECT_TRUE(CheckTag(*keys, m, kMethod).ok());
    }
  }
}

// A view naming another context than `keys` takes the path that encodes the
// whole header; both paths must be HMAC(key, CanonicalHeader || Bytes(payload)).
TEST(MessageViewTest, BothMacPathsAreTheCanonicalHeaderMac) {
  const auto keys = Keys();
  const std::string payload = "payload";
  for (const bool own : {true, false}) {
    ProtectedMessage m = MessageFor(*keys, ProtectedMessage::PROTECTION_SIGN, 3);
    if (!own) m.mutable_token()->set_instance("2");
    m.set_payload(payload);
    const MessageView view = *ViewOf(m);
    const crypto::HmacSha256Tag tag = SignView(*keys, view, kMethod);
    const std::string header = CanonicalHeader(m, kMethod);
    const std::array<uint8_t, 4> length = {0, 0, 0, static_cast<uint8_t>(payload.size())};
    const crypto::HmacSha256Tag expected = keys->MacKey(Direction::kClientToServer)
                                               .Sign({crypto::AsBytes(header), length,
                                                      crypto::AsBytes(payload)});
    EXPECT_EQ(tag, expected) << (own ? "own instance" : "other instance");
  }
}

TEST(MessageViewTest, ViewSealOpensAsAMessageAndTheReverse) {
  const auto keys = Keys("c");
  const std::string plaintext = "the order: 12 widgets";
  // View -> message.
  std::string text = plaintext;
  AeadNonce nonce;
  AeadTag tag;
  const MessageView header = HeaderView(*keys, ProtectedMessage::PROTECTION_SEAL,
                                        Direction::kClientToServer, 4, kCreated);
  ASSERT_TRUE(SealView(*keys, header, kMethod, Mutable(text), nonce, tag).ok());
  EXPECT_NE(text, plaintext);
  ProtectedMessage m = MessageFor(*keys, ProtectedMessage::PROTECTION_SEAL, 4);
  m.set_aead_nonce(std::string(AsView(nonce)));
  m.set_payload(text);
  m.set_tag(std::string(AsView(tag)));
  std::string opened;
  ASSERT_TRUE(OpenPayload(*keys, m, kMethod, &opened).ok());
  EXPECT_EQ(opened, plaintext);
  // Message -> view.
  ProtectedMessage sealed = MessageFor(*keys, ProtectedMessage::PROTECTION_SEAL, 5);
  sealed.set_payload(plaintext);
  ASSERT_TRUE(SealInPlace(*keys, &sealed, kMethod).ok());
  const MessageView view = *ViewOf(sealed);
  ASSERT_TRUE(CheckViewShape(view).ok());
  std::string out(view.payload.size(), '\0');
  ASSERT_TRUE(OpenView(*keys, view, kMethod, Mutable(out)).ok());
  EXPECT_EQ(out, plaintext);
}

TEST(MessageViewTest, EveryHeaderFieldIsCovered) {
  const auto keys = Keys();
  crypto::HmacSha256Tag tag;
  const MessageView good = SignedView(*keys, "payload", 11, tag);
  ASSERT_TRUE(CheckTagView(*keys, good, kMethod).ok());
  std::vector<MessageView> changed(8, good);
  changed[0].sequence = 12;
  changed[1].created_unix_nanos += 1;
  changed[2].receiver = "spiffe://test.example/other";
  changed[3].receiver = "";
  changed[4].payload = "payloaD";
  changed[5].direction = Direction::kServerToClient;
  changed[6].instance = "2";
  changed[7].cookie = "x";
  for (size_t i = 0; i < changed.size(); ++i) {
    const absl::Status s = CheckTagView(*keys, changed[i], kMethod);
    EXPECT_TRUE(wire::IsRefusal(s, wire::Refusal::kBadProof)) << i << ": " << s;
  }
  EXPECT_FALSE(CheckTagView(*keys, good, "/example.v1.Inventory/Cancel").ok());
  std::string flipped(good.tag);
  flipped[31] ^= 1;
  MessageView bad = good;
  bad.tag = flipped;
  EXPECT_EQ(wire::FaultNameOf(CheckTagView(*keys, bad, kMethod)), "wst:FailedAuthentication");
}

TEST(MessageViewTest, TruncatedAndOverlongTagsAreRefused) {
  const auto keys = Keys();
  crypto::HmacSha256Tag tag;
  MessageView view = SignedView(*keys, "payload", 1, tag);
  const std::string full(view.tag);
  const std::string truncated = full.substr(0, 16);
  view.tag = truncated;
  absl::Status s = CheckTagView(*keys, view, kMethod);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated) << s;
  EXPECT_EQ(CheckViewShape(view).code(), absl::StatusCode::kUnauthenticated);
  const std::string overlong = full + "x";
  view.tag = overlong;
  s = CheckTagView(*keys, view, kMethod);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidRequest");
}

TEST(MessageViewTest, AForgedSealReleasesNothing) {
  const auto keys = Keys();
  ProtectedMessage sealed = MessageFor(*keys, ProtectedMessage::PROTECTION_SEAL, 5);
  sealed.set_payload("secret order");
  ASSERT_TRUE(SealInPlace(*keys, &sealed, kMethod).ok());
  MessageView view = *ViewOf(sealed);
  std::string out(view.payload.size(), '\x55');
  std::string tag(view.tag);
  tag[0] ^= 0x80;
  view.tag = tag;
  const absl::Status s = OpenView(*keys, view, kMethod, Mutable(out));
  EXPECT_EQ(wire::FaultNameOf(s), "wst:FailedAuthentication") << s;
  EXPECT_EQ(out, std::string(out.size(), '\0')) << "the output must be wiped";
  // A buffer of the wrong size, a signed view: refused before any crypto.
  view = *ViewOf(sealed);
  std::string small(view.payload.size() - 1, '\0');
  EXPECT_EQ(OpenView(*keys, view, kMethod, Mutable(small)).code(),
            absl::StatusCode::kInvalidArgument);
  view.protection = ProtectedMessage::PROTECTION_SIGN;
  EXPECT_EQ(OpenView(*keys, view, kMethod, Mutable(out)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MessageViewTest, ShapeRefusals) {
  const auto keys = Keys();
  crypto::HmacSha256Tag tag;
  const MessageView good = SignedView(*keys, "payload", 1, tag);
  ASSERT_TRUE(CheckViewShape(good).ok());
  const std::string long_instance(65, 'i');
  const std::string long_receiver(1025, 'r');
  const std::string nonce(12, 'n');
  std::vector<MessageView> bad(6, good);
  bad[0].identifier = "";
  bad[1].instance = long_instance;
  bad[2].receiver = long_receiver;
  bad[3].aead_nonce = nonce;  // a signed message has none
  bad[4].protection = static_cast<ProtectedMessage::Protection>(7);
  bad[5].protection = ProtectedMessage::PROTECTION_SEAL;
  bad[5].aead_nonce = "short";
  for (size_t i = 0; i < bad.size(); ++i) {
    const absl::Status s = CheckViewShape(bad[i]);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << i << ": " << s;
    EXPECT_EQ(wire::FaultNameOf(s), "wst:InvalidRequest") << i;
  }
}

TEST(MessageViewTest, MessagesAViewCannotCarryHaveNone) {
  const auto keys = Keys();
  ProtectedMessage m = MessageFor(*keys, ProtectedMessage::PROTECTION_SIGN, 1);
  ASSERT_TRUE(ViewOf(m).has_value());
  ProtectedMessage psha1;
  DerivationOptions d;
  d.algorithm = DerivationOptions::Algorithm::kPSha1;
  FillHeader(*keys, d, ProtectedMessage::PROTECTION_SIGN, Direction::kClientToServer, 1,
             kCreated, &psha1);
  EXPECT_FALSE(ViewOf(psha1).has_value());
  ProtectedMessage no_length = m;
  no_length.mutable_derivation()->set_length(0);
  EXPECT_FALSE(ViewOf(no_length).has_value());
  ProtectedMessage wsu = m;
  wsu.mutable_token()->set_wsu_id("sct-1");
  EXPECT_FALSE(ViewOf(wsu).has_value());
  ProtectedMessage unknown = m;
  unknown.GetReflection()->MutableUnknownFields(&unknown)->AddVarint(99, 1);
  EXPECT_FALSE(ViewOf(unknown).has_value());
  ProtectedMessage direction = m;
  direction.set_direction(static_cast<ProtectedMessage::Direction>(5));
  EXPECT_FALSE(ViewOf(direction).has_value());
}

// The receiver's checks on the view path: the same order and refusals as
// for a message (receiver_test.cc), with the plaintext in the caller's buffer.
class OneKeyResolver : public KeyResolver {
 public:
  explicit OneKeyResolver(std::shared_ptr<const InstanceKeys> keys) : keys_(std::move(keys)) {}
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken& token, absl::Time now) override {
    if (token.identifier() != keys_->identifier() || token.instance() != keys_->instance()) {
      return wire::Refuse(wire::Refusal::kUnknownContext, "unknown context");
    }
    return keys_;
  }
  void Authenticated(const sts::v1::SecurityContextToken& token, absl::Time now) override {
    ++authenticated_;
  }
  int authenticated_ = 0;

 private:
  std::shared_ptr<const InstanceKeys> keys_;
};

TEST(MessageViewTest, ReceiverAcceptsAViewOnceAndRefusesTheRest) {
  const auto keys = Keys();
  OneKeyResolver resolver(keys);
  FakeClock clock(kCreated);
  const Receiver receiver(&resolver, &clock);
  crypto::HmacSha256Tag tag;
  const MessageView view = SignedView(*keys, "payload", 1, tag);
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> who =
      receiver.Verify(view, kMethod, Direction::kClientToServer);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(*who, keys);
  EXPECT_EQ(resolver.authenticated_, 1);
  // Replayed.
  absl::Status s = receiver.Verify(view, kMethod, Direction::kClientToServer).status();
  EXPECT_EQ(wire::FaultNameOf(s), "wst:FailedAuthentication") << s;
  // The other direction; a sealed view to Verify; unknown context.
  crypto::HmacSha256Tag tag2;
  const MessageView second = SignedView(*keys, "payload", 2, tag2);
  EXPECT_EQ(receiver.Verify(second, kMethod, Direction::kServerToClient).status().code(),
            absl::StatusCode::kInvalidArgument);
  MessageView other = second;
  other.identifier = "urn:uuid:other";
  EXPECT_EQ(wire::FaultNameOf(receiver.Verify(other, kMethod, Direction::kClientToServer)
                                  .status()),
            wire::FaultNameOf(wire::Refuse(wire::Refusal::kUnknownContext, "x")));
  // Stale: six minutes later.
  clock.Advance(absl::Minutes(6));
  s = receiver.Verify(second, kMethod, Direction::kClientToServer).status();
  EXPECT_EQ(wire::FaultNameOf(s), "wst:ExpiredData") << s;
  clock.Advance(absl::Minutes(-6));
  // Still unused after all those refusals.
  EXPECT_TRUE(receiver.Verify(second, kMethod, Direction::kClientToServer).ok());
  EXPECT_EQ(resolver.authenticated_, 2);
}

TEST(MessageViewTest, ReceiverOpensAViewIntoTheCallersBufferAndWipesItOnReplay) {
  const auto keys = Keys();
  OneKeyResolver resolver(keys);
  FakeClock clock(kCreated);
  const Receiver receiver(&resolver, &clock);
  ProtectedMessage sealed = MessageFor(*keys, ProtectedMessage::PROTECTION_SEAL, 1);
  sealed.set_payload("secret order");
  ASSERT_TRUE(SealInPlace(*keys, &sealed, kMethod).ok());
  const MessageView view = *ViewOf(sealed);
  std::string out(view.payload.size(), '\0');
  ASSERT_TRUE(receiver.Open(view, kMethod, Direction::kClientToServer, Mutable(out)).ok());
  EXPECT_EQ(out, "secret order");
  std::string again(view.payload.size(), '\x55');
  const absl::Status s =
      receiver.Open(view, kMethod, Direction::kClientToServer, Mutable(again)).status();
  EXPECT_EQ(wire::FaultNameOf(s), "wst:FailedAuthentication") << s;
  EXPECT_EQ(again, std::string(again.size(), '\0')) << "a replay's plaintext must be wiped";
}

}  // namespace
}  // namespace sts::protect
