"""The receiving side of message protection: every check a protected message
must pass before its payload is used (docs/PROTECTED_MESSAGE.md section 5).

Order of checks, first failure wins:
  1. shape (message.check_shape), the expected direction,     wst:InvalidRequest
     and no P_SHA1 derivation unless accept_psha1
  2. created within the timestamp window                      wst:ExpiredData
  3. the context and instance resolve to keys (KeyResolver)   wsc:BadContextToken,
                                                              wst:InvalidSecurityToken,
                                                              wsc:RenewNeeded,
                                                              wsc:UnknownDerivationSource
     and the message is for the receiver its context names    wst:FailedAuthentication
     (receiver_for: the audience, or the holder); one naming   (another),
     none is refused when the context has one, unless          wst:InvalidRequest (none)
     require_receiver is False
  4. the tag authenticates (constant time); if not, the       wst:FailedAuthentication
     resolver is asked once for fresher keys (a renewed or
     cancelled context) and the tag checked again if it has any
  5. (identifier, direction, sequence) is new                 wst:FailedAuthentication
and then the resolver hears that the message was accepted (authenticated).

Thread-safe.
"""

import dataclasses

from .clock import seconds_to_ns
from .errors import Refusal, StsError
from .derivation import is_psha1
from .message import SEAL, SIGN, check_shape, check_tag, direction_of, open_payload, receiver_for
from .replay import ReplayGuard


class KeyResolver:
    """Where a receiver finds the keys of the context a message names: the
    holder's SecurityContext, or a relying party's Verifier. Thread-safe."""

    def resolve(self, token, now_ns):
        """The InstanceKeys of token.instance of context token.identifier if
        acceptable at now_ns; else raises the refusal (see the list above)."""
        raise NotImplementedError

    def refresh(self, token, now_ns):
        """A message under the keys resolve() gave did not authenticate: look
        again (the STS may have cancelled or renewed the context) and return
        other InstanceKeys, None when there is nothing fresher, or raise a
        refusal. Rate-limiting is the resolver's job."""
        return None

    def authenticated(self, token, now_ns):
        """A message naming `token` was accepted (its tag verified under keys
        resolve or refresh gave, and it was no replay). A caching resolver
        may keep what was so confirmed safe from what unauthenticated
        messages make it learn (verifier.py)."""


@dataclasses.dataclass(frozen=True)
class ReceiverOptions:
    """timestamp_window: accepted distance (seconds) between a message's created
    time and the receiver's clock, either way. max_replay_windows: bound on the
    replay windows kept (one per context identifier). require_receiver: refuse
    messages that name no receiver when the context names one (off only for
    peers older than the field). accept_psha1: accept WS-SC DerivedKeyToken
    (P_SHA1) message keys, which are the same for both directions; off by
    default, on for WS-SC / SOAP interop only."""

    timestamp_window: float = 300.0
    max_replay_windows: int = 65536
    require_receiver: bool = True
    accept_psha1: bool = False


class Receiver:
    def __init__(self, resolver, clock, options=ReceiverOptions()):
        self._resolver = resolver
        self._clock = clock
        self._window = seconds_to_ns(options.timestamp_window)
        self._replay = ReplayGuard(self._window, options.max_replay_windows)
        self._options = options

    def verify(self, message, associated_data, expected):
        """Checks signed `message` sent in direction `expected`, bound to
        `associated_data`; returns the InstanceKeys that authenticated it."""
        if message.protection != SIGN:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST, "expected a signed message")
        return self._accept(message, associated_data, expected, False)[0]

    def open(self, message, associated_data, expected):
        """As verify, for a sealed message: (InstanceKeys, plaintext)."""
        if message.protection != SEAL:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST, "expected a sealed message")
        return self._accept(message, associated_data, expected, True)

    def _accept(self, message, associated_data, expected, sealed):
        # 1. Shape.
        check_shape(message)
        if direction_of(message) != expected:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST,
                                  "the message was sent in the other direction")
        if is_psha1(message.derivation.algorithm) and not self._options.accept_psha1:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST,
                                  "this receiver does not accept P_SHA1 derived keys (they are "
                                  "not separated by direction); it must opt in (accept_psha1) "
                                  "for WS-SC peers")
        # 2. Time, before any key is looked up: stale messages cost nothing.
        now = self._clock.now_ns()
        if abs(now - message.created_unix_nanos) > self._window:
            raise StsError.refuse(Refusal.STALE_PROOF,
                                  "the message timestamp is outside the accepted window")
        # 3. Keys.
        keys = self._resolver.resolve(message.token, now)
        self._check_receiver(keys, message, expected)
        # 4. The tag; one second chance with fresher keys.
        try:
            plaintext = self._authenticate(keys, message, associated_data, sealed)
        except StsError as first:
            if first.code() != Refusal.BAD_PROOF.code:
                raise
            fresher = self._resolver.refresh(message.token, now)
            if (fresher is None or fresher is keys
                    or fresher.has_context_key(keys.context_key)):
                raise
            keys = fresher
            plaintext = self._authenticate(keys, message, associated_data, sealed)
        # 5. Replay, only once the message is known to come from a key holder.
        self._replay.accept(message.token.identifier, expected, message.sequence, now)
        self._resolver.authenticated(message.token, now)
        return keys, plaintext

    def _check_receiver(self, keys, message, expected):
        ours = receiver_for(keys, expected)
        if message.receiver == ours:
            return
        if not message.receiver:
            if not self._options.require_receiver:
                return
            raise StsError.refuse(Refusal.MALFORMED_REQUEST,
                                  f"the message names no receiver; it must name {ours}")
        raise StsError.refuse(Refusal.BAD_PROOF,
                              f"the message is for {message.receiver}, not for "
                              f"{ours or 'a context without one'}")

    @staticmethod
    def _authenticate(keys, message, associated_data, sealed):
        if sealed:
            return open_payload(keys, message, associated_data)
        check_tag(keys, message, associated_data)
        return None
