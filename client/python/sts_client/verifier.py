"""Verifier: the relying party's side. It checks protected messages from
clients it has never seen by resolving their contexts with the STS (Validate,
as the context's audience), and protects its answers under the same contexts.
The Python twin of client/verifier/verifier.h, with the same rules.

Key cache (per context identifier):
  - filled by Validate; holds every instance the STS released with its
    accept_until (the current one until the context expires, superseded ones
    until their rollover window ends);
  - re-validated on the first use after `revalidate_after` (1 min), so a
    cancellation is honoured within that time even for a key that still
    verifies; and at once (at most once per `min_refresh_interval`, 1 s, per
    context) when a message names an instance the cache does not hold (the
    client renewed) or does not authenticate (the context may have been
    cancelled or re-keyed);
  - negative answers (unknown, cancelled, expired, no keys for us) are cached
    for `negative_ttl` (10 s), so a stream of bad messages costs the STS one
    Validate per context per ttl;
  - if the STS cannot be reached, keys already cached keep working until their
    accept_until and a new Validate is tried every `min_refresh_interval`;
    contexts never seen are refused (UNAVAILABLE, wst:RequestFailed);
  - at most `max_contexts` (10,000) entries, least recently used evicted first.
Concurrent misses for one context share one Validate call.

Contract: thread-safe. The StsApi must be authenticated as the audience the
contexts were issued for (applies_to); otherwise the STS releases no keys and
every message is refused (PERMISSION_DENIED, wst:RequestFailed). Other
refusals are the receiver's (receiver.py). No key byte is in any error.
"""

import collections
import dataclasses
import threading
import typing

import grpc

from .clock import SYSTEM_CLOCK, seconds_to_ns
from .derivation import Direction, DerivationOptions
from .errors import Refusal, StsError
from .instance_keys import ContextInfo, InstanceKeys
from .message import SEAL, SIGN, ProtectedMessage, fill_header, parse, seal_in_place, sign_in_place
from .proto import token_pb2
from .receiver import KeyResolver, Receiver, ReceiverOptions

_TRANSPORT_FAILURES = frozenset([
    grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.ABORTED, grpc.StatusCode.CANCELLED,
])


@dataclasses.dataclass(frozen=True)
class VerifierOptions:
    """Durations in seconds. expected_audience, when set, refuses contexts issued
    for another audience even if the STS released their keys to us (e.g.
    because we are also their owner)."""

    clock: typing.Any = SYSTEM_CLOCK
    max_contexts: int = 10_000
    revalidate_after: float = 60.0
    negative_ttl: float = 10.0
    min_refresh_interval: float = 1.0
    expected_audience: str = ""
    receiver: ReceiverOptions = ReceiverOptions()
    derivation: DerivationOptions = DerivationOptions()


@dataclasses.dataclass(frozen=True)
class VerifierStats:
    validations: int = 0    # Validate calls made
    hits: int = 0           # messages resolved from the cache
    negative_hits: int = 0  # messages refused from the negative cache
    evictions: int = 0
    contexts: int = 0       # entries now


class Opened(typing.NamedTuple):
    """What Verifier.open returns."""

    caller: ContextInfo
    plaintext: bytes


_PAST = -(1 << 62)


class _Entry:
    __slots__ = ("keys", "fetched_at", "last_forced_refresh", "refusal", "refusal_until",
                 "loading", "next_answer_sequence")

    def __init__(self, next_answer_sequence):
        self.keys = []  # [(InstanceKeys, accept_until ns)], the current instance first
        self.fetched_at = _PAST
        self.last_forced_refresh = _PAST
        self.refusal = None  # StsError: a negative entry
        self.refusal_until = _PAST
        self.loading = False
        self.next_answer_sequence = next_answer_sequence


