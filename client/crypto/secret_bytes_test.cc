#include "client/crypto/secret_bytes.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/crypto/constant_time.h"
#include "gtest/gtest.h"

// --- Observing the storage at the moment it is released --------------------
//
// Reading a buffer after SecretBytes has freed it would be undefined (and
// ASan rightly rejects it), so this binary replaces the array allocation
// functions SecretBytes uses and inspects a watched buffer inside
// operator delete[], before it is returned to the allocator. If SecretBytes
// ever stops allocating with new[], the hook never fires and the tests below
// fail instead of silently passing.
namespace {

std::atomic<const void*> g_watched{nullptr};
std::atomic<size_t> g_watched_size{0};
// -1: the watched buffer was not released; 0: released with a nonzero byte;
// 1: released all-zero.
std::atomic<int> g_release_result{-1};

void InspectRelease(void* p) {
  if (p == nullptr || p != g_watched.load()) return;
  const auto* bytes = static_cast<const volatile uint8_t*>(p);
  bool all_zero = true;
  for (size_t i = 0; i < g_watched_size.load(); ++i) all_zero &= bytes[i] == 0;
  g_release_result.store(all_zero ? 1 : 0);
  g_watched.store(nullptr);
}

void Watch(const uint8_t* p, size_t n) {
  g_release_result.store(-1);
  g_watched_size.store(n);
  g_watched.store(p);
}

}  // namespace

// Forwarding to the scalar forms keeps allocation and release paired under
// ASan, whose own operator new/delete are what ::operator new reaches.
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept {
  return ::operator new(n, tag);
}
void operator delete[](void* p) noexcept {
  InspectRelease(p);
  ::operator delete(p);
}
void operator delete[](void* p, std::size_t) noexcept { operator delete[](p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  operator delete[](p);
}

namespace sts::crypto {
namespace {

// --- Compile-time properties
// --------------------------------------------------

template <typename T, typename = void>
struct IsStreamable : std::false_type {};
template <typename T>
struct IsStreamable<T, std::void_t<decltype(std::declval<std::ostream&>()
                                            << std::declval<const T&>())>>
    : std::true_type {};

template <typename T, typename = void>
struct IsEqualityComparable : std::false_type {};
template <typename T>
struct IsEqualityComparable<T, std::void_t<decltype(std::declval<const T&>() ==
                                                    std::declval<const T&>())>>
    : std::true_type {};

// The detectors themselves work...
static_assert(IsStreamable<int>::value);
static_assert(IsStreamable<std::string>::value);
static_assert(IsEqualityComparable<std::string>::value);
// ...and SecretBytes cannot be streamed, stringified, compared or copied.
static_assert(!IsStreamable<SecretBytes>::value,
              "SecretBytes must not be printable");
static_assert(!std::is_constructible_v<absl::AlphaNum, const SecretBytes&>,
              "SecretBytes must not be usable with absl::StrCat");
static_assert(!IsEqualityComparable<SecretBytes>::value,
              "SecretBytes equality must go through ConstantTimeEquals");
static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(std::is_nothrow_move_assignable_v<SecretBytes>);
// It is a byte view for the key-taking API.
static_assert(
    std::is_convertible_v<const SecretBytes&, absl::Span<const uint8_t>>);

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(0xa0 + i);
  return v;
}

// --- Construction and access ------------------------------------------------

TEST(SecretBytesTest, DefaultIsEmpty) {
  SecretBytes s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.data(), nullptr);
}

TEST(SecretBytesTest, SizedConstructorZeroFills) {
  SecretBytes s(48);
  ASSERT_EQ(s.size(), 48u);
  EXPECT_FALSE(s.empty());
  for (uint8_t b : s.span()) EXPECT_EQ(b, 0);
}

TEST(SecretBytesTest, CopyAndFromString) {
  const std::vector<uint8_t> bytes = Pattern(20);
  SecretBytes a = SecretBytes::Copy(bytes);
  EXPECT_TRUE(ConstantTimeEquals(a.span(), bytes));
  EXPECT_NE(a.data(), bytes.data());

  SecretBytes b = SecretBytes::FromString(std::string("k\0y", 3));
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b.span()[0], 'k');
  EXPECT_EQ(b.span()[1], 0);
  EXPECT_EQ(b.span()[2], 'y');

  EXPECT_TRUE(SecretBytes::Copy({}).empty());
  EXPECT_TRUE(SecretBytes::FromString("").empty());
}

