"""SecurityContext: an SCT as its holder (the client) keeps it, and the one
object a client service needs to protect what it sends and check what it
receives under it. The Python twin of client/context/security_context.h.

What it does:
  - holds the context key (the binary secret, or the key computed from our
    entropy and the STS's) and the message keys derived from it;
  - sign/seal messages to the relying party (client-to-server) and
    verify/open its answers (server-to-client), with sequence numbers,
    timestamps and a replay window;
  - renews itself at a share of its lifetime (default 60 %, as WCF does): in
    a background thread, on the first use past that point, or only when
    asked. Messages keep flowing under the current key meanwhile, and answers
    made under the previous key still verify until its rollover window ends;
  - cancels the context at the STS on close() if asked.

Contract: thread-safe; share one per context. Time comes from the injected
clock only. Refusals are StsError: wst:InvalidSecurityToken once cancelled (or
once the STS no longer knows the context), wsc:RenewNeeded once expired and
not renewable. No key byte is in any error, repr or log line.

Use it as a context manager, or call close(), to stop the renewal thread (and
cancel, with cancel_on_shutdown). The thread also ends when the object is
garbage-collected.
"""

import dataclasses
import enum
import itertools
import threading
import typing
import weakref

from .clock import NANOS_PER_SECOND, SYSTEM_CLOCK, seconds_to_ns
from .derivation import Direction, DerivationOptions
from .errors import Refusal, StsError
from .instance_keys import ContextInfo, InstanceKeys
from .message import SEAL, SIGN, ProtectedMessage, fill_header, parse, seal_in_place, sign_in_place
from .proto import token_pb2
from .receiver import KeyResolver, Receiver, ReceiverOptions

_MINUTE_NS = 60 * NANOS_PER_SECOND


class RenewalMode(enum.Enum):
    # A background thread renews at the renewal point; a use past that point
    # wakes it at once (so a fake clock drives it too).
    BACKGROUND = "background"
    # The first use past the renewal point renews, in the caller's thread;
    # concurrent users carry on with the current key meanwhile.
    ON_USE = "on_use"
    # Only renew_now() / renew_if_due() renew.
    MANUAL = "manual"


@dataclasses.dataclass(frozen=True)
class SecurityContextOptions:
    """Durations are in seconds.

    clock:            the time source (FakeClock in tests)
    renewal:          RenewalMode
    renew_at:         share of the lifetime (created..expires) after which to renew
    retry_interval:   after a failed renewal, the next attempt waits this long (in
                      every mode but MANUAL, a use of an expired key first tries
                      one blocking renewal)
    rollover_window:  how long answers under a superseded instance still verify
                      (the STS's tokens.rollover_window), and
    max_previous_instances: how many such instances are kept
    cancel_on_shutdown: cancel the context at the STS in close()
    use_entropy:      issue and renew with our entropy, so the key is computed on
                      both sides and never travels; computed_key_algorithm "" is
                      CK/PSHA1, or urn:sts:v1:ck:hkdf-sha256
    renew_lifetime:   asked for on Renew (None: the STS's default)
    renew_key_size:   bits asked for on Renew (0: keep the current size)
    derivation:       how outgoing message keys are derived (HKDF; P_SHA1 for
                      WS-SC peers)
    receiver:         the checks on incoming answers (answers under P_SHA1 keys
                      need receiver.accept_psha1)
    addressed_to:     the principal every message sent names as its receiver
                      (covered by the tag); None: the context's applies_to, the
                      relying party the STS releases its keys to; "": none
    """

    clock: typing.Any = SYSTEM_CLOCK
    renewal: RenewalMode = RenewalMode.BACKGROUND
    renew_at: float = 0.6
    retry_interval: float = 10.0
    rollover_window: float = 300.0
    max_previous_instances: int = 5
    cancel_on_shutdown: bool = False
    use_entropy: bool = False
    computed_key_algorithm: str = ""
    renew_lifetime: typing.Optional[float] = None
    renew_key_size: int = 0
    derivation: DerivationOptions = DerivationOptions()
    receiver: ReceiverOptions = ReceiverOptions()
    addressed_to: typing.Optional[str] = None


class _Wake:
    """What the renewal thread sleeps on: pokes, stop, and renewals done."""

    def __init__(self):
        self.cond = threading.Condition()
        self.poked = False
        self.stopping = False

    def poke(self):
        with self.cond:
            self.poked = True
            self.cond.notify_all()

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()


