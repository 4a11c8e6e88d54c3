"""Verifier: the relying party's side. It checks protected messages from
clients it has never seen by resolving their contexts with the STS (Validate,
as the context's audience), and protects its answers under the same contexts.
The Python twin of client/verifier/verifier.h, with the same rules.

Key cache (per context identifier; client/verifier/key_cache.h has the
reasoning):
  - filled by Validate; holds every instance the STS released with its
    accept_until (the current one until the context expires, superseded ones
    until their rollover window ends). Answers are merged by instance, never
    replace what is held;
  - re-validated on the first use after `revalidate_after` (1 min), so a
    cancellation is honoured within that time even for a key that still
    verifies, asking about the token of the newest message accepted under the
    entry (never the token of the message that happens to arrive);
  - a message naming an instance the cache does not hold (the client renewed),
    or whose tag does not verify, makes it ask the STS about that message's
    token, at most once per `min_refresh_interval` (1 s) per context; a
    message over that budget is refused UNAVAILABLE (wst:RequestFailed,
    retryable) and nothing is cached about it;
  - what the STS answers about a message's token refuses that token only:
    negative answers are cached for `negative_ttl` (10 s) per (identifier,
    cookie) and never drop keys resolved from another token; only "cancelled",
    which is about the identifier, drops its keys. What remains: someone who
    knows an identifier before its holder's first message (or its first
    message under a new instance) can delay that message by up to
    min_refresh_interval per forged message;
  - if the STS cannot be reached, keys already cached keep working until their
    accept_until and a new Validate is tried every `min_refresh_interval`;
    contexts never seen are refused (UNAVAILABLE, wst:RequestFailed);
  - at most `max_contexts` (10,000) entries whose keys verified a message, and
    as many others, each kind evicting its own least recently used first.
Concurrent misses for one context share one Validate call.

Contract: thread-safe. The StsApi must be authenticated as the audience the
contexts were issued for (applies_to); otherwise the STS releases no keys and
every message is refused (PERMISSION_DENIED, wst:RequestFailed). Other
refusals are the receiver's (receiver.py). No key byte is in any error.
"""

import collections
import dataclasses
import hashlib
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
from .sts import KEYS_RELEASED_TO_AUDIENCE, KEYS_RELEASED_TO_OWNER

_TRANSPORT_FAILURES = frozenset([
    grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.ABORTED, grpc.StatusCode.CANCELLED,
])


@dataclasses.dataclass(frozen=True)
class VerifierOptions:
    """Durations in seconds. expected_audience, when set, refuses contexts issued
    for another audience even if the STS released their keys to us.
    accept_owner_keys accepts contexts whose keys the STS released to us as
    their owner rather than their audience (Validation.keys_released_to); off
    by default, since a service of the owner that accepted messages under the
    owner's own context would accept what the audience, which holds the same
    key, forged (an STS too old to say is trusted only with expected_audience).
    receiver: timestamp and replay windows, the receiver binding and the P_SHA1
    opt-in for incoming messages."""

    clock: typing.Any = SYSTEM_CLOCK
    max_contexts: int = 10_000
    revalidate_after: float = 60.0
    negative_ttl: float = 10.0
    min_refresh_interval: float = 1.0
    expected_audience: str = ""
    accept_owner_keys: bool = False
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
MAX_NEGATIVES_PER_CONTEXT = 8
MAX_INSTANCES_PER_CONTEXT = 8


def _newer(a, b):
    """Instances are decimal numbers from this STS: ordered by (length, text)
    they compare as numbers, and any other text still orders consistently."""
    return (len(a), a) > (len(b), b)


def _cookie_digest(cookie):
    return hashlib.sha256(bytes(cookie)).digest()


def _not_released_for_this_token():
    return StsError.refuse(Refusal.UNKNOWN_KEY_INSTANCE,
                           "the message names an instance that is not one the STS released "
                           "for its token")


def _refusal_for(reason, identifier):
    if reason == "cancelled":
        return StsError.refuse(Refusal.CANCELLED_CONTEXT, "the context was cancelled")
    if reason == "expired":
        return StsError.refuse(Refusal.RENEW_NEEDED, "the context has expired")
    if reason == "superseded":
        return StsError.refuse(Refusal.UNKNOWN_KEY_INSTANCE,
                               "the token's instance was renewed and its rollover window is over")
    return StsError.refuse(Refusal.UNKNOWN_CONTEXT, f"the STS does not know context {identifier}")