TEST(SecretBytesTest, MutableSpanWritesThrough) {
  SecretBytes s(4);
  s.mutable_span()[2] = 9;
  EXPECT_EQ(s.span()[2], 9);
  EXPECT_EQ(s.mutable_span().data(), s.data());
}

// --- Zeroization
// --------------------------------------------------------------

TEST(SecretBytesTest, ClearZeroizesBeforeRelease) {
  SecretBytes s = SecretBytes::Copy(Pattern(32));
  Watch(s.data(), s.size());
  s.Clear();
  EXPECT_EQ(g_release_result.load(), 1);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.data(), nullptr);
  s.Clear();  // idempotent
  EXPECT_TRUE(s.empty());
}

TEST(SecretBytesTest, DestructorZeroizesBeforeRelease) {
  {
    SecretBytes s = SecretBytes::Copy(Pattern(64));
    Watch(s.data(), s.size());
  }
  EXPECT_EQ(g_release_result.load(), 1);
}

TEST(SecretBytesTest, MoveTransfersStorageAndEmptiesSource) {
  SecretBytes source = SecretBytes::Copy(Pattern(16));
  const uint8_t* storage = source.data();
  SecretBytes target = std::move(source);
  // The storage itself moved, so no copy of the bytes is left behind...
  EXPECT_EQ(target.data(), storage);
  EXPECT_TRUE(ConstantTimeEquals(target.span(), Pattern(16)));
  // ...and the moved-from object holds nothing.
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(source.data(), nullptr);
  EXPECT_TRUE(source.span().empty());

  // The bytes are still wiped when their final owner releases them.
  Watch(target.data(), target.size());
  target.Clear();
  EXPECT_EQ(g_release_result.load(), 1);
}

TEST(SecretBytesTest, MoveAssignmentZeroizesTheReplacedBytes) {
  SecretBytes target = SecretBytes::Copy(Pattern(24));
  SecretBytes source = SecretBytes::Copy(Pattern(8));
  const uint8_t* source_storage = source.data();
  Watch(target.data(), target.size());
  target = std::move(source);
  EXPECT_EQ(g_release_result.load(), 1);
  EXPECT_EQ(target.data(), source_storage);
  EXPECT_EQ(target.size(), 8u);
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBytesTest, SelfMoveAssignmentKeepsTheBytes) {
  SecretBytes s = SecretBytes::Copy(Pattern(8));
  SecretBytes& alias = s;
  s = std::move(alias);
  EXPECT_TRUE(ConstantTimeEquals(s.span(), Pattern(8)));
}

TEST(SecretBytesTest, TheHookSeesNonzeroReleases) {
  // Proves the inspection can fail: a plain new[] buffer released with its
  // contents intact is reported as nonzero.
  auto* raw = new uint8_t[8];
  for (int i = 0; i < 8; ++i) raw[i] = 0x11;
  Watch(raw, 8);
  delete[] raw;
  EXPECT_EQ(g_release_result.load(), 0);
}

// --- Clone
// --------------------------------------------------------------------

TEST(SecretBytesTest, CloneIsDeep) {
  SecretBytes original = SecretBytes::Copy(Pattern(32));
  SecretBytes clone = original.Clone();
  EXPECT_NE(clone.data(), original.data());
  EXPECT_TRUE(ConstantTimeEquals(clone.span(), original.span()));

  clone.mutable_span()[0] ^= 0xff;
  EXPECT_FALSE(ConstantTimeEquals(clone.span(), original.span()));
  original.Clear();
  EXPECT_EQ(clone.size(), 32u);
  EXPECT_TRUE(SecretBytes().Clone().empty());
}

}  // namespace
}  // namespace sts::crypto
