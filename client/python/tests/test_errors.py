"""The refusal table (the same rows as client/wire/fault.cc and README.md
"Errors"), and faults on the wire: written the way the STS writes them, read
back from a grpc.RpcError."""

import pickle
import unittest

import grpc

from sts_client import Refusal, SecretBytes, StsError
from sts_client.errors import STATUS_DETAILS_KEY, fault_from_trailers
from sts_client.proto import fault_pb2, rpc_status_pb2

S = grpc.StatusCode
WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WSC = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512"

README_TABLE = {
    Refusal.MALFORMED_REQUEST: (S.INVALID_ARGUMENT, "wst:InvalidRequest", WST),
    Refusal.UNAUTHENTICATED: (S.UNAUTHENTICATED, "wst:FailedAuthentication", WST),
    Refusal.BAD_PROOF: (S.UNAUTHENTICATED, "wst:FailedAuthentication", WST),
    Refusal.STALE_PROOF: (S.UNAUTHENTICATED, "wst:ExpiredData", WST),
    Refusal.UNKNOWN_KEY_INSTANCE: (S.UNAUTHENTICATED, "wsc:UnknownDerivationSource", WSC),
    Refusal.NOT_PERMITTED: (S.PERMISSION_DENIED, "wst:RequestFailed", WST),
    Refusal.UNKNOWN_CONTEXT: (S.NOT_FOUND, "wsc:BadContextToken", WSC),
    Refusal.CANCELLED_CONTEXT: (S.FAILED_PRECONDITION, "wst:InvalidSecurityToken", WST),
    Refusal.EXPIRED_CONTEXT: (S.FAILED_PRECONDITION, "wst:ExpiredData", WST),
    Refusal.RENEW_NEEDED: (S.FAILED_PRECONDITION, "wsc:RenewNeeded", WSC),
    Refusal.QUOTA_EXCEEDED: (S.RESOURCE_EXHAUSTED, "wst:RequestFailed", WST),
    Refusal.UNAVAILABLE: (S.UNAVAILABLE, "wst:RequestFailed", WST),
    Refusal.UNSUPPORTED: (S.UNIMPLEMENTED, "wst:RequestFailed", WST),
    Refusal.INTERNAL: (S.INTERNAL, "wst:RequestFailed", WST),
}


class FakeRpcError(grpc.RpcError):
    def __init__(self, code, details, trailers):
        self._code, self._details, self._trailers = code, details, trailers

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return self._trailers


class ErrorsTest(unittest.TestCase):
    def test_the_table(self):
        self.assertEqual(set(Refusal), set(README_TABLE))
        for kind, (code, fault, namespace) in README_TABLE.items():
            with self.subTest(kind):
                e = StsError.refuse(kind, "because")
                self.assertEqual((e.code(), e.fault, e.namespace), (code, fault, namespace))
                self.assertEqual(str(e), f"{fault}: because")
                self.assertEqual(e.details(), f"{fault}: because")

    def test_a_refusal_survives_the_wire(self):
        e = StsError.refuse(Refusal.UNKNOWN_CONTEXT, "no such context")
        wire = FakeRpcError(e.code(), e.details(), e.trailing_metadata())
        back = StsError.from_rpc_error(wire)
        self.assertEqual((back.code(), back.fault, back.reason, back.namespace),
                         (S.NOT_FOUND, "wsc:BadContextToken", "no such context", WSC))

    def test_the_envelope_is_google_rpc_status(self):
        # What the C++ wire::ToGrpcStatus sends: code, message, one Any with
        # type.googleapis.com/sts.v1.Fault.
        e = StsError.refuse(Refusal.STALE_PROOF, "old")
        (key, value), = e.trailing_metadata()
        self.assertEqual(key, STATUS_DETAILS_KEY)
        status = rpc_status_pb2.Status.FromString(value)
        self.assertEqual((status.code, status.message), (16, "wst:ExpiredData: old"))
        self.assertEqual(status.details[0].type_url, "type.googleapis.com/sts.v1.Fault")
        self.assertEqual(fault_pb2.Fault.FromString(status.details[0].value).name,
                         "wst:ExpiredData")
        # A server answering UNAUTHENTICATED for a refusal of another code.
        self.assertEqual(rpc_status_pb2.Status.FromString(
            StsError.refuse(Refusal.UNKNOWN_CONTEXT, "x").trailing_metadata(
                S.UNAUTHENTICATED)[0][1]).code, 16)

    def test_errors_without_a_fault(self):
        back = StsError.from_rpc_error(FakeRpcError(S.UNAVAILABLE, "connection refused", ()))
        self.assertEqual((back.code(), back.fault, back.details()),
                         (S.UNAVAILABLE, "", "connection refused"))
        self.assertIsNone(fault_from_trailers([(STATUS_DETAILS_KEY, b"\xff\xff")]))
        self.assertIsNone(fault_from_trailers([("other", b"")]))
        # Sent bare, a fault-less error still goes out with a fault.
        (_, value), = back.trailing_metadata()
        self.assertEqual(fault_pb2.Fault.FromString(
            rpc_status_pb2.Status.FromString(value).details[0].value).name, "wst:RequestFailed")


class SecretBytesTest(unittest.TestCase):
    def test_never_printed(self):
        s = SecretBytes(b"super secret key material!")
        for text in (repr(s), str(s), f"{s}", f"{s!r}", "%s" % (s,), repr([s])):
            self.assertNotIn("secret", text)
            self.assertIn("26 bytes", text)

    def test_not_pickled_or_hashed(self):
        s = SecretBytes(b"k")
        with self.assertRaises(TypeError):
            pickle.dumps(s)
        with self.assertRaises(TypeError):
            hash(s)

    def test_equality_and_wipe(self):
        s = SecretBytes(b"key")
        self.assertEqual(s, b"key")
        self.assertEqual(s, SecretBytes(b"key"))
        self.assertNotEqual(s, b"kez")
        buffer = s.buffer()
        s.wipe()
        self.assertEqual((len(s), bool(s), bytes(buffer)), (0, False, b""))


if __name__ == "__main__":
    unittest.main()
