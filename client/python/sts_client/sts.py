"""The sts.v1 RPCs as Python calls: Issue, Renew, Cancel and Validate, with
proof of possession made for you, computed keys computed for you, and every
refusal raised as StsError with the STS's fault.

  channel = mutual_tls_channel("sts.internal:8443", ca_file=..., cert_file=..., key_file=...)
  sts = StsClient(channel)
  grant = sts.issue("spiffe://example.org/inventory")     # Grant: token, key, lifetime
  grant = sts.renew(grant.token, grant.key)                # same identifier, next instance
  status = sts.validate(token)                             # as the audience: keys included
  sts.cancel(grant.token, grant.key)

Keys come back as SecretBytes (never printable). Thread-safe; share one
StsClient per channel. SecurityContext and Verifier take any StsApi, so tests
can hand them an in-memory one.
"""

import abc
import dataclasses
import os
import typing

import grpc

from . import proof as proof_lib
from .clock import NANOS_PER_SECOND, SYSTEM_CLOCK
from .computed_key import compute_key
from .errors import Refusal, StsError
from .proto import sts_pb2, sts_pb2_grpc, token_pb2
from .secret import SecretBytes

WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
BINARY_SECRET_NONCE = WST + "/Nonce"
STATUS_VALID = WST + "/status/valid"
STATUS_INVALID = WST + "/status/invalid"
# ValidateResponse.keys_released_to: why Validate released keys to the caller.
KEYS_RELEASED_TO_UNSPECIFIED = sts_pb2.ValidateResponse.KEYS_RELEASED_TO_UNSPECIFIED
KEYS_RELEASED_TO_AUDIENCE = sts_pb2.ValidateResponse.KEYS_RELEASED_TO_AUDIENCE
KEYS_RELEASED_TO_OWNER = sts_pb2.ValidateResponse.KEYS_RELEASED_TO_OWNER


def _timestamp_ns(ts):
    return ts.seconds * NANOS_PER_SECOND + ts.nanos


