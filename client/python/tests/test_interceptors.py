"""The grpcio interceptors in one process: a protected channel calling a server
behind VerifyingServerInterceptor (plaintext loopback; message protection does
not depend on the transport), with the in-memory STS on a fake clock. The same
pair against the C++ library is //tests/python:python_cpp_interop_test."""

import concurrent.futures
import unittest

import grpc

from fake_sts import FakeSts
from sts_client import (FakeClock, LocalRefusal, RenewalMode, SecurityContext,
                        SecurityContextOptions, StsError, Verifier, VerifierOptions,
                        VerifyingServerInterceptor, current_caller, protected_channel)
from sts_client.errors import Refusal
from sts_client.interceptors import call_metadata, message_from_metadata
from sts_client.proto import sts_pb2

SERVICE = "test.v1.Echo"
SAY = f"/{SERVICE}/Say"
WATCH = f"/{SERVICE}/Watch"
PING = f"/{SERVICE}/Ping"
AUDIENCE = "spiffe://test.example/relying-party"


class Counter(grpc.ServerInterceptor):
    """Counts the calls that reach the server at all."""

    def __init__(self):
        self.calls = 0

    def intercept_service(self, continuation, details):
        self.calls += 1
        return continuation(details)


class InterceptorTest(unittest.TestCase):
    def setUp(self):
        self.clock = FakeClock()
        self.sts = FakeSts(self.clock)
        self.verifier = Verifier(self.sts, VerifierOptions(clock=self.clock))
        self.handled = 0
        self.counter = Counter()

        def say(request, context):
            self.handled += 1
            caller = current_caller()
            return sts_pb2.CancelResponse(context=f"{caller.principal} {request.applies_to}")

        def watch(request, context):
            self.handled += 1
            yield sts_pb2.CancelResponse()

        def ping(request, context):
            self.handled += 1
            return sts_pb2.CancelResponse(context=str(current_caller()))

        handlers = grpc.method_handlers_generic_handler(SERVICE, {
            "Say": grpc.unary_unary_rpc_method_handler(
                say, sts_pb2.IssueRequest.FromString, sts_pb2.CancelResponse.SerializeToString),
            "Watch": grpc.unary_stream_rpc_method_handler(
                watch, sts_pb2.IssueRequest.FromString, sts_pb2.CancelResponse.SerializeToString),
            "Ping": grpc.unary_unary_rpc_method_handler(
                ping, sts_pb2.IssueRequest.FromString, sts_pb2.CancelResponse.SerializeToString),
        })
        self.server = grpc.server(
            concurrent.futures.ThreadPoolExecutor(max_workers=4),
            interceptors=[self.counter,
                          VerifyingServerInterceptor(self.verifier, unprotected_methods=[PING])])
        self.server.add_generic_rpc_handlers((handlers,))
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()
        self.context = SecurityContext.issue(
            self.sts, AUDIENCE,
            options=SecurityContextOptions(clock=self.clock, renewal=RenewalMode.MANUAL))
        self.plain = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.channel = protected_channel(self.plain, self.context)

    def tearDown(self):
        self.plain.close()
        self.server.stop(None).wait()

    def call(self, channel, method=SAY, request=None):
        rpc = channel.unary_unary(method, request_serializer=sts_pb2.IssueRequest.SerializeToString,
                                  response_deserializer=sts_pb2.CancelResponse.FromString)
        return rpc(request or sts_pb2.IssueRequest(applies_to="ten widgets"), timeout=10)

    def refused(self, channel, method=SAY, request=None, metadata=None):
        rpc = channel.unary_unary(method, request_serializer=sts_pb2.IssueRequest.SerializeToString,
                                  response_deserializer=sts_pb2.CancelResponse.FromString)
        with self.assertRaises(grpc.RpcError) as caught:
            rpc(request or sts_pb2.IssueRequest(applies_to="x"), timeout=10, metadata=metadata)
        return caught.exception, StsError.from_rpc_error(caught.exception)

    def test_a_protected_call_reaches_its_handler_with_the_caller(self):
        for _ in range(3):
            reply = self.call(self.channel)
            self.assertEqual(reply.context, "spiffe://test.example/client ten widgets")
        self.assertEqual((self.handled, self.verifier.stats().validations), (3, 1))
        self.assertIsNone(current_caller())  # only inside a handler

    def test_an_unprotected_call_is_refused_before_the_handler(self):
        rpc_error, error = self.refused(self.plain)
        self.assertEqual(rpc_error.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(error.fault, "wst:FailedAuthentication")
        self.assertIn("sts-context", error.reason)
        self.assertEqual(self.handled, 0)

    def test_a_tampered_call_is_refused_before_the_handler(self):
        signed = self.context.sign(
            sts_pb2.IssueRequest(applies_to="one widget").SerializeToString(deterministic=True),
            SAY)
        _, error = self.refused(self.plain, request=sts_pb2.IssueRequest(applies_to="ten widgets"),
                                metadata=call_metadata(signed))
        self.assertEqual((error.code(), error.fault),
                         (grpc.StatusCode.UNAUTHENTICATED, "wst:FailedAuthentication"))
        # Nor does a signature for one method open another.
        signed = self.context.sign(sts_pb2.IssueRequest(applies_to="x").SerializeToString(
            deterministic=True), "/test.v1.Echo/Other")
        _, error = self.refused(self.plain, metadata=call_metadata(signed))
        self.assertEqual(error.fault, "wst:FailedAuthentication")
        self.assertEqual(self.handled, 0)

    def test_a_replayed_call_is_refused(self):
        request = sts_pb2.IssueRequest(applies_to="x")
        signed = self.context.sign(request.SerializeToString(deterministic=True), SAY)
        rpc = self.plain.unary_unary(SAY, request_serializer=sts_pb2.IssueRequest.SerializeToString,
                                     response_deserializer=sts_pb2.CancelResponse.FromString)
        rpc(request, timeout=10, metadata=call_metadata(signed))
        _, error = self.refused(self.plain, request=request, metadata=call_metadata(signed))
        self.assertIn("replayed", error.reason)
        self.assertEqual(self.handled, 1)

    def test_malformed_protection_metadata(self):
        signed = self.context.sign(b"", SAY)
        for key, value in (("sts-seq", "12a"), ("sts-created", "+5"), ("sts-seq", " 1")):
            metadata = [(k, value if k == key else v) for k, v in call_metadata(signed)]
            with self.subTest(key=key, value=value):
                _, error = self.refused(self.plain, metadata=metadata)
                self.assertEqual((error.code(), error.fault),
                                 (grpc.StatusCode.UNAUTHENTICATED, "wst:InvalidRequest"))
        metadata = call_metadata(signed) + [("sts-instance", "2")]
        self.assertEqual(self.refused(self.plain, metadata=metadata)[1].fault, "wst:InvalidRequest")
        missing = [(k, v) for k, v in call_metadata(signed) if k != "sts-mac-bin"]
        self.assertEqual(self.refused(self.plain, metadata=missing)[1].fault, "wst:InvalidRequest")
        self.assertEqual(self.handled, 0)

    def test_calls_are_bound_to_their_receiver(self):
        request = sts_pb2.IssueRequest(applies_to="x")
        signed = self.context.sign(request.SerializeToString(deterministic=True), SAY)
        self.assertIn(("sts-receiver", signed.receiver), call_metadata(signed))
        self.assertTrue(signed.receiver)
        redirected = [(k, "spiffe://test.example/billing" if k == "sts-receiver" else v)
                      for k, v in call_metadata(signed)]
        self.assertEqual(self.refused(self.plain, request=request, metadata=redirected)[1].fault,
                         "wst:FailedAuthentication")
        unaddressed = [(k, v) for k, v in call_metadata(signed) if k != "sts-receiver"]
        self.assertEqual(self.refused(self.plain, request=request, metadata=unaddressed)[1].fault,
                         "wst:InvalidRequest")
        self.assertEqual(self.handled, 0)

    def test_a_cancelled_context_sends_nothing(self):
        self.context.cancel()
        calls = self.counter.calls
        _, error = self.refused(self.channel)
        self.assertEqual((error.code(), error.fault),
                         (grpc.StatusCode.FAILED_PRECONDITION, "wst:InvalidSecurityToken"))
        self.assertEqual(self.counter.calls, calls)
        # As a future, the refusal is already done.
        rpc = self.channel.unary_unary(SAY, request_serializer=sts_pb2.IssueRequest.SerializeToString)
        future = rpc.future(sts_pb2.IssueRequest())
        self.assertIsInstance(future, LocalRefusal)
        self.assertTrue(future.done())
        self.assertEqual(future.code(), grpc.StatusCode.FAILED_PRECONDITION)

    def test_streaming_methods_are_refused_and_listed_ones_pass(self):
        rpc = self.plain.unary_stream(WATCH, request_serializer=sts_pb2.IssueRequest.SerializeToString)
        with self.assertRaises(grpc.RpcError) as caught:
            list(rpc(sts_pb2.IssueRequest(), timeout=10))
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(StsError.from_rpc_error(caught.exception).fault,
                         "wst:FailedAuthentication")
        self.assertEqual(self.call(self.plain, PING).context, "None")
        self.assertEqual(self.handled, 1)

    def test_an_unreachable_sts_is_unavailable_not_unauthenticated(self):
        self.sts.fail_validate = StsError.refuse(Refusal.UNAVAILABLE, "STS down")
        rpc_error, error = self.refused(self.channel)
        self.assertEqual(rpc_error.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(error.fault, "wst:RequestFailed")

    def test_metadata_round_trip(self):
        signed = self.context.sign(b"payload", SAY)
        rebuilt = message_from_metadata(call_metadata(signed))
        rebuilt.payload = b"payload"
        self.assertEqual(rebuilt, signed)
        with self.assertRaises(StsError) as caught:
            message_from_metadata([])
        self.assertEqual(caught.exception.fault, "wst:FailedAuthentication")


if __name__ == "__main__":
    unittest.main()
