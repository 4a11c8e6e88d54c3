#include "sts/token/token.h"

#include "client/wire/fault.h"

namespace sts::token {

absl::Status RefuseNotLive(TokenState state) {
  switch (state) {
    case TokenState::kCancelled:
      return wire::Refuse(wire::Refusal::kCancelledContext, "the security context was cancelled");
    case TokenState::kExpired:
      return wire::Refuse(wire::Refusal::kExpiredContext, "the security context has expired");
    case TokenState::kSuperseded:
      return wire::Refuse(wire::Refusal::kUnknownKeyInstance,
                          "this token's instance was renewed and its rollover window is over; "
                          "present the newest token");
    case TokenState::kLive:
      break;
  }
  return wire::Refuse(wire::Refusal::kInternal, "a live context was refused as not live");
}

}  // namespace sts::token
