"""Refusals: StsError, and the one table that gives each kind of refusal its
gRPC status code and its WS-Trust / WS-SecureConversation fault.

The table is the C++ library's (client/wire/fault.cc) and README.md's
"Errors" table, row for row, so a Python service refuses exactly as a C++ one
and reads the STS's refusals the same way.

On the wire a refusal is a gRPC status whose message starts with the fault
name, carrying a sts.v1.Fault packed in a google.rpc.Status in the trailer
`grpc-status-details-bin`. StsError.from_rpc_error reads it;
StsError.trailing_metadata writes it.

Reasons never contain key material: they are fixed phrases plus non-secret
values (sizes, URIs, identifiers).
"""

import enum

import grpc

from .proto import fault_pb2, rpc_status_pb2

WST_NAMESPACE = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WSC_NAMESPACE = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512"
FAULT_TYPE_URL = "type.googleapis.com/sts.v1.Fault"
STATUS_DETAILS_KEY = "grpc-status-details-bin"


class Refusal(enum.Enum):
    """Every kind of refusal; _TABLE gives each its row."""

    MALFORMED_REQUEST = enum.auto()
    UNAUTHENTICATED = enum.auto()
    BAD_PROOF = enum.auto()
    STALE_PROOF = enum.auto()
    UNKNOWN_KEY_INSTANCE = enum.auto()
    NOT_PERMITTED = enum.auto()
    UNKNOWN_CONTEXT = enum.auto()
    CANCELLED_CONTEXT = enum.auto()
    EXPIRED_CONTEXT = enum.auto()
    RENEW_NEEDED = enum.auto()
    QUOTA_EXCEEDED = enum.auto()
    UNAVAILABLE = enum.auto()
    UNSUPPORTED = enum.auto()
    INTERNAL = enum.auto()

    @property
    def code(self):
        """The grpc.StatusCode."""
        return _TABLE[self][0]

    @property
    def fault(self):
        """The fault QName, e.g. "wst:InvalidRequest"."""
        return _TABLE[self][1]

    @property
    def namespace(self):
        """The namespace URI of the fault's prefix."""
        return _TABLE[self][2]


_S = grpc.StatusCode

# THE table (client/wire/fault.cc; README.md "Errors").
_TABLE = {
    Refusal.MALFORMED_REQUEST: (_S.INVALID_ARGUMENT, "wst:InvalidRequest", WST_NAMESPACE),
    Refusal.UNAUTHENTICATED: (_S.UNAUTHENTICATED, "wst:FailedAuthentication", WST_NAMESPACE),
    Refusal.BAD_PROOF: (_S.UNAUTHENTICATED, "wst:FailedAuthentication", WST_NAMESPACE),
    Refusal.STALE_PROOF: (_S.UNAUTHENTICATED, "wst:ExpiredData", WST_NAMESPACE),
    Refusal.UNKNOWN_KEY_INSTANCE: (_S.UNAUTHENTICATED, "wsc:UnknownDerivationSource",
                                   WSC_NAMESPACE),
    Refusal.NOT_PERMITTED: (_S.PERMISSION_DENIED, "wst:RequestFailed", WST_NAMESPACE),
    Refusal.UNKNOWN_CONTEXT: (_S.NOT_FOUND, "wsc:BadContextToken", WSC_NAMESPACE),
    Refusal.CANCELLED_CONTEXT: (_S.FAILED_PRECONDITION, "wst:InvalidSecurityToken",
                                WST_NAMESPACE),
    Refusal.EXPIRED_CONTEXT: (_S.FAILED_PRECONDITION, "wst:ExpiredData", WST_NAMESPACE),
    Refusal.RENEW_NEEDED: (_S.FAILED_PRECONDITION, "wsc:RenewNeeded", WSC_NAMESPACE),
    Refusal.QUOTA_EXCEEDED: (_S.RESOURCE_EXHAUSTED, "wst:RequestFailed", WST_NAMESPACE),
    Refusal.UNAVAILABLE: (_S.UNAVAILABLE, "wst:RequestFailed", WST_NAMESPACE),
    Refusal.UNSUPPORTED: (_S.UNIMPLEMENTED, "wst:RequestFailed", WST_NAMESPACE),
    Refusal.INTERNAL: (_S.INTERNAL, "wst:RequestFailed", WST_NAMESPACE),
}


class StsError(Exception):
    """A refusal: by the STS, by a receiver of protected messages, or locally.

    Like grpc.RpcError, code() is the grpc.StatusCode and details() the
    message ("<fault>: <reason>"). `fault` is the fault QName
    ("wst:FailedAuthentication", "wsc:BadContextToken", ...) or "" when the
    error carried none (e.g. the STS could not be reached at all); `reason` is
    the human-readable part. Never contains key material.
    """

    def __init__(self, code, fault, reason, namespace=""):
        self._code = code
        self.fault = fault
        self.reason = reason
        self.namespace = namespace
        super().__init__(self.details())

    def code(self):
        return self._code

    def details(self):
        return f"{self.fault}: {self.reason}" if self.fault else self.reason

    def __repr__(self):
        return f"StsError({self._code.name}, {self.fault!r}, {self.reason!r})"

    @classmethod
    def refuse(cls, kind, reason):
        """The error for a refusal of `kind` (a Refusal), as the table says."""
        return cls(kind.code, kind.fault, reason, kind.namespace)

    @classmethod
    def from_rpc_error(cls, error):
        """The StsError a grpc.RpcError (or any grpc.Call that failed) stands for,
        with the sts.v1.Fault of its trailer when it has one."""
        code = error.code() if callable(getattr(error, "code", None)) else grpc.StatusCode.UNKNOWN
        details = error.details() if callable(getattr(error, "details", None)) else str(error)
        details = details or ""
        trailers = error.trailing_metadata() if callable(
            getattr(error, "trailing_metadata", None)) else None
        fault = fault_from_trailers(trailers)
        if fault is None:
            return cls(code, "", details)
        return cls(code, fault.name, fault.reason or details, fault.namespace_uri)

    def as_status_proto(self, code=None):
        """The google.rpc.Status (our wire-compatible copy) carrying this fault."""
        code = self._code if code is None else code
        status = rpc_status_pb2.Status(code=code.value[0], message=self.details())
        fault = fault_pb2.Fault(name=self.fault or Refusal.INTERNAL.fault,
                                namespace_uri=self.namespace or WST_NAMESPACE,
                                reason=self.reason)
        detail = status.details.add()
        detail.type_url = FAULT_TYPE_URL
        detail.value = fault.SerializeToString()
        return status

    def trailing_metadata(self, code=None):
        """The trailer a server sends with this refusal (a fault-less error goes
        out as wst:RequestFailed, so no refusal goes bare)."""
        return ((STATUS_DETAILS_KEY, self.as_status_proto(code).SerializeToString()),)


def fault_from_trailers(trailers):
    """The sts.v1.Fault in `grpc-status-details-bin` of `trailers` (a sequence of
    (key, value) pairs), or None."""
    for key, value in trailers or ():
        if key != STATUS_DETAILS_KEY:
            continue
        try:
            status = rpc_status_pb2.Status.FromString(value)
        except Exception:  # a malformed trailer carries no fault
            return None
        for detail in status.details:
            if detail.type_url == FAULT_TYPE_URL:
                try:
                    return fault_pb2.Fault.FromString(detail.value)
                except Exception:
                    return None
    return None


def refuse(kind, reason):
    """Shorthand for StsError.refuse."""
    return StsError.refuse(kind, reason)
