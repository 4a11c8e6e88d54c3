"""Protected gRPC calls (docs/PROTECTED_MESSAGE.md section 6), as grpcio
interceptors wire-compatible with the C++ CreateProtectedChannel and
ProtectService.

Each unary call is the payload of a signed ProtectedMessage whose header
travels in the request metadata:

  payload          the request, serialized deterministically
  associated data  the full method path, e.g. "/example.v1.Inventory/Reserve"
  header           SIGN, CLIENT_TO_SERVER, HKDF-SHA256 (length 32), no AEAD nonce
  metadata         sts-context     wsc:Identifier
                   sts-instance    wsc:Instance
                   sts-cookie-bin  a stateless context's cookie (only if any)
                   sts-seq         sequence number, decimal
                   sts-created     created_unix_nanos, decimal
                   sts-mac-bin     the 32-byte HMAC-SHA256 tag
                   sts-receiver    the principal the call is for (if any)

Client:  channel = protected_channel(grpc.secure_channel(...), context)
         (or grpc.intercept_channel(channel, ProtectingClientInterceptor(context)))
  - When the context cannot protect a call (cancelled; expired and not
    renewable), the call fails locally with that refusal (e.g.
    FAILED_PRECONDITION, wst:InvalidSecurityToken) and nothing is sent.
  - Streaming calls are sent unprotected (servers refuse them).

Server:  grpc.server(executor, interceptors=[VerifyingServerInterceptor(verifier)])
  - Every unary call is verified with the Verifier before its handler runs; a
    refused call is answered UNAUTHENTICATED (UNAVAILABLE, RESOURCE_EXHAUSTED
    or INTERNAL when the STS cannot be asked) with the fault in the status
    details, and the handler never runs.
  - Streaming methods are refused the same way, unless listed in
    `unprotected_methods` (e.g. health checks), which pass unchecked.
  - Inside a handler, current_caller() is the verified ContextInfo.

Synchronous grpcio only (not grpc.aio). Thread-safe.
"""

import collections
import contextvars
import re

import grpc

from .derivation import HKDF_SHA256, Direction
from .errors import Refusal, StsError
from .message import SIGN, ProtectedMessage

CONTEXT_HEADER = "sts-context"
INSTANCE_HEADER = "sts-instance"
COOKIE_HEADER = "sts-cookie-bin"
SEQUENCE_HEADER = "sts-seq"
CREATED_HEADER = "sts-created"
MAC_HEADER = "sts-mac-bin"
RECEIVER_HEADER = "sts-receiver"

_DECIMAL = re.compile(r"^[0-9]{1,20}$")
_SIGNED_DECIMAL = re.compile(r"^-?[0-9]{1,19}$")

_current_caller = contextvars.ContextVar("sts_client_current_caller", default=None)


def current_caller():
    """Inside a handler behind VerifyingServerInterceptor: the ContextInfo the
    call was verified under (identifier, the client's principal, applies_to).
    None anywhere else."""
    return _current_caller.get()


def _method_name(method):
    return method.decode("ascii") if isinstance(method, bytes) else method


def call_metadata(message):
    """The metadata for a signed call message, as (key, value) pairs."""
    metadata = [(CONTEXT_HEADER, message.token.identifier),
                (INSTANCE_HEADER, message.token.instance)]
    if message.token.cookie:
        metadata.append((COOKIE_HEADER, bytes(message.token.cookie)))
    metadata += [(SEQUENCE_HEADER, str(message.sequence)),
                 (CREATED_HEADER, str(message.created_unix_nanos)),
                 (MAC_HEADER, bytes(message.tag))]
    if message.receiver:
        metadata.append((RECEIVER_HEADER, message.receiver))
    return metadata


def message_from_metadata(metadata):
    """The signed message a call stands for, rebuilt from its metadata (pairs
    or grpc metadatum objects); the payload is left for the caller.
    wst:FailedAuthentication when the call carries no protection at all,
    wst:InvalidRequest when the headers are malformed."""
    values = collections.defaultdict(list)
    for item in metadata or ():
        key, value = (item.key, item.value) if hasattr(item, "key") else item
        values[key].append(value)

    def one(name):
        found = values.get(name, [])
        if len(found) > 1:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST, f"repeated {name} metadata")
        return found[0] if found else None

    identifier = one(CONTEXT_HEADER)
    if identifier is None:
        raise StsError.refuse(Refusal.UNAUTHENTICATED,
                              "the call carries no sts-context metadata: it was not made "
                              "through a protected channel")
    fields = {}
    for name in (INSTANCE_HEADER, SEQUENCE_HEADER, CREATED_HEADER, MAC_HEADER):
        value = one(name)
        if value is None:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST, f"missing {name} metadata")
        fields[name] = value
    cookie = one(COOKIE_HEADER) or b""
    receiver = one(RECEIVER_HEADER) or ""
    sequence, created = fields[SEQUENCE_HEADER], fields[CREATED_HEADER]
    if not _DECIMAL.match(sequence) or int(sequence) >= 1 << 64:
        raise StsError.refuse(Refusal.MALFORMED_REQUEST, "sts-seq is not a decimal number")
    if not _SIGNED_DECIMAL.match(created) or not -(1 << 63) <= int(created) < 1 << 63:
        raise StsError.refuse(Refusal.MALFORMED_REQUEST,
                              "sts-created must be nanoseconds since the Unix epoch, in decimal")
    message = ProtectedMessage()
    message.token.identifier = identifier
    message.token.instance = fields[INSTANCE_HEADER]
    message.token.cookie = bytes(cookie)
    message.derivation.algorithm = HKDF_SHA256
    message.derivation.length = 32
    message.protection = SIGN
    message.direction = int(Direction.CLIENT_TO_SERVER)
    message.sequence = int(sequence)
    message.created_unix_nanos = int(created)
    message.tag = bytes(fields[MAC_HEADER])
    message.receiver = receiver
    return message


