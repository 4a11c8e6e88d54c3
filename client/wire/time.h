#ifndef STS_CLIENT_WIRE_TIME_H_
#define STS_CLIENT_WIRE_TIME_H_

// google.protobuf.Timestamp (the wire's wsu:Created / wsu:Expires) as an
// absl::Time, the one conversion both sides use.

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace sts::wire {

inline absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_TIME_H_
