"""SecurityContext against the in-memory STS on a fake clock: renewal in each
mode at 60 % of the lifetime, retries, rollover of superseded keys, cancel,
and a context the STS forgot. Nothing sleeps to see time pass."""

import threading
import unittest

from fake_sts import FakeSts
from sts_client import (P_SHA1, DerivationOptions, FakeClock, Grant, RenewalMode, SecretBytes,
                        SecurityContext, SecurityContextOptions, StsError, Verifier,
                        VerifierOptions)
from sts_client.derivation import Direction
from sts_client.errors import Refusal
from sts_client.receiver import ReceiverOptions
from sts_client.message import SEAL, SIGN, ProtectedMessage, fill_header, seal_in_place, sign_in_place
from sts_client.proto import sts_pb2

AD = "/orders/submit"
AUDIENCE = "spiffe://test.example/relying-party"


class SecurityContextTest(unittest.TestCase):
    def setUp(self):
        self.clock = FakeClock()
        self.sts = FakeSts(self.clock)
        self.contexts = []

    def tearDown(self):
        for c in self.contexts:
            c.close()

    def context(self, **options):
        options.setdefault("renewal", RenewalMode.MANUAL)
        c = SecurityContext.issue(self.sts, AUDIENCE,
                                  options=SecurityContextOptions(clock=self.clock, **options))
        self.contexts.append(c)
        return c

    def verifier(self):
        return Verifier(self.sts, VerifierOptions(clock=self.clock))

    def fault(self, call, *args):
        with self.assertRaises(StsError) as caught:
            call(*args)
        return caught.exception.fault

    def test_signed_and_sealed_messages_verify_at_the_relying_party(self):
        c = self.context()
        v = self.verifier()
        caller = v.verify(c.sign(b"order", AD), AD)
        self.assertEqual((caller.identifier, caller.principal, caller.applies_to),
                         (c.identifier, "spiffe://test.example/client", AUDIENCE))
        self.assertEqual(v.open(c.seal(b"secret order", AD), AD).plaintext, b"secret order")
        # Serialized messages are accepted too.
        self.assertEqual(v.verify(c.sign(b"x", AD).SerializeToString(), AD).identifier,
                         c.identifier)

    def test_psha1_derived_keys_for_ws_sc_peers(self):
        c = self.context(derivation=DerivationOptions(algorithm=P_SHA1, generation=1))
        m = c.sign(b"order", AD)
        self.assertEqual((m.derivation.algorithm, m.derivation.generation), (P_SHA1, 1))
        # A relying party accepts them only when it opts in (they are not
        # separated by direction).
        with self.assertRaises(StsError) as caught:
            self.verifier().verify(m, AD)
        self.assertEqual(caught.exception.fault, "wst:InvalidRequest")
        Verifier(self.sts, VerifierOptions(clock=self.clock,
                                           receiver=ReceiverOptions(accept_psha1=True))).verify(m, AD)

    def test_on_use_renews_at_sixty_percent_in_the_callers_thread(self):
        c = self.context(renewal=RenewalMode.ON_USE)
        self.clock.advance(0.6 * 3600 - 1)
        self.assertEqual(c.sign(b"x", AD).token.instance, "1")
        self.assertEqual(c.renewals, 0)
        self.clock.advance(1)
        self.assertEqual(c.sign(b"x", AD).token.instance, "2")
        self.assertEqual((c.renewals, self.sts.renewals), (1, 1))

    def test_background_renewal_is_woken_by_use(self):
        c = self.context(renewal=RenewalMode.BACKGROUND)
        self.clock.advance(0.6 * 3600)
        c.sign(b"x", AD)  # still instance 1; wakes the thread
        self.assertTrue(c.await_renewals(1, timeout=10))
        self.assertEqual(c.token().instance, "2")
        self.assertEqual(c.sign(b"x", AD).token.instance, "2")
        c.close()
        self.assertFalse(c._thread.is_alive())

    def test_manual_mode_never_renews_by_itself_and_refuses_once_expired(self):
        c = self.context()
        self.clock.advance(3599)
        c.sign(b"x", AD)
        self.clock.advance(1)
        with self.assertRaises(StsError) as caught:
            c.sign(b"x", AD)
        self.assertEqual((caught.exception.code().name, caught.exception.fault),
                         ("FAILED_PRECONDITION", "wsc:RenewNeeded"))
        self.assertEqual(self.sts.renewals, 0)

    def test_renew_if_due(self):
        c = self.context()
        c.renew_if_due()
        self.assertEqual(self.sts.renewals, 0)
        self.clock.advance(0.6 * 3600)
        c.renew_if_due()
        self.assertEqual((self.sts.renewals, c.token().instance), (1, "2"))

    def test_an_expired_key_is_renewed_before_use_when_possible(self):
        # The renewal point passed unnoticed (no use): at expiry one blocking
        # renewal is tried; the STS refuses to renew an expired context, so
        # the use is refused with RenewNeeded and says why.
        c = self.context(renewal=RenewalMode.ON_USE)
        self.clock.advance(3600)
        with self.assertRaises(StsError) as caught:
            c.sign(b"x", AD)
        self.assertEqual(caught.exception.fault, "wsc:RenewNeeded")
        self.assertIn("renewing failed", caught.exception.reason)
        self.assertEqual(c.last_renewal_error.fault, "wst:ExpiredData")
        self.assertEqual(self.sts.renewals, 1)

    def test_an_expired_key_in_a_renewable_context_is_renewed_first(self):
        # The STS granted a longer lifetime than the context counts with
        # (our clock ran ahead): the blocking renewal succeeds.
        c = self.context(renewal=RenewalMode.ON_USE)
        with c._lock:
            c._expires = self.clock.now_ns()
        self.assertEqual(c.sign(b"x", AD).token.instance, "2")

    def test_a_failed_renewal_is_retried_after_the_interval(self):
        c = self.context(renewal=RenewalMode.ON_USE, retry_interval=10)
        self.clock.advance(0.6 * 3600)
        self.sts.fail_next_renew = StsError.refuse(Refusal.UNAVAILABLE, "STS down")
        self.assertEqual(c.sign(b"x", AD).token.instance, "1")  # keeps going
        self.assertEqual(c.last_renewal_error.fault, "wst:RequestFailed")
        self.clock.advance(9)
        c.sign(b"x", AD)
        self.assertEqual(self.sts.renewals, 1)
        self.clock.advance(1)
        self.assertEqual(c.sign(b"x", AD).token.instance, "2")
        self.assertIsNone(c.last_renewal_error)

    def answer(self, keys, sequence, protection=SIGN, payload=b"answer"):
        """An answer (server-to-client) made with `keys` now, as the relying
        party would."""
        m = ProtectedMessage(payload=payload)
        fill_header(keys, DerivationOptions(), protection, Direction.SERVER_TO_CLIENT, sequence,
                    self.clock.now_ns(), m)
        (seal_in_place if protection == SEAL else sign_in_place)(keys, m, AD)
        return m

    def test_answers_under_the_previous_key_verify_during_rollover(self):
        c = self.context()
        first = c.current_keys
        c.renew_now()
        second = c.current_keys
        self.assertEqual(second.instance, "2")
        c.verify(self.answer(second, 1), AD)
        c.verify(self.answer(first, 2), AD)
        self.clock.advance(5 * 60 + 1)
        with self.assertRaises(StsError) as caught:
            c.verify(self.answer(first, 3), AD)
        self.assertEqual((caught.exception.code().name, caught.exception.fault),
                         ("UNAUTHENTICATED", "wsc:UnknownDerivationSource"))
        c.verify(self.answer(second, 4), AD)
        # Replayed answers and the client's own messages reflected are refused.
        answer = self.answer(second, 5)
        c.verify(answer, AD)
        self.assertEqual(self.fault(c.verify, answer, AD), "wst:FailedAuthentication")
        self.assertEqual(self.fault(c.verify, c.sign(b"p", AD), AD), "wst:InvalidRequest")
        # Once the current instance expires, answers need a renewal.
        self.clock.advance(3600)
        self.assertEqual(self.fault(c.verify, self.answer(second, 6), AD), "wsc:RenewNeeded")

    def test_rollover_keeps_at_most_max_previous_instances(self):
        c = self.context(max_previous_instances=2)
        instances = [c.current_keys]
        for _ in range(3):
            c.renew_now()
            instances.append(c.current_keys)
        self.assertEqual(self.fault(c.verify, self.answer(instances[0], 1), AD),
                         "wsc:UnknownDerivationSource")
        for n, keys in enumerate(instances[1:]):
            c.verify(self.answer(keys, 10 + n), AD)

    def test_answers_from_the_relying_party(self):
        c = self.context()
        v = self.verifier()
        request = c.sign(b"req", AD)
        v.verify(request, AD)
        c.verify(v.sign(request.token, b"answer", AD), AD)
        c.renew_now()
        # The verifier answers under the instance of the request it verified:
        # instance 1, still rolling over at the client.
        c.verify(v.sign(request.token, b"late answer", AD), AD)

    def test_sealed_answers_open_and_replays_are_refused(self):
        c = self.context()
        v = self.verifier()
        request = c.sign(b"req", AD)
        v.verify(request, AD)
        sealed = v.seal(request.token, b"sealed answer", AD)
        self.assertEqual(c.open(sealed, AD), b"sealed answer")
        self.assertEqual(self.fault(c.open, sealed, AD), "wst:FailedAuthentication")
        # A client's own message reflected back is refused (other direction).
        self.assertEqual(self.fault(c.verify, request, AD), "wst:InvalidRequest")

    def test_cancel_refuses_every_later_use(self):
        c = self.context()
        c.cancel()
        self.assertIsNone(c.current_keys)
        for call in (c.sign, c.seal):
            with self.assertRaises(StsError) as caught:
                call(b"x", AD)
            self.assertEqual((caught.exception.code().name, caught.exception.fault),
                             ("FAILED_PRECONDITION", "wst:InvalidSecurityToken"))
        c.cancel()  # harmless
        self.assertEqual(self.sts.cancels, 1)

    def test_cancel_on_shutdown_only_when_asked(self):
        self.context().close()
        self.assertEqual(self.sts.cancels, 0)
        with self.context(cancel_on_shutdown=True):
            pass
        self.assertEqual(self.sts.cancels, 1)

    def test_a_context_the_sts_forgot_is_dead(self):
        c = self.context()
        self.sts.fail_next_renew = StsError.refuse(Refusal.UNKNOWN_CONTEXT, "unknown")
        with self.assertRaises(StsError):
            c.renew_now()
        self.assertEqual(self.fault(c.sign, b"x", AD), "wst:InvalidSecurityToken")

    def test_a_context_cancelled_elsewhere_dies_at_its_next_renewal(self):
        c = self.context(renewal=RenewalMode.ON_USE)
        self.sts.fail_next_renew = StsError.refuse(Refusal.CANCELLED_CONTEXT, "cancelled elsewhere")
        self.clock.advance(40 * 60)
        c.sign(b"p", AD)  # triggers the renewal that learns it
        self.assertEqual(self.fault(c.sign, b"p", AD), "wst:InvalidSecurityToken")

    def test_concurrent_use_across_background_renewals(self):
        c = self.context(renewal=RenewalMode.BACKGROUND)
        stop = threading.Event()
        failures, sequences, lock = [], set(), threading.Lock()

        def use():
            while not stop.is_set():
                try:
                    m = c.sign(b"p", AD)
                except StsError as e:
                    failures.append(e)
                    continue
                with lock:
                    if m.sequence in sequences:
                        failures.append(m.sequence)
                    sequences.add(m.sequence)
        threads = [threading.Thread(target=use) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            # Three lifetimes' worth of renewal points, each awaited.
            for n in range(1, 4):
                self.clock.advance(37 * 60)
                c.sign(b"p", AD)  # make sure one use sees the point
                self.assertTrue(c.await_renewals(n, timeout=30), c.last_renewal_error)
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(failures, [])
        self.assertEqual(c.token().instance, "4")

    def test_create_checks_the_grant(self):
        good = self.sts.issue(AUDIENCE)
        for bad in (dict(expires_ns=good.created_ns), ):
            fields = {**good.__dict__, **bad}
            with self.assertRaises(StsError):
                SecurityContext.create(None, Grant(**fields))
        with self.assertRaises(StsError):
            SecurityContext.create(None, good, SecurityContextOptions(renew_at=0))
        # Without an STS it never renews.
        c = SecurityContext.create(None, good, SecurityContextOptions(clock=self.clock))
        self.assertEqual(self.fault(c.renew_now), "wsc:RenewNeeded")
        self.assertEqual(self.fault(c.cancel), "wst:RequestFailed")

    def test_from_a_stored_issue_response(self):
        response = sts_pb2.RequestSecurityTokenResponse(principal="p", key_size=256)
        response.requested_security_token.identifier = "urn:uuid:stored"
        response.requested_security_token.instance = "4"
        response.requested_proof_token.binary_secret.value = b"s" * 32
        response.lifetime.created.seconds = 100
        response.lifetime.expires.seconds = 100 + 600
        grant = Grant.from_response(response)
        self.assertEqual(grant.key, SecretBytes(b"s" * 32))
        c = SecurityContext.create(None, grant, SecurityContextOptions(clock=self.clock))
        self.assertEqual(c.expires_ns, self.clock.now_ns() + 600 * 10**9)  # on our clock
        self.assertEqual(c.token().instance, "4")
        response.requested_proof_token.computed_key = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1"
        with self.assertRaises(StsError):  # computed, but no entropy given
            Grant.from_response(response)

    def test_nothing_printable_holds_a_key(self):
        c = self.context()
        key = c.current_keys.context_key.reveal()
        for text in (repr(c), str(c), repr(c.current_keys), repr(self.sts.issue("a")),
                     repr(c.current_keys.context_key), f"{c.current_keys.context_key}"):
            self.assertNotIn(key.hex(), text)
            self.assertNotIn(repr(key)[2:-1], text)


if __name__ == "__main__":
    unittest.main()