def refusal_status_code(error):
    """The code a server answers a refused call with: UNAUTHENTICATED whatever
    the reason (the fault says which), except for conditions a client should
    retry (UNAVAILABLE, RESOURCE_EXHAUSTED) and INTERNAL."""
    if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED,
                        grpc.StatusCode.INTERNAL):
        return error.code()
    return grpc.StatusCode.UNAUTHENTICATED


class _Status(grpc.Status):
    def __init__(self, code, details, trailing_metadata):
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


def _abort(context, error):
    code = refusal_status_code(error)
    context.abort_with_status(_Status(code, error.details(), error.trailing_metadata(code)))


class LocalRefusal(StsError, grpc.RpcError, grpc.Call, grpc.Future):
    """A protected call the client refused to send (its context cannot protect
    it). Raised from the stub call like any grpc.RpcError, and an StsError
    too; as a Future, it is already done."""

    def __init__(self, error):
        StsError.__init__(self, error.code(), error.fault, error.reason, error.namespace)

    # grpc.Call / grpc.RpcError
    def initial_metadata(self):
        return ()

    def trailing_metadata(self, code=None):
        return StsError.trailing_metadata(self, code)

    def is_active(self):
        return False

    def time_remaining(self):
        return None

    def add_callback(self, callback):
        return False

    # grpc.Future
    def cancel(self):
        return False

    def cancelled(self):
        return False

    def running(self):
        return False

    def done(self):
        return True

    def result(self, timeout=None):
        raise self

    def exception(self, timeout=None):
        return self

    def traceback(self, timeout=None):
        return None

    def add_done_callback(self, fn):
        fn(self)


class _CallDetails(collections.namedtuple(
        "_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready",
                         "compression")), grpc.ClientCallDetails):
    pass


class ProtectingClientInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Signs every unary call under `context` (a SecurityContext)."""

    def __init__(self, context):
        self._context = context

    def intercept_unary_unary(self, continuation, client_call_details, request):
        method = _method_name(client_call_details.method)
        try:
            message = self._context.sign(request.SerializeToString(deterministic=True), method)
        except StsError as error:
            return LocalRefusal(error)
        metadata = list(client_call_details.metadata or ()) + call_metadata(message)
        details = _CallDetails(client_call_details.method, client_call_details.timeout, metadata,
                               client_call_details.credentials,
                               getattr(client_call_details, "wait_for_ready", None),
                               getattr(client_call_details, "compression", None))
        return continuation(details, request)


def protected_channel(channel, context):
    """`channel` with every unary call protected under `context`. Message
    protection is independent of the transport's: any credentials work."""
    return grpc.intercept_channel(channel, ProtectingClientInterceptor(context))


class VerifyingServerInterceptor(grpc.ServerInterceptor):
    """Verifies every call with `verifier` (a Verifier) before its handler runs."""

    def __init__(self, verifier, *, unprotected_methods=()):
        self._verifier = verifier
        self._unprotected = frozenset(unprotected_methods)

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = _method_name(handler_call_details.method)
        if handler is None or method in self._unprotected:
            return handler
        if handler.request_streaming or handler.response_streaming:
            return _refusing_handler(handler)
        return grpc.unary_unary_rpc_method_handler(
            self._checked(handler.unary_unary, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)

    def _checked(self, behaviour, method):
        verifier = self._verifier

        def checked(request, context):
            try:
                message = message_from_metadata(context.invocation_metadata())
                message.payload = request.SerializeToString(deterministic=True)
                caller = verifier.verify(message, method)
            except StsError as error:
                _abort(context, error)  # raises: the handler never runs
            token = _current_caller.set(caller)
            try:
                return behaviour(request, context)
            finally:
                _current_caller.reset(token)

        return checked


def _refusing_handler(handler):
    error = StsError.refuse(Refusal.UNAUTHENTICATED,
                            "streaming calls cannot be protected; only unary calls are")

    def refuse(request_or_iterator, context):
        _abort(context, error)

    make = {(False, True): grpc.unary_stream_rpc_method_handler,
            (True, False): grpc.stream_unary_rpc_method_handler,
            (True, True): grpc.stream_stream_rpc_method_handler}[
                (handler.request_streaming, handler.response_streaming)]
    return make(refuse, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