class _OwnKeys(KeyResolver):
    """Keys of server-to-client messages: only this context, its current
    instance until it expires, superseded ones until their rollover ends."""

    def __init__(self, context):
        self._context = weakref.ref(context)

    def resolve(self, token, now_ns):
        c = self._context()
        if c is None or token.identifier != c.identifier:
            raise StsError.refuse(Refusal.UNKNOWN_CONTEXT, "the message names another context")
        with c._lock:
            if c._dead is not None:
                raise c._dead
            if c._current is not None and token.instance == c._current.instance:
                if now_ns > c._expires:
                    raise StsError.refuse(Refusal.RENEW_NEEDED, "the context has expired")
                return c._current
            for keys, accept_until in c._previous:
                if keys.instance != token.instance:
                    continue
                if now_ns > accept_until:
                    break
                return keys
        raise StsError.refuse(Refusal.UNKNOWN_KEY_INSTANCE,
                              f"instance {token.instance} of {c.identifier} is not (or no "
                              "longer) a key of this context")


def _renewal_loop(context_ref, wake):
    while True:
        context = context_ref()
        if context is None:
            return
        with context._lock:
            due = context._renew_due
        # The clock may be a fake one that jumps: sleep at most a minute of
        # real time between looks, and wake at once when a use finds the
        # point passed.
        wait_ns = min(max(due - context._clock.now_ns(), 0), _MINUTE_NS)
        del context
        with wake.cond:
            if not (wake.stopping or wake.poked):
                wake.cond.wait(wait_ns / NANOS_PER_SECOND)
            wake.poked = False
            if wake.stopping:
                return
        context = context_ref()
        if context is None:
            return
        try:
            context.renew_if_due()
        except StsError:
            pass  # recorded in last_renewal_error
        dead = context._is_dead()
        del context
        if dead:
            return  # cancelled: nothing left to renew


