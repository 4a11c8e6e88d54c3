#ifndef STS_CLIENT_WIRE_SCRUB_H_
#define STS_CLIENT_WIRE_SCRUB_H_

// The secret fields of sts.v1 messages, overwritten in place before the
// messages are freed: keys, and the entropy either party gave for a computed
// key (with the other party's entropy, it is the key). The STS scrubs each
// call's request and response once answered; the client library scrubs what
// it sent and received once the key is installed. gRPC's own serialized
// copies are beyond reach (README.md, "Keys, memory and restarts").

#include "sts/v1/sts.pb.h"

namespace sts::wire {

void ScrubResponse(sts::v1::RequestSecurityTokenResponse* response);
void ScrubResponse(sts::v1::ValidateResponse* response);
void ScrubRequest(sts::v1::IssueRequest* request);
void ScrubRequest(sts::v1::RenewRequest* request);

}  // namespace sts::wire

#endif  // STS_CLIENT_WIRE_SCRUB_H_
