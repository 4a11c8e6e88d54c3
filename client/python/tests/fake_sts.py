"""An in-memory StsApi for the unit tests, the twin of the C++
client/context/fake_sts.h: Issue, Renew (checks the key, keeps superseded
instances for a rollover window), Cancel and Validate (releases keys when told
to), on a clock the test moves, with injectable failures. Thread-safe. The
real STS is exercised in //tests/python.

stateless=True plays the cookie store: every instance gets a cookie, Validate
needs one the fake issued (else wsc:BadContextToken, as a cookie that does not
open) and answers from that cookie's instance (its key and older ones still
rolling over; "superseded" once its window is over). Either way a cookie over
4096 bytes is refused with wst:InvalidRequest, as the STS refuses it."""

import os
import threading

from sts_client import Grant, ReleasedKey, SecretBytes, StsApi, StsError, Validation
from sts_client.clock import seconds_to_ns
from sts_client.computed_key import CK_PSHA1
from sts_client.errors import Refusal
from sts_client.proto import token_pb2
from sts_client.sts import KEYS_RELEASED_TO_AUDIENCE, STATUS_INVALID, STATUS_VALID

PRINCIPAL = "spiffe://test.example/client"


class _Context:
    def __init__(self, applies_to):
        self.applies_to = applies_to
        self.instances = {}  # number -> [key bytes, accept_until ns]
        self.current = 0
        self.expires = 0
        self.cancelled = False


class FakeSts(StsApi):
    def __init__(self, clock, lifetime=3600.0, rollover=300.0, stateless=False):
        self._clock = clock
        self._stateless = stateless
        self._cookies = {}  # cookie -> (identifier, instance number)
        self._lifetime = seconds_to_ns(lifetime)
        self._rollover = seconds_to_ns(rollover)
        self._lock = threading.Lock()
        self._contexts = {}
        self._next_id = 1
        self.fail_next_renew = None   # an StsError to raise once
        self.fail_validate = None     # an StsError to raise on every Validate
        self.release_keys = True
        self.keys_released_to = KEYS_RELEASED_TO_AUDIENCE  # what Validate says when it releases
        self.issues = self.renewals = self.cancels = self.validations = 0

    def _answer(self, identifier, context, entropy, algorithm, key_bits, lifetime):
        # With entropy, StsClient computes the key from both parties' entropy
        # (tested against the real STS); here it is random either way.
        now = self._clock.now_ns()
        key_bytes = (key_bits or 256) // 8
        key = os.urandom(key_bytes)
        if context.current:
            old = context.instances[context.current]
            old[1] = min(old[1], now + self._rollover)
        context.current += 1
        context.expires = now + (seconds_to_ns(lifetime) if lifetime else self._lifetime)
        context.instances[context.current] = [key, context.expires]
        token = token_pb2.SecurityContextToken(identifier=identifier,
                                               instance=str(context.current))
        if self._stateless:
            token.cookie = os.urandom(24)
            self._cookies[token.cookie] = (identifier, context.current)
        return Grant(token=token, key=SecretBytes(key), created_ns=now,
                     expires_ns=context.expires, principal=PRINCIPAL,
                     applies_to=context.applies_to, key_size=key_bytes * 8,
                     computed_key=(algorithm or CK_PSHA1) if entropy else "")

    def issue(self, applies_to="", *, lifetime=None, key_size=0, entropy=False,
              computed_key_algorithm="", context=""):
        with self._lock:
            self.issues += 1
            identifier = f"urn:uuid:00000000-0000-4000-8000-{self._next_id:012d}"
            self._next_id += 1
            c = self._contexts[identifier] = _Context(applies_to)
            return self._answer(identifier, c, entropy, computed_key_algorithm, key_size,
                                lifetime)

    def renew(self, token, key, *, lifetime=None, key_size=0, entropy=False,
              computed_key_algorithm=""):
        with self._lock:
            self.renewals += 1
            if self.fail_next_renew is not None:
                error, self.fail_next_renew = self.fail_next_renew, None
                raise error
            c = self._contexts.get(token.identifier)
            if c is None:
                raise StsError.refuse(Refusal.UNKNOWN_CONTEXT, "unknown context")
            if c.cancelled:
                raise StsError.refuse(Refusal.CANCELLED_CONTEXT, "cancelled")
            now = self._clock.now_ns()
            if now >= c.expires:
                raise StsError.refuse(Refusal.EXPIRED_CONTEXT, "expired")
            known = c.instances.get(int(token.instance)) if token.instance.isdigit() else None
            if known is None or now > known[1]:
                raise StsError.refuse(Refusal.UNKNOWN_KEY_INSTANCE, "unknown instance")
            if not SecretBytes(known[0]) == key:
                raise StsError.refuse(Refusal.BAD_PROOF, "proof does not verify")
            return self._answer(token.identifier, c, entropy, computed_key_algorithm,
                                key_size or len(key) * 8, lifetime)

    def cancel(self, token, key):
        with self._lock:
            self.cancels += 1
            c = self._contexts.get(token.identifier)
            if c is None:
                raise StsError.refuse(Refusal.UNKNOWN_CONTEXT, "unknown context")
            c.cancelled = True
            c.instances.clear()

    def validate(self, token):
        with self._lock:
            self.validations += 1
            if self.fail_validate is not None:
                raise self.fail_validate
            if len(token.cookie) > 4096:
                raise StsError.refuse(Refusal.MALFORMED_REQUEST, "validate_target.cookie too long")
            c = self._contexts.get(token.identifier)
            now = self._clock.now_ns()
            newest = c.current if c is not None else 0
            if self._stateless:
                opened = self._cookies.get(bytes(token.cookie))
                if opened is None or opened[0] != token.identifier:
                    raise StsError.refuse(Refusal.UNKNOWN_CONTEXT, "the cookie does not open")
                newest = opened[1]
            reason = ("unknown" if c is None else "cancelled" if c.cancelled
                      else "superseded" if newest < c.current and now > c.instances[newest][1]
                      else "expired" if now >= c.expires else None)
            empty = token_pb2.SecurityContextToken()
            if reason is not None:
                return Validation(False, STATUS_INVALID, reason, empty, 0, "", "", 0)
            keys = ()
            if self.release_keys:
                keys = tuple(ReleasedKey(str(n), SecretBytes(k), until)
                             for n, (k, until) in sorted(c.instances.items(), reverse=True)
                             if now <= until and n <= newest)
            return Validation(True, STATUS_VALID, "valid",
                              token_pb2.SecurityContextToken(identifier=token.identifier,
                                                             instance=str(c.current)),
                              c.expires, PRINCIPAL, c.applies_to, 256, keys,
                              self.keys_released_to if keys else 0)