@dataclasses.dataclass(frozen=True)
class Grant:
    """What Issue or Renew gave the requestor.

    token:        the sts.v1.SecurityContextToken (identifier, instance, cookie)
    key:          the context key of that instance (SecretBytes): the binary
                  secret, or the key computed from both parties' entropy
    created_ns, expires_ns: the lifetime on the STS's clock (created_ns None
                  when the STS sent none)
    principal:    whom the STS bound the context to (the caller)
    applies_to:   the audience granted
    key_size:     bits
    computed_key: the computed-key algorithm URI, "" for a binary secret
    """

    token: token_pb2.SecurityContextToken
    key: SecretBytes
    created_ns: typing.Optional[int]
    expires_ns: int
    principal: str
    applies_to: str
    key_size: int
    computed_key: str = ""

    @classmethod
    def from_response(cls, response, requestor_entropy=b""):
        """From a RequestSecurityTokenResponse (e.g. one stored by another process)
        and the entropy sent with its request (empty if none).
        wst:InvalidRequest when it carries no usable token or key."""
        token = response.requested_security_token
        if not token.identifier or not token.instance:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST,
                                  "the response carries no security context token")
        if not response.lifetime.HasField("expires"):
            raise StsError.refuse(Refusal.MALFORMED_REQUEST, "the response carries no lifetime")
        proof = response.requested_proof_token
        which = proof.WhichOneof("proof")
        if which == "binary_secret" and proof.binary_secret.value:
            key = SecretBytes(proof.binary_secret.value)
            algorithm = ""
        elif which == "computed_key" and requestor_entropy:
            algorithm = proof.computed_key
            key = compute_key(algorithm, requestor_entropy,
                              response.entropy.binary_secret.value, response.key_size // 8)
        else:
            raise StsError.refuse(
                Refusal.MALFORMED_REQUEST,
                "the response carries neither a key nor a computed-key algorithm matching "
                "the request")
        copy = token_pb2.SecurityContextToken()
        copy.CopyFrom(token)
        return cls(token=copy, key=key,
                   created_ns=(_timestamp_ns(response.lifetime.created)
                               if response.lifetime.HasField("created") else None),
                   expires_ns=_timestamp_ns(response.lifetime.expires),
                   principal=response.principal, applies_to=response.applies_to,
                   key_size=response.key_size, computed_key=algorithm)


@dataclasses.dataclass(frozen=True)
class ReleasedKey:
    """One key instance Validate released: current first, then any rolling over."""

    instance: str
    key: SecretBytes
    accept_until_ns: int


@dataclasses.dataclass(frozen=True)
class Validation:
    """Validate's answer. `valid` False: `reason` is "unknown", "expired",
    "superseded" or "cancelled" and nothing else is set. `keys` is empty unless
    the caller is the context's audience or owner (and policy releases keys);
    `keys_released_to` says which (KEYS_RELEASED_TO_AUDIENCE or
    KEYS_RELEASED_TO_OWNER; KEYS_RELEASED_TO_UNSPECIFIED without keys, or from
    an older STS)."""

    valid: bool
    code: str
    reason: str
    token: token_pb2.SecurityContextToken
    expires_ns: int
    principal: str
    applies_to: str
    key_size: int
    keys: typing.Tuple[ReleasedKey, ...] = ()
    keys_released_to: int = 0

    @classmethod
    def from_response(cls, response):
        keys = tuple(ReleasedKey(k.instance, SecretBytes(k.key), _timestamp_ns(k.accept_until))
                     for k in response.keys)
        token = token_pb2.SecurityContextToken()
        token.CopyFrom(response.token)
        return cls(valid=response.status.code == STATUS_VALID, code=response.status.code,
                   reason=response.status.reason, token=token,
                   expires_ns=_timestamp_ns(response.lifetime.expires),
                   principal=response.principal, applies_to=response.applies_to,
                   key_size=response.key_size, keys=keys,
                   keys_released_to=response.keys_released_to)


class StsApi(abc.ABC):
    """The STS operations SecurityContext (issue, renew, cancel) and Verifier
    (validate) use. Implementations are thread-safe and raise StsError."""

    @abc.abstractmethod
    def issue(self, applies_to="", *, lifetime=None, key_size=0, entropy=False,
              computed_key_algorithm="", context=""):
        """A new context: a Grant."""

    @abc.abstractmethod
    def renew(self, token, key, *, lifetime=None, key_size=0, entropy=False,
              computed_key_algorithm=""):
        """Renews `token`, proving possession of `key` (the key of token.instance):
        a Grant for the new instance."""

    @abc.abstractmethod
    def cancel(self, token, key):
        """Cancels `token`, proving possession of `key`."""

    @abc.abstractmethod
    def validate(self, token):
        """A Validation of `token` (identifier, and cookie for stateless tokens)."""


def _duration(target, seconds):
    whole = int(seconds)
    target.seconds = whole
    target.nanos = int(round((seconds - whole) * NANOS_PER_SECOND))


def new_entropy(key_bits):
    """Requestor entropy for a computed key: as many bytes as the key, at least 32."""
    return os.urandom(max(key_bits // 8, 32))


class StsClient(StsApi):
    """The real thing: calls the STS over `channel` (mutual TLS: see
    mutual_tls_channel). `clock` times the proofs; `timeout` (seconds) bounds
    every call. Thread-safe.

    Errors: StsError with the STS's fault (e.g. wst:FailedAuthentication for a
    wrong or replayed proof, wst:ExpiredData for a stale one,
    wsc:BadContextToken for an unknown context, wst:InvalidRequest for a bad
    field); code UNAVAILABLE and fault "" when the STS cannot be reached.
    """

    def __init__(self, channel, *, clock=SYSTEM_CLOCK, timeout=10.0):
        self._stub = sts_pb2_grpc.SecurityTokenServiceStub(channel)
        self._clock = clock
        self._timeout = timeout

    def _call(self, rpc, request):
        try:
            return rpc(request, timeout=self._timeout)
        except grpc.RpcError as error:
            raise StsError.from_rpc_error(error) from None

    def issue(self, applies_to="", *, lifetime=None, key_size=0, entropy=False,
              computed_key_algorithm="", context=""):
        """Issue. `lifetime` in seconds (None: the STS's default); `key_size` in
        bits (0: 256); `entropy` True: send our entropy, so the key is computed
        on both sides and never travels (CK/PSHA1 unless
        `computed_key_algorithm` names urn:sts:v1:ck:hkdf-sha256)."""
        request = sts_pb2.IssueRequest(applies_to=applies_to, key_size=key_size,
                                       context=context)
        if lifetime is not None:
            _duration(request.lifetime, lifetime)
        requestor = self._add_entropy(request, entropy, key_size or 256, computed_key_algorithm)
        return Grant.from_response(self._call(self._stub.Issue, request), requestor)

    def renew(self, token, key, *, lifetime=None, key_size=0, entropy=False,
              computed_key_algorithm=""):
        """Renew `token` (its identifier, cookie, and the instance `key` is the
        key of), proving possession of `key`. Options as for issue();
        `key_size` 0 keeps the current size."""
        request = sts_pb2.RenewRequest(key_size=key_size)
        request.renew_target.CopyFrom(token)
        if lifetime is not None:
            _duration(request.lifetime, lifetime)
        requestor = self._add_entropy(request, entropy, key_size or len(key) * 8,
                                      computed_key_algorithm)
        proof_lib.attach_proof(request, proof_lib.RENEW_METHOD, token.identifier,
                               token.instance, key, self._clock.now_ns())
        return Grant.from_response(self._call(self._stub.Renew, request), requestor)

    def cancel(self, token, key):
        """Cancel `token`, proving possession of `key`. Cancelling twice is
        harmless for the owner."""
        request = sts_pb2.CancelRequest()
        request.cancel_target.CopyFrom(token)
        proof_lib.attach_proof(request, proof_lib.CANCEL_METHOD, token.identifier,
                               token.instance, key, self._clock.now_ns())
        response = self._call(self._stub.Cancel, request)
        if not response.requested_token_cancelled:
            raise StsError.refuse(Refusal.INTERNAL, "the STS did not confirm the cancellation")

    def validate(self, token):
        """Validate `token` (identifier; cookie for stateless tokens). Keys are
        released only when this client is the audience or the owner."""
        request = sts_pb2.ValidateRequest()
        request.validate_target.CopyFrom(token)
        return Validation.from_response(self._call(self._stub.Validate, request))

    @staticmethod
    def _add_entropy(request, entropy, key_bits, algorithm):
        if not entropy:
            return b""
        value = new_entropy(key_bits)
        request.entropy.binary_secret.value = value
        request.entropy.binary_secret.type = BINARY_SECRET_NONCE
        request.computed_key_algorithm = algorithm
        return value


def mutual_tls_channel(address, *, ca_file, cert_file, key_file, server_name=None, options=()):
    """A mutual-TLS grpc.Channel to the STS at `address` ("host:port"),
    trusting the CAs in `ca_file` and proving who we are with `cert_file`
    (PEM chain) and `key_file` (PEM key). `server_name` overrides the name
    checked in the STS's certificate. Channels are expensive to set up and
    cheap to share: make one per process. Close it when done (an open idle
    channel delays an STS shutdown by up to 5 s)."""
    def read(path):
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as error:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST,
                                  f"cannot read {path}: {error.strerror}") from None
    credentials = grpc.ssl_channel_credentials(root_certificates=read(ca_file),
                                               private_key=read(key_file),
                                               certificate_chain=read(cert_file))
    options = list(options)
    if server_name:
        options.append(("grpc.ssl_target_name_override", server_name))
    return grpc.secure_channel(address, credentials, options=options)
