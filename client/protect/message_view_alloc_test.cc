// The view API's promise to a transport: once warm (the receiver has seen the
// context), signing, sealing, verifying and opening a message allocate
// nothing on the C++ heap. This binary counts every operator new; a path
// that builds a std::string (as a `cond ? std::string : ""` once did in the
// sealing header) fails here. The backend's own allocations (OpenSSL's
// CRYPTO_malloc) are not operator new and are not counted: they are the
// primitive's, and the raw baseline pays them too.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "client/clock.h"
#include "client/crypto/random.h"
#include "client/protect/message.h"
#include "client/protect/message_view.h"
#include "client/protect/receiver.h"
#include "gtest/gtest.h"

namespace {
std::atomic<long> allocations{0};
}  // namespace

// Replacements for the global allocation functions ([replacement.functions]);
// the sized and aligned forms of delete forward to these by default.
void* operator new(size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace sts::protect {
namespace {

using sts::v1::ProtectedMessage;

constexpr char kMethod[] = "/example.v1.Inventory/Reserve";
constexpr int kCalls = 100;

std::shared_ptr<const InstanceKeys> Keys() {
  auto info = std::make_shared<ContextInfo>();
  // Longer than std::string's inline buffer, as every real identifier is.
  info->identifier = "urn:uuid:00000000-0000-4000-8000-00000000000b";
  info->applies_to = "spiffe://test.example/inventory";
  return *InstanceKeys::Create(std::move(info), "1", *crypto::RandomSecret(32));
}

class OneKeyResolver : public KeyResolver {
 public:
  explicit OneKeyResolver(std::shared_ptr<const InstanceKeys> keys) : keys_(std::move(keys)) {}
  absl::StatusOr<std::shared_ptr<const InstanceKeys>> Resolve(
      const sts::v1::SecurityContextToken&, absl::Time) override {
    return keys_;
  }

 private:
  const std::shared_ptr<const InstanceKeys> keys_;
};

absl::string_view AsView(absl::Span<const uint8_t> bytes) {
  return absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

class MessageViewAllocTest : public ::testing::Test {
 protected:
  MessageViewAllocTest()
      : keys_(Keys()), clock_(absl::Now()), resolver_(keys_), receiver_(&resolver_, &clock_) {}

  MessageView Header(ProtectedMessage::Protection protection, uint64_t sequence) const {
    return HeaderView(*keys_, protection, Direction::kClientToServer, sequence, clock_.Now());
  }

  // Signs, then checks alone and through the receiver.
  void SignAndVerify(uint64_t sequence) {
    MessageView view = Header(ProtectedMessage::PROTECTION_SIGN, sequence);
    view.payload = payload_;
    const crypto::HmacSha256Tag tag = SignView(*keys_, view, kMethod);
    view.tag = AsView(tag);
    ASSERT_TRUE(CheckTagView(*keys_, view, kMethod).ok());
    ASSERT_TRUE(receiver_.Verify(view, kMethod, Direction::kClientToServer).ok());
  }

  // Seals in place, then opens alone and through the receiver.
  void SealAndOpen(uint64_t sequence) {
    MessageView view = Header(ProtectedMessage::PROTECTION_SEAL, sequence);
    text_ = payload_;  // same length: no allocation once text_ has the capacity
    const auto text = absl::MakeSpan(reinterpret_cast<uint8_t*>(text_.data()), text_.size());
    ASSERT_TRUE(SealView(*keys_, view, kMethod, text, nonce_, tag_).ok());
    view.aead_nonce = AsView(nonce_);
    view.payload = text_;
    view.tag = AsView(tag_);
    const auto out = absl::MakeSpan(reinterpret_cast<uint8_t*>(out_.data()), out_.size());
    ASSERT_TRUE(OpenView(*keys_, view, kMethod, out).ok());
    ASSERT_EQ(out_, payload_);
    ASSERT_TRUE(receiver_.Open(view, kMethod, Direction::kClientToServer, out).ok());
  }

  const std::shared_ptr<const InstanceKeys> keys_;
  FakeClock clock_;
  OneKeyResolver resolver_;
  const Receiver receiver_;
  const std::string payload_ = std::string(1024, 'p');
  std::string text_ = std::string(1024, '\0');
  std::string out_ = std::string(1024, '\0');
  AeadNonce nonce_{};
  AeadTag tag_{};
};

TEST_F(MessageViewAllocTest, SignAndVerifyAllocateNothingOnceWarm) {
  SignAndVerify(1);  // the receiver's first message: its replay window and token
  const long before = allocations.load();
  for (uint64_t s = 2; s < 2 + kCalls; ++s) SignAndVerify(s);
  EXPECT_EQ(allocations.load() - before, 0);
}

TEST_F(MessageViewAllocTest, SealAndOpenAllocateNothingOnceWarm) {
  SealAndOpen(1);
  const long before = allocations.load();
  for (uint64_t s = 2; s < 2 + kCalls; ++s) SealAndOpen(s);
  EXPECT_EQ(allocations.load() - before, 0);
}

// The counter itself works: a path that does allocate is seen.
TEST_F(MessageViewAllocTest, TheCounterSeesAnAllocation) {
  const long before = allocations.load();
  auto* s = new std::string(100, 'x');
  EXPECT_GT(allocations.load() - before, 0);
  delete s;
}

}  // namespace
}  // namespace sts::protect