class SecurityContext:
    """See the module comment. Build with issue() or create()."""

    @classmethod
    def issue(cls, sts, applies_to="", *, lifetime=None, key_size=0,
              options=SecurityContextOptions()):
        """Issues a new context at `sts` (an StsApi, e.g. StsClient) for the
        audience `applies_to` (adding our entropy when options.use_entropy)."""
        if sts is None:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST, "issue needs an StsApi")
        grant = sts.issue(applies_to, lifetime=lifetime, key_size=key_size,
                          entropy=options.use_entropy,
                          computed_key_algorithm=options.computed_key_algorithm)
        return cls.create(sts, grant, options)

    @classmethod
    def create(cls, sts, grant, options=SecurityContextOptions()):
        """From a Grant (e.g. Grant.from_response of a stored Issue response).
        `sts` may be None: the context then never renews or cancels."""
        if not (0 < options.renew_at <= 1):
            raise StsError.refuse(Refusal.MALFORMED_REQUEST, "renew_at must be in (0, 1]")
        context = cls(sts, grant, options)
        if options.renewal == RenewalMode.BACKGROUND and sts is not None:
            context._thread = threading.Thread(
                target=_renewal_loop, args=(weakref.ref(context), context._wake),
                name=f"sts-renew {grant.token.identifier}", daemon=True)
            context._thread.start()
        return context

    def __init__(self, sts, grant, options):
        """Use issue() or create()."""
        token = grant.token
        if not token.identifier or not token.instance:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST,
                                  "the grant carries no security context token")
        self._sts = sts
        self._options = options
        self._clock = options.clock or SYSTEM_CLOCK
        self._identifier = token.identifier
        self._principal = grant.principal
        self._applies_to = grant.applies_to
        # Sequence numbers start at the creation time in microseconds, so a
        # process that picks up a stored context after a restart starts above
        # every number it sent before, and a receiver's window accepts it.
        self._sequence = itertools.count(max(1, self._clock.now_ns() // 1000))
        self._sequence_lock = threading.Lock()
        self._lock = threading.Lock()
        self._current = None
        self._previous = []  # (InstanceKeys, accept_until ns), newest first
        self._expires = 0
        self._renew_due = 0
        self._dead = None  # StsError: why the context is unusable (cancelled)
        self._renewals = 0
        self._last_error = None
        self._renew_lock = threading.Lock()  # one Renew or Cancel at a time
        self._wake = _Wake()
        self._thread = None
        self._closed = False
        weakref.finalize(self, self._wake.stop)
        self._receiver = Receiver(_OwnKeys(self), self._clock, options.receiver)
        self._install(grant, self._clock.now_ns())

    def __repr__(self):
        return f"SecurityContext({self._identifier!r}, instance {self.token().instance!r})"

    def __reduce__(self):
        raise TypeError("SecurityContext cannot be pickled")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- what it is --------------------------------------------------------

    @property
    def identifier(self):
        """wsc:Identifier."""
        return self._identifier

    @property
    def principal(self):
        return self._principal

    @property
    def applies_to(self):
        return self._applies_to

    def token(self):
        """The current instance as a sts.v1.SecurityContextToken (with its cookie)."""
        token = token_pb2.SecurityContextToken(identifier=self._identifier)
        with self._lock:
            if self._current is not None:
                token.instance = self._current.instance
                token.cookie = self._current.info.cookie
        return token

    @property
    def expires_ns(self):
        """When the current instance expires, on this process's clock (the
        granted lifetime counted from when the grant arrived)."""
        with self._lock:
            return self._expires

    @property
    def current_keys(self):
        """The current InstanceKeys, for code that builds its own messages or
        proofs; None once cancelled."""
        with self._lock:
            return self._current

    @property
    def renewals(self):
        """Renewals done so far."""
        with self._lock:
            return self._renewals

    @property
    def last_renewal_error(self):
        """The StsError of the last failed renewal, None after a success."""
        with self._lock:
            return self._last_error

    def await_renewals(self, count, timeout):
        """Waits (real time, at most `timeout` seconds) until at least `count`
        renewals are done; for tests of the background mode."""
        with self._wake.cond:
            return self._wake.cond.wait_for(lambda: self.renewals >= count, timeout)

    # --- messages ------------------------------------------------------------

    def sign(self, payload, associated_data):
        """A signed ProtectedMessage to the relying party, bound to
        `associated_data` (bytes or str, e.g. the RPC method), which travels
        separately."""
        return self._protect(payload, associated_data, SIGN)

    def seal(self, plaintext, associated_data):
        """As sign(), encrypted (AES-256-GCM)."""
        return self._protect(plaintext, associated_data, SEAL)

    def verify(self, message, associated_data):
        """Checks a signed answer from the relying party (a ProtectedMessage or
        its bytes), made under the current key or a superseded one inside its
        rollover window. Raises StsError when refused."""
        self._receiver.verify(parse(message), associated_data, Direction.SERVER_TO_CLIENT)

    def open(self, message, associated_data):
        """The plaintext of a sealed answer; raises StsError when refused."""
        return self._receiver.open(parse(message), associated_data,
                                   Direction.SERVER_TO_CLIENT)[1]

    def _protect(self, payload, associated_data, protection):
        keys = self._keys_for_sending()
        message = ProtectedMessage()
        message.payload = bytes(payload)
        with self._sequence_lock:
            sequence = next(self._sequence)
        fill_header(keys, self._options.derivation, protection, Direction.CLIENT_TO_SERVER,
                    sequence, self._clock.now_ns(), message, self._options.addressed_to)
        if protection == SEAL:
            seal_in_place(keys, message, associated_data)
        else:
            sign_in_place(keys, message, associated_data)
        return message

    def _keys_for_sending(self):
        now = self._clock.now_ns()
        with self._lock:
            if self._dead is not None:
                raise self._dead
            keys, expires, due = self._current, self._expires, self._renew_due
        if now >= expires:
            # A message under an expired key would be refused: renew first
            # (once; concurrent callers wait for the same renewal and then
            # find it done).
            if self._options.renewal != RenewalMode.MANUAL and self._sts is not None:
                with self._renew_lock:
                    with self._lock:
                        still_expired = (self._clock.now_ns() >= self._expires
                                         and self._dead is None)
                    if still_expired:
                        try:
                            self._renew_locked()
                        except StsError:
                            pass
            with self._lock:
                if self._dead is not None:
                    raise self._dead
                if now >= self._expires:
                    reason = ("the context has expired; renew it" if self._last_error is None
                              else "the context has expired and renewing failed: "
                              + self._last_error.details())
                    raise StsError.refuse(Refusal.RENEW_NEEDED, reason)
                return self._current
        if now >= due and self._sts is not None:
            if self._options.renewal == RenewalMode.BACKGROUND:
                self._wake.poke()
            elif self._options.renewal == RenewalMode.ON_USE:
                # One caller renews; the others carry on with the current key.
                if self._renew_lock.acquire(blocking=False):
                    try:
                        with self._lock:
                            still_due = self._clock.now_ns() >= self._renew_due
                        if still_due:
                            try:
                                self._renew_locked()
                                with self._lock:
                                    keys = self._current
                            except StsError:
                                pass
                    finally:
                        self._renew_lock.release()
        return keys

    # --- renewal and cancellation ------------------------------------------

    def renew_now(self):
        """Renews now (serialised with any other renewal); needs an StsApi."""
        with self._renew_lock:
            self._renew_locked()

    def renew_if_due(self):
        """Renews if the renewal point has passed; nothing if it had not."""
        with self._renew_lock:
            with self._lock:
                if self._dead is not None:
                    raise self._dead
                if self._clock.now_ns() < self._renew_due:
                    return
            self._renew_locked()

    def cancel(self):
        """Cancels the context at the STS (proof of possession made for you) and
        drops the keys; from then on every use is refused with
        wst:InvalidSecurityToken. Cancelling twice is harmless."""
        with self._renew_lock:
            with self._lock:
                if self._dead is not None:
                    return
                keys = self._current
            if self._sts is None:
                raise StsError.refuse(Refusal.UNSUPPORTED, "this context has no STS")
            self._sts.cancel(self._token_of(keys), keys.context_key)
            with self._lock:
                self._dead = StsError.refuse(Refusal.CANCELLED_CONTEXT,
                                             "the context was cancelled")
                # The keys are wiped once the last message in flight lets go.
                self._current = None
                self._previous = []
        self._wake.stop()

    def close(self):
        """Stops the renewal thread and, with cancel_on_shutdown, cancels the
        context at the STS (errors ignored). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._wake.stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        if self._options.cancel_on_shutdown and self._sts is not None and not self._is_dead():
            try:
                self.cancel()
            except StsError:
                pass

    def _is_dead(self):
        with self._lock:
            return self._dead is not None

    def _token_of(self, keys):
        return token_pb2.SecurityContextToken(identifier=self._identifier,
                                              instance=keys.instance, cookie=keys.info.cookie)

    def _install(self, grant, now):
        token = grant.token
        if token.identifier != self._identifier:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST, "the grant is for another context")
        info = ContextInfo(self._identifier, bytes(token.cookie), self._principal,
                           self._applies_to)
        keys = InstanceKeys(info, token.instance, grant.key)
        # Times are kept on this process's clock: the lifetime the STS granted,
        # counted from now. A client whose clock is off from the STS's then
        # still renews at the right share of the lifetime.
        lifetime = grant.expires_ns - (grant.created_ns if grant.created_ns is not None else now)
        if lifetime <= 0:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST, "the grant has no lifetime left")
        expires = now + lifetime
        rollover = seconds_to_ns(self._options.rollover_window)
        with self._lock:
            if self._current is not None:
                # The superseded key still verifies answers until the STS's
                # rollover window ends (or it would have expired anyway).
                self._previous.insert(0, (self._current, min(self._expires, now + rollover)))
                del self._previous[self._options.max_previous_instances:]
            self._previous = [p for p in self._previous if p[1] >= now]
            self._current = keys
            self._expires = expires
            self._renew_due = now + int(lifetime * self._options.renew_at)

    def _renew_locked(self):
        """Requires _renew_lock."""
        if self._sts is None:
            raise StsError.refuse(Refusal.RENEW_NEEDED, "this context has no STS to renew with")
        with self._lock:
            if self._dead is not None:
                raise self._dead
            keys = self._current
        options = self._options
        error = None
        try:
            grant = self._sts.renew(
                self._token_of(keys), keys.context_key, lifetime=options.renew_lifetime,
                key_size=options.renew_key_size, entropy=options.use_entropy,
                computed_key_algorithm=options.computed_key_algorithm)
            self._install(grant, self._clock.now_ns())
        except StsError as e:
            error = e
        except Exception as e:  # a bug below us must not kill the renewal thread
            error = StsError.refuse(Refusal.INTERNAL, f"renewal failed: {type(e).__name__}")
        now = self._clock.now_ns()
        with self._lock:
            if error is None:
                self._renewals += 1
                self._last_error = None
            else:
                self._last_error = error
                # Not before the retry interval; never in the past, or the
                # renewal thread would spin.
                self._renew_due = now + max(seconds_to_ns(options.retry_interval),
                                            NANOS_PER_SECOND)
                if error.fault in ("wst:InvalidSecurityToken", "wsc:BadContextToken"):
                    # The STS no longer knows the context: nothing brings it back.
                    self._dead = StsError.refuse(
                        Refusal.CANCELLED_CONTEXT,
                        "the STS no longer knows this context (cancelled)")
        with self._wake.cond:
            self._wake.cond.notify_all()
        if error is not None:
            raise error