class _Entry:
    __slots__ = ("keys", "confirmed", "confirmed_token", "validated_at", "last_lookup",
                 "last_lookup_cookie", "cancelled", "cancelled_until", "negatives", "loading",
                 "next_answer_sequence")

    def __init__(self, next_answer_sequence):
        self.keys = []  # [[InstanceKeys, accept_until ns]], newest instance first
        self.confirmed = False
        # The token of the newest instance a message was accepted under: what
        # a confirmed entry is revalidated with.
        self.confirmed_token = None
        self.validated_at = _PAST
        self.last_lookup = _PAST  # the per-identifier budget
        self.last_lookup_cookie = None
        self.cancelled = None  # StsError: the STS said so
        self.cancelled_until = _PAST
        self.negatives = []  # [(cookie digest, StsError, until ns)], newest first
        self.loading = False
        self.next_answer_sequence = next_answer_sequence

    def held(self, instance):
        for item in self.keys:
            if item[0].instance == instance:
                return item
        return None

    def negative_for(self, cookie, now_ns):
        for digest, refusal, until in self.negatives:
            if digest == cookie:
                return refusal if now_ns < until else None
        return None

    def is_cancelled(self, now_ns):
        return self.cancelled is not None and now_ns < self.cancelled_until


class _Cache(KeyResolver):
    """The key cache; the C++ client/verifier/key_cache.h explains its rules
    (what an unauthenticated message may make it learn, and what not)."""

    def __init__(self, sts, options):
        self._sts = sts
        self._max = options.max_contexts
        self._revalidate_after = seconds_to_ns(options.revalidate_after)
        self._negative_ttl = seconds_to_ns(options.negative_ttl)
        self._min_refresh = seconds_to_ns(options.min_refresh_interval)
        self._options = options
        self._lock = threading.Lock()
        self._loaded = threading.Condition(self._lock)
        self._entries = {}
        # identifier -> None, most recent last; entries move to the confirmed
        # one when a message is accepted under their keys.
        self._unconfirmed = collections.OrderedDict()
        self._confirmed = collections.OrderedDict()
        self._stats = {"validations": 0, "hits": 0, "negative_hits": 0, "evictions": 0}

    def resolve(self, token, now_ns):
        cookie = _cookie_digest(token.cookie)
        with self._lock:
            asked = False
            while True:
                entry = self._entries.get(token.identifier)
                if entry is not None and entry.loading:
                    self._loaded.wait()
                    continue
                if entry is not None:
                    self._touch(token.identifier, entry)
                    if entry.is_cancelled(now_ns):
                        if not asked:
                            self._stats["negative_hits"] += 1
                        raise entry.cancelled
                    held = entry.held(token.instance)
                    if held is not None:
                        if (asked or now_ns - entry.validated_at < self._revalidate_after
                                or now_ns > held[1]):
                            keys = self._usable(entry, held, now_ns)
                            if not asked:
                                self._stats["hits"] += 1
                            return keys
                        # Due for revalidation, with a token that produced
                        # keys: never this message's own.
                        if entry.confirmed:
                            target = entry.confirmed_token
                        else:
                            target = token_pb2.SecurityContextToken(
                                identifier=token.identifier, instance=token.instance,
                                cookie=held[0].info.cookie)
                        dropped = self._validate(target, False, now_ns)
                        entry = self._entries[token.identifier]
                        if entry.is_cancelled(now_ns):
                            raise entry.cancelled
                        held = entry.held(token.instance)
                        if held is None:
                            raise dropped or _not_released_for_this_token()
                        return self._usable(entry, held, now_ns)
                    negative = entry.negative_for(cookie, now_ns)
                    if negative is not None:
                        if not asked:
                            self._stats["negative_hits"] += 1
                        raise negative
                # A token the cache holds no keys for: ask the STS, within the
                # identifier's budget.
                if asked:
                    raise _not_released_for_this_token()
                if entry is not None and not self._budget_left(entry, now_ns):
                    raise StsError.refuse(
                        Refusal.UNAVAILABLE,
                        f"context {token.identifier} was looked up less than "
                        "min_refresh_interval ago; retry")
                self._find_or_create(token.identifier, now_ns)
                self._validate(token, True, now_ns)
                asked = True

    def refresh(self, token, now_ns):
        with self._lock:
            entry = self._entries.get(token.identifier)
            while entry is not None and entry.loading:
                self._loaded.wait()
                entry = self._entries.get(token.identifier)
            if (entry is None or not self._budget_left(entry, now_ns)
                    or entry.negative_for(_cookie_digest(token.cookie), now_ns) is not None):
                return None
            self._validate(token, True, now_ns)
            entry = self._entries[token.identifier]
            if entry.is_cancelled(now_ns):
                raise entry.cancelled
            held = entry.held(token.instance)
            return None if held is None else self._usable(entry, held, now_ns)

    def authenticated(self, token, now_ns):
        cookie = _cookie_digest(token.cookie)
        with self._lock:
            entry = self._entries.get(token.identifier)
            if entry is None:
                return
            # A lookup made for this token served its holder: it does not
            # count against the budget for forged messages.
            if entry.last_lookup_cookie == cookie:
                entry.last_lookup = _PAST
            entry.negatives = [n for n in entry.negatives if n[0] != cookie]
            if not entry.confirmed:
                self._evict(self._confirmed)
                self._unconfirmed.pop(token.identifier, None)
                self._confirmed[token.identifier] = None
                entry.confirmed = True
            if (entry.confirmed_token is None
                    or not _newer(entry.confirmed_token.instance, token.instance)):
                entry.confirmed_token = token_pb2.SecurityContextToken(
                    identifier=token.identifier, instance=token.instance, cookie=token.cookie)

    def for_answer(self, token, now_ns):
        """(InstanceKeys to answer under, the next answer sequence number)."""
        with self._lock:
            entry = self._entries.get(token.identifier)
            if entry is None:
                raise StsError.refuse(Refusal.UNKNOWN_CONTEXT,
                                      "no verified message under this context")
            if entry.is_cancelled(now_ns):
                raise entry.cancelled
            held = entry.held(token.instance)
            if held is None:
                raise StsError.refuse(Refusal.UNKNOWN_KEY_INSTANCE,
                                      f"instance {token.instance} is not a held key of the "
                                      "context")
            keys = self._usable(entry, held, now_ns)
            sequence = entry.next_answer_sequence
            entry.next_answer_sequence += 1
            return keys, sequence

    def forget(self, identifier):
        with self._lock:
            entry = self._entries.get(identifier)
            if entry is not None and not entry.loading:
                del self._entries[identifier]
                (self._confirmed if entry.confirmed else self._unconfirmed).pop(identifier, None)

    def stats(self):
        with self._lock:
            return VerifierStats(contexts=len(self._entries), **self._stats)

    def _touch(self, identifier, entry):
        (self._confirmed if entry.confirmed else self._unconfirmed).move_to_end(identifier)

    def _budget_left(self, entry, now_ns):
        return now_ns - entry.last_lookup >= self._min_refresh

    @staticmethod
    def _usable(entry, held, now_ns):
        keys, accept_until = held
        if now_ns <= accept_until:
            return keys
        if held is entry.keys[0]:
            raise StsError.refuse(Refusal.RENEW_NEEDED, "the context has expired")
        raise StsError.refuse(Refusal.UNKNOWN_KEY_INSTANCE,
                              f"the rollover window of instance {keys.instance} has ended")

    def _find_or_create(self, identifier, now_ns):
        entry = self._entries.get(identifier)
        if entry is None:
            self._evict(self._unconfirmed)
            # Answer sequence numbers start at the time in microseconds, like a
            # SecurityContext's, so a restarted relying party starts above them.
            entry = self._entries[identifier] = _Entry(max(1, now_ns // 1000))
            self._unconfirmed[identifier] = None
        return entry

    @staticmethod
    def _remember(entry, cookie, refusal, until):
        entry.negatives = ([(cookie, refusal, until)]
                           + [n for n in entry.negatives if n[0] != cookie])
        del entry.negatives[MAX_NEGATIVES_PER_CONTEXT:]

    def _validate(self, target, lookup, now_ns):
        """Calls Validate with the lock released and applies the answer to the
        entry, which must exist and is marked loading meanwhile. `lookup`: for
        a message's token (its answer refuses that token only); else a
        revalidation with a token that produced keys (its refusal drops them,
        and is returned). Requires the lock."""
        entry = self._entries[target.identifier]
        entry.loading = True
        self._stats["validations"] += 1
        if lookup:
            entry.last_lookup = now_ns
            entry.last_lookup_cookie = _cookie_digest(target.cookie)
        ask = token_pb2.SecurityContextToken(identifier=target.identifier, cookie=target.cookie)
        self._lock.release()
        response, error = None, None
        try:
            response = self._sts.validate(ask)
        except StsError as e:
            error = e
        except Exception as e:  # a bug below us: refuse, do not leave the entry loading
            error = StsError.refuse(Refusal.INTERNAL, f"validation failed: {type(e).__name__}")
        finally:
            self._lock.acquire()
        entry = self._entries[target.identifier]  # loading entries are never evicted
        try:
            return self._apply(entry, target, lookup, response, error, now_ns)
        finally:
            entry.loading = False
            self._loaded.notify_all()

    def _apply(self, entry, target, lookup, response, error, now_ns):
        cookie = _cookie_digest(target.cookie)

        def refused(refusal, ttl):
            if not lookup:
                entry.keys = []  # dropped keys are wiped once unused
                entry.validated_at = now_ns
                return refusal
            self._remember(entry, cookie, refusal, now_ns + ttl)
            return None

        if error is not None:
            if error.code() in _TRANSPORT_FAILURES:
                if not lookup:
                    # Keep the keys (each until its accept_until); look again
                    # after the refresh interval.
                    entry.validated_at = now_ns - self._revalidate_after + self._min_refresh
                    return None
                self._remember(entry, cookie,
                               StsError.refuse(Refusal.UNAVAILABLE,
                                               "cannot validate the context with the STS: "
                                               + error.details()),
                               now_ns + self._min_refresh)
                return None
            # The STS refused the request (malformed token, a cookie that does
            # not open, policy).
            if not error.fault:
                error = StsError.refuse(Refusal.NOT_PERMITTED, error.details())
            return refused(error, self._negative_ttl)
        v = response
        if not v.valid:
            refusal = _refusal_for(v.reason, target.identifier)
            if v.reason == "cancelled":
                # About the identifier, whichever token was asked about.
                entry.keys = []
                entry.cancelled = refusal
                entry.cancelled_until = now_ns + self._negative_ttl
                return refusal
            if not lookup and v.reason == "superseded":
                entry.keys = [k for k in entry.keys if _newer(k[0].instance, target.instance)]
                entry.validated_at = now_ns
                return refusal
            return refused(refusal, self._negative_ttl)
        refusal = self._may_use(v)
        if refusal is not None:
            return refused(refusal, self._negative_ttl)
        self._merge(entry, target, v, now_ns)
        entry.validated_at = now_ns
        if lookup:
            # The STS has just said which instances this token has.
            self._remember(entry, cookie, _not_released_for_this_token(),
                           now_ns + self._min_refresh)
        return None

    def _may_use(self, v):
        if self._options.expected_audience and v.applies_to != self._options.expected_audience:
            return StsError.refuse(Refusal.NOT_PERMITTED,
                                   "the context was issued for another audience")
        if not v.keys:
            return StsError.refuse(Refusal.NOT_PERMITTED,
                                   "the STS released no keys to this relying party (it is not "
                                   "the context's audience)")
        if self._options.accept_owner_keys or v.keys_released_to == KEYS_RELEASED_TO_AUDIENCE:
            return None
        if v.keys_released_to == KEYS_RELEASED_TO_OWNER:
            return StsError.refuse(Refusal.NOT_PERMITTED,
                                   "the STS released the keys to this relying party as the "
                                   "context's owner, not its audience: messages under it could "
                                   "be the audience's forgeries (set accept_owner_keys to accept "
                                   "them)")
        if self._options.expected_audience:
            return None  # checked above
        return StsError.refuse(Refusal.NOT_PERMITTED,
                               "the STS did not say why it released the keys (an STS older than "
                               "keys_released_to); set expected_audience")

    @staticmethod
    def _merge(entry, target, v, now_ns):
        info = ContextInfo(target.identifier, bytes(target.cookie), v.principal, v.applies_to)
        for released in v.keys:
            held = entry.held(released.instance)
            # An instance held with the same key keeps its prepared keys; the
            # STS's accept_until for it is the latest word.
            if held is not None and held[0].has_context_key(released.key):
                held[1] = released.accept_until_ns
            else:
                try:
                    keys = InstanceKeys(info, released.instance, released.key)
                except StsError:
                    keys = None  # an empty key: nothing verifies under it
                if keys is not None:
                    if held is not None:
                        held[0], held[1] = keys, released.accept_until_ns
                    else:
                        entry.keys.append([keys, released.accept_until_ns])
            released.key.wipe()
        entry.keys = [k for k in entry.keys if k[1] >= now_ns]
        entry.keys.sort(key=lambda k: (len(k[0].instance), k[0].instance), reverse=True)
        del entry.keys[MAX_INSTANCES_PER_CONTEXT:]

    def _evict(self, lru):
        """Makes room in `lru` for one more entry; entries being loaded stay."""
        for identifier in list(lru):  # least recently used first
            if len(lru) < self._max:
                break
            if self._entries[identifier].loading:
                continue
            del lru[identifier]
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
