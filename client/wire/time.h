#ifndef STS_CLIENT_WIRE_TIME_H_
#define STS_CLIENT_WIRE_TIME_H_

// google.protobuf.Timestamp (the wire's wsu:Created / wsu:Expires) and
// absl::Time, both ways: the one conversion the client and the STS use.

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace sts::wire {

// Exact for every Timestamp with nanos in [0, 1e9) (the proto's invariant);
// out-of-range nanos are added as they are.
absl::Time TimeOf(const google::protobuf::Timestamp& t);

// Writes `t` with nanos normalised to [0, 1e9), also before 1970. Infinite
// times are clamped to the Timestamp range (years 1..9999).
void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out);
google::protobuf::Timestamp TimestampOf(absl::Time t);

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_TIME_H_
