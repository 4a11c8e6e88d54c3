// Client side of protected gRPC calls: every unary call made through the
// channel carries a MAC under the caller's security context over the method,
// the serialized request and a timestamp (call_protection.h).
//
// Contract:
//  - The context renews itself as configured; calls keep their
//    protection across renewals.
//  - When the context cannot protect a call (cancelled, expired and not
//    renewable), the call fails locally with that refusal (e.g.
//    FAILED_PRECONDITION wst:InvalidSecurityToken) and nothing is sent; so
//    does every call under a context configured for P_SHA1 message keys,
//    which the call metadata cannot name (wst:InvalidRequest).
//  - protected_call.h does the same for one call, without the interceptor.
//  - Streaming calls are sent unprotected (the server side refuses them).
//  - Requests are serialized deterministically for the MAC. Sync and callback
//    stubs hand the interceptor the request object; async (completion-queue)
//    stubs hand it the bytes gRPC already serialized, which are
//    deterministic for messages without map fields only.
// Thread-safe; one factory serves any number of channels and calls.
#ifndef STS_CLIENT_GRPC_CLIENT_INTERCEPTOR_H_
#define STS_CLIENT_GRPC_CLIENT_INTERCEPTOR_H_

#include <memory>
#include <string>

#include "client/context/security_context.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/client_interceptor.h"

namespace sts::grpc_protect {

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
MakeClientInterceptorFactory(std::shared_ptr<context::SecurityContext> context);

// A channel whose calls are protected under `context` (any credentials:
// message protection is independent of the transport's).
std::shared_ptr<grpc::Channel> CreateProtectedChannel(
    const std::string& target, const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const grpc::ChannelArguments& args, std::shared_ptr<context::SecurityContext> context);

}  // namespace sts::grpc_protect

#endif  // STS_CLIENT_GRPC_CLIENT_INTERCEPTOR_H_