class _Cache(KeyResolver):
    def __init__(self, sts, options):
        self._sts = sts
        self._max = options.max_contexts
        self._revalidate_after = seconds_to_ns(options.revalidate_after)
        self._negative_ttl = seconds_to_ns(options.negative_ttl)
        self._min_refresh = seconds_to_ns(options.min_refresh_interval)
        self._expected_audience = options.expected_audience
        self._lock = threading.Lock()
        self._loaded = threading.Condition(self._lock)
        self._entries = collections.OrderedDict()  # identifier -> _Entry, most recent last
        self._stats = {"validations": 0, "hits": 0, "negative_hits": 0, "evictions": 0}

    def resolve(self, token, now_ns):
        with self._lock:
            fetched = False
            while True:
                entry = self._entries.get(token.identifier)
                if entry is not None and entry.loading:
                    self._loaded.wait()
                    continue
                if entry is not None:
                    self._entries.move_to_end(token.identifier)
                    fresh = (now_ns < entry.refusal_until if entry.refusal is not None
                             else now_ns - entry.fetched_at < self._revalidate_after)
                    if fresh or fetched:
                        try:
                            keys = self._lookup(entry, token.instance, now_ns)
                            if not fetched:
                                self._stats["hits"] += 1
                            return keys
                        except StsError:
                            if entry.refusal is not None:
                                if not fetched:
                                    self._stats["negative_hits"] += 1
                                raise
                            # An instance we do not hold: the client may have
                            # renewed since we looked. Ask again, at most once
                            # per interval.
                            if fetched or not self._refresh_allowed(entry, now_ns):
                                raise
                            entry.last_forced_refresh = now_ns
                self._fetch(token, now_ns)
                fetched = True

    def refresh(self, token, now_ns):
        with self._lock:
            entry = self._entries.get(token.identifier)
            while entry is not None and entry.loading:
                self._loaded.wait()
                entry = self._entries.get(token.identifier)
            if entry is None or not self._refresh_allowed(entry, now_ns):
                return None
            entry.last_forced_refresh = now_ns
            self._fetch(token, now_ns)
            entry = self._entries.get(token.identifier)
            if entry is None:
                return None
            return self._lookup(entry, token.instance, now_ns)

    def for_answer(self, token, now_ns):
        """(InstanceKeys to answer under, the next answer sequence number)."""
        with self._lock:
            entry = self._entries.get(token.identifier)
            if entry is None:
                raise StsError.refuse(Refusal.UNKNOWN_CONTEXT,
                                      "no verified message under this context")
            keys = self._lookup(entry, token.instance, now_ns)
            sequence = entry.next_answer_sequence
            entry.next_answer_sequence += 1
            return keys, sequence

    def forget(self, identifier):
        with self._lock:
            entry = self._entries.get(identifier)
            if entry is not None and not entry.loading:
                del self._entries[identifier]

    def stats(self):
        with self._lock:
            return VerifierStats(contexts=len(self._entries), **self._stats)

    def _refresh_allowed(self, entry, now_ns):
        return now_ns - entry.last_forced_refresh >= self._min_refresh

    @staticmethod
    def _lookup(entry, instance, now_ns):
        if entry.refusal is not None:
            raise entry.refusal
        for i, (keys, accept_until) in enumerate(entry.keys):
            if keys.instance != instance:
                continue
            if now_ns <= accept_until:
                return keys
            if i == 0:
                raise StsError.refuse(Refusal.RENEW_NEEDED, "the context has expired")
            raise StsError.refuse(Refusal.UNKNOWN_KEY_INSTANCE,
                                  f"the rollover window of instance {instance} has ended")
        raise StsError.refuse(Refusal.UNKNOWN_KEY_INSTANCE,
                              f"instance {instance} is not a current key of the context")

    def _fetch(self, token, now_ns):
        """Calls Validate with the lock released and stores the answer; the
        entry is marked loading meanwhile so concurrent misses wait for it.
        Requires the lock."""
        entry = self._entries.get(token.identifier)
        if entry is None:
            self._evict()
            # Answer sequence numbers start at the time in microseconds, like a
            # SecurityContext's, so a restarted relying party starts above them.
            entry = _Entry(max(1, now_ns // 1000))
            self._entries[token.identifier] = entry
        entry.loading = True
        self._stats["validations"] += 1
        target = token_pb2.SecurityContextToken(identifier=token.identifier, cookie=token.cookie)
        self._lock.release()
        response, error = None, None
        try:
            response = self._sts.validate(target)
        except StsError as e:
            error = e
        except Exception as e:  # a bug below us: refuse, do not leave the entry loading
            error = StsError.refuse(Refusal.INTERNAL, f"validation failed: {type(e).__name__}")
        finally:
            self._lock.acquire()
        entry = self._entries[token.identifier]  # loading entries are never evicted
        try:
            self._apply(entry, token, response, error, now_ns)
        finally:
            entry.loading = False
            self._loaded.notify_all()

    def _apply(self, entry, token, response, error, now_ns):
        def negative(refusal, ttl):
            entry.refusal = refusal
            entry.refusal_until = now_ns + ttl
            entry.keys = []  # dropped keys are wiped once unused

        if error is not None:
            if error.code() in _TRANSPORT_FAILURES:
                if entry.refusal is None and entry.keys:
                    # Keep the keys we have (each until its accept_until);
                    # look again after the refresh interval.
                    entry.fetched_at = now_ns - self._revalidate_after + self._min_refresh
                    return
                negative(StsError.refuse(Refusal.UNAVAILABLE,
                                         "cannot validate the context with the STS: "
                                         + error.details()), self._min_refresh)
                return
            # The STS refused us (e.g. policy does not let us validate).
            if not error.fault:
                error = StsError.refuse(Refusal.NOT_PERMITTED, error.details())
            negative(error, self._negative_ttl)
            return
        v = response
        if not v.valid:
            if v.reason == "cancelled":
                refusal = StsError.refuse(Refusal.CANCELLED_CONTEXT, "the context was cancelled")
            elif v.reason == "expired":
                refusal = StsError.refuse(Refusal.RENEW_NEEDED, "the context has expired")
            else:
                refusal = StsError.refuse(Refusal.UNKNOWN_CONTEXT,
                                          f"the STS does not know context {token.identifier}")
            negative(refusal, self._negative_ttl)
            return
        if self._expected_audience and v.applies_to != self._expected_audience:
            negative(StsError.refuse(Refusal.NOT_PERMITTED,
                                     "the context was issued for another audience"),
                     self._negative_ttl)
            return
        if not v.keys:
            negative(StsError.refuse(Refusal.NOT_PERMITTED,
                                     "the STS released no keys to this relying party (it is "
                                     "not the context's audience)"), self._negative_ttl)
            return
        info = ContextInfo(token.identifier, bytes(token.cookie), v.principal, v.applies_to)
        keys = []
        for released in v.keys:
            # An instance we already hold with the same key keeps its prepared
            # keys (and their P_SHA1 cache).
            same = None
            for old, _ in entry.keys:
                if old.instance == released.instance and old.has_context_key(released.key):
                    same = old
            if same is None:
                try:
                    same = InstanceKeys(info, released.instance, released.key)
                except StsError:
                    continue  # an empty key: nothing verifies under it
            released.key.wipe()
            keys.append((same, released.accept_until_ns))
        entry.keys = keys
        entry.refusal = None
        entry.fetched_at = now_ns

    def _evict(self):
        """Makes room for one more entry; entries being loaded stay."""
        if len(self._entries) < self._max:
            return
        for identifier in list(self._entries):  # least recently used first
            if len(self._entries) < self._max:
                break
            if self._entries[identifier].loading:
                continue
            del self._entries[identifier]
            self._stats["evictions"] += 1


class Verifier:
    """See the module comment. `sts` is an StsApi authenticated as the audience."""

    def __init__(self, sts, options=VerifierOptions()):
        self._options = options
        self._clock = options.clock or SYSTEM_CLOCK
        self._cache = _Cache(sts, options)
        self._receiver = Receiver(self._cache, self._clock, options.receiver)

    def __repr__(self):
        return f"Verifier({self.stats()})"

    def verify(self, message, associated_data):
        """Checks a signed request (client-to-server; a ProtectedMessage or its
        bytes) bound to `associated_data`. Returns the ContextInfo of the
        sender (identifier, principal as the STS authenticated it,
        applies_to); the payload may then be used. Raises StsError."""
        keys = self._receiver.verify(parse(message), associated_data,
                                     Direction.CLIENT_TO_SERVER)
        return keys.info

    def open(self, message, associated_data):
        """As verify, for a sealed request: Opened(caller, plaintext)."""
        keys, plaintext = self._receiver.open(parse(message), associated_data,
                                              Direction.CLIENT_TO_SERVER)
        return Opened(keys.info, plaintext)

    def sign(self, token, payload, associated_data):
        """An answer (server-to-client) under the context and instance of a
        request that verified (pass the request's token)."""
        return self._answer(token, payload, associated_data, SIGN)

    def seal(self, token, plaintext, associated_data):
        return self._answer(token, plaintext, associated_data, SEAL)

    def forget(self, identifier):
        """Drops what is cached about a context."""
        self._cache.forget(identifier)

    def stats(self):
        return self._cache.stats()

    def _answer(self, token, payload, associated_data, protection):
        now = self._clock.now_ns()
        keys, sequence = self._cache.for_answer(token, now)
        message = ProtectedMessage()
        message.payload = bytes(payload)
        fill_header(keys, self._options.derivation, protection, Direction.SERVER_TO_CLIENT,
                    sequence, now, message)
        if protection == SEAL:
            seal_in_place(keys, message, associated_data)
        else:
            sign_in_place(keys, message, associated_data)
        return message
