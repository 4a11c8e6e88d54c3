#include "client/wire/time.h"

#include <cstdint>

namespace sts::wire {
namespace {

// The range google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z.
constexpr int64_t kMinSeconds = -62'135'596'800;
constexpr int64_t kMaxSeconds = 253'402'300'799;

}  // namespace

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  if (t < absl::FromUnixSeconds(kMinSeconds)) t = absl::FromUnixSeconds(kMinSeconds);
  if (t > absl::FromUnixSeconds(kMaxSeconds) + absl::Nanoseconds(999'999'999)) {
    t = absl::FromUnixSeconds(kMaxSeconds) + absl::Nanoseconds(999'999'999);
  }
  // Floor to whole seconds, so the remainder is never negative.
  const int64_t seconds = absl::ToUnixSeconds(t);
  int64_t floor = seconds;
  if (absl::FromUnixSeconds(seconds) > t) --floor;
  out->set_seconds(floor);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(floor))));
}

google::protobuf::Timestamp TimestampOf(absl::Time t) {
  google::protobuf::Timestamp out;
  SetTimestamp(t, &out);
  return out;
}

}  // namespace sts::wire
