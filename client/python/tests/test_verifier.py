"""The relying party's Verifier against the in-memory STS on a fake clock,
with a SecurityContext as the client: the same cache, revalidation and replay
rules as the C++ Verifier (client/verifier/verifier_test.cc case for case)."""

import threading
import unittest

from fake_sts import FakeSts
from sts_client import (FakeClock, RenewalMode, SecurityContext, SecurityContextOptions, StsError,
                        Verifier, VerifierOptions)
from sts_client.derivation import DerivationOptions, Direction
from sts_client.errors import Refusal
from sts_client.instance_keys import ContextInfo, InstanceKeys
from sts_client.message import SIGN, ProtectedMessage, fill_header, sign_in_place
from sts_client.proto import token_pb2

AD = "/example.v1.Inventory/Reserve"
AUDIENCE = "spiffe://test.example/relying-party"


class VerifierTest(unittest.TestCase):
    STATELESS = False

    def setUp(self):
        self.clock = FakeClock()
        self.sts = FakeSts(self.clock, stateless=self.STATELESS)
        self.forged_sequence = 1000

    def options(self, **fields):
        return VerifierOptions(clock=self.clock, **fields)

    def client(self):
        return SecurityContext.issue(
            self.sts, AUDIENCE,
            options=SecurityContextOptions(clock=self.clock, renewal=RenewalMode.MANUAL))

    def with_keys(self, keys, sequence):
        """A message made directly with `keys`, as a thief of them could."""
        m = ProtectedMessage(payload=b"p")
        fill_header(keys, DerivationOptions(), SIGN, Direction.CLIENT_TO_SERVER,
                    (1 << 62) + sequence, self.clock.now_ns(), m)
        sign_in_place(keys, m, AD)
        return m

    def forged(self, context, instance, cookie):
        """What someone who knows only a context's identifier can send: any
        instance and cookie, a tag under a key of their own."""
        keys = InstanceKeys(ContextInfo(context.identifier, cookie, "", AUDIENCE), instance,
                            bytes(32))
        self.forged_sequence += 1
        return self.with_keys(keys, self.forged_sequence)

    def fault(self, verifier, message, ad=AD):
        with self.assertRaises(StsError) as caught:
            verifier.verify(message, ad)
        return caught.exception

    def test_resolves_once_then_verifies_from_the_cache(self):
        v = Verifier(self.sts, self.options())
        c = self.client()
        who = v.verify(c.sign(b"request", AD), AD)
        self.assertEqual((who.identifier, who.principal, who.applies_to),
                         (c.identifier, "spiffe://test.example/client", AUDIENCE))
        for _ in range(10):
            v.verify(c.sign(b"request", AD), AD)
        self.assertEqual((v.stats().validations, v.stats().hits), (1, 10))
        self.assertEqual(v.open(c.seal(b"sealed request", AD), AD).plaintext, b"sealed request")

    def test_answers_verify_at_the_client(self):
        v = Verifier(self.sts, self.options())
        c = self.client()
        request = c.sign(b"request", AD)
        v.verify(request, AD)
        c.verify(v.sign(request.token, b"answer", AD), AD)
        self.assertEqual(c.open(v.seal(request.token, b"sealed answer", AD), AD), b"sealed answer")
        unknown = token_pb2.SecurityContextToken(
            identifier="urn:uuid:99999999-0000-4000-8000-000000000000", instance="1")
        with self.assertRaises(StsError) as caught:
            v.sign(unknown, b"x", AD)
        self.assertEqual(caught.exception.fault, "wsc:BadContextToken")

    def test_unknown_contexts_are_refused_and_the_answer_is_cached_briefly(self):
        v = Verifier(self.sts, self.options(negative_ttl=10))
        m = self.client().sign(b"request", AD)
        m.token.identifier = "urn:uuid:99999999-0000-4000-8000-000000000000"
        for _ in range(5):
            e = self.fault(v, m)
            self.assertEqual((e.code().name, e.fault), ("NOT_FOUND", "wsc:BadContextToken"))
        self.assertEqual((v.stats().validations, v.stats().negative_hits), (1, 4))
        self.clock.advance(11)
        m.sequence += 1
        self.assertEqual(self.fault(v, m).fault, "wsc:BadContextToken")
        self.assertEqual(v.stats().validations, 2)

    def test_a_renewed_instance_is_fetched_once_and_the_old_one_rolls_over(self):
        v = Verifier(self.sts, self.options())
        c = self.client()
        first = c.current_keys
        before = c.sign(b"request", AD)
        v.verify(c.sign(b"request", AD), AD)
        c.renew_now()
        after = c.sign(b"request", AD)
        self.assertEqual(after.token.instance, "2")
        v.verify(after, AD)
        self.assertEqual(v.stats().validations, 2)
        v.verify(before, AD)  # made before the renewal, delivered late
        self.assertEqual(v.stats().validations, 2)
        self.clock.advance(5 * 60 + 1)
        self.assertEqual(self.fault(v, self.with_keys(first, 99)).fault,
                         "wsc:UnknownDerivationSource")

    def test_cancellation_is_honoured_on_revalidation(self):
        v = Verifier(self.sts, self.options(revalidate_after=30))
        c = self.client()
        stolen = c.current_keys
        v.verify(c.sign(b"request", AD), AD)
        c.cancel()
        v.verify(self.with_keys(stolen, 1), AD)  # inside the cache's freshness
        self.clock.advance(31)
        e = self.fault(v, self.with_keys(stolen, 2))
        self.assertEqual((e.code().name, e.fault), ("FAILED_PRECONDITION",
                                                   "wst:InvalidSecurityToken"))

    def test_a_failed_check_revalidates_once_and_finds_the_cancellation(self):
        v = Verifier(self.sts, self.options())
        c = self.client()
        keys = c.current_keys
        v.verify(c.sign(b"request", AD), AD)
        c.cancel()
        bad = self.with_keys(keys, 5)
        bad.payload = b"changed"
        self.assertEqual(self.fault(v, bad).fault, "wst:InvalidSecurityToken")
        self.assertEqual(v.stats().validations, 2)

    def test_forged_messages_cost_the_sts_at_most_one_validate_per_interval(self):
        v = Verifier(self.sts, self.options(min_refresh_interval=1))
        c = self.client()
        v.verify(c.sign(b"request", AD), AD)
        for i in range(50):
            forged = c.sign(b"request", AD)
            forged.tag = bytes([forged.tag[0] ^ 1]) + forged.tag[1:]
            self.assertEqual(self.fault(v, forged).fault, "wst:FailedAuthentication")
            other_instance = c.sign(b"request", AD)
            other_instance.token.instance = str(100 + i)
            self.assertEqual(self.fault(v, other_instance).fault, "wsc:UnknownDerivationSource")
        self.assertEqual(v.stats().validations, 2)  # the first, and one refresh
        self.clock.advance(1)
        forged = c.sign(b"request", AD)
        forged.tag = bytes(32)
        self.fault(v, forged)
        self.assertEqual(v.stats().validations, 3)
        v.verify(c.sign(b"request", AD), AD)  # the genuine client is unaffected

    def test_a_forged_message_cannot_blank_the_keys_of_a_confirmed_context(self):
        v = Verifier(self.sts, self.options(revalidate_after=30, min_refresh_interval=1))
        c = self.client()
        v.verify(c.sign(b"request", AD), AD)
        cookie = bytes(c.token().cookie)
        for what, instance, forged_cookie in [
                ("an unknown instance and a forged cookie", "99", b"not a sealed cookie"),
                ("the current instance and a forged cookie", "1", b"not a sealed cookie"),
                ("a cookie over the STS's 4 KiB limit", "1", bytes(5000)),
                ("an unknown instance and a cookie over 4 KiB", "99", bytes(5000)),
                ("an unknown instance and no cookie", "99", b""),
                ("an unknown instance and the holder's cookie", "99", cookie)]:
            with self.subTest(what):
                self.clock.advance(1)  # never rate-limited
                self.fault(v, self.forged(c, instance, forged_cookie))
                v.verify(c.sign(b"request", AD), AD)
        # A revalidation a forged message sets off asks about the token that
        # produced the keys, not the forged message's cookie.
        self.clock.advance(31)
        self.fault(v, self.forged(c, "1", bytes(5000)))
        v.verify(c.sign(b"request", AD), AD)

    def test_replaying_an_old_authentic_token_cannot_drop_a_newer_instance(self):
        v = Verifier(self.sts, self.options())
        c = self.client()
        first = c.sign(b"request", AD)
        v.verify(first, AD)
        c.renew_now()
        v.verify(c.sign(b"request", AD), AD)
        for later in (1, 5 * 60 + 1):
            with self.subTest(later=later):
                self.clock.advance(later)
                replayed = ProtectedMessage()
                replayed.CopyFrom(first)
                replayed.created_unix_nanos = self.clock.now_ns()
                self.fault(v, replayed)
                v.verify(c.sign(b"request", AD), AD)

    def test_a_forged_cookie_cannot_poison_the_holders_first_message(self):
        v = Verifier(self.sts, self.options(negative_ttl=10, min_refresh_interval=1))
        c = self.client()
        forged = self.forged(c, "1", bytes(5000))
        self.assertEqual(self.fault(v, forged).fault, "wst:InvalidRequest")
        early = self.fault(v, c.sign(b"request", AD))
        self.assertEqual((early.code().name, early.fault), ("UNAVAILABLE", "wst:RequestFailed"))
        self.assertEqual(v.stats().validations, 1)
        self.clock.advance(1)
        v.verify(c.sign(b"request", AD), AD)
        self.assertEqual(v.stats().validations, 2)
        again = ProtectedMessage()
        again.CopyFrom(forged)
        again.created_unix_nanos = self.clock.now_ns()
        self.assertEqual(self.fault(v, again).fault, "wst:FailedAuthentication")
        self.assertEqual(v.stats().validations, 2)
        self.assertEqual(self.fault(v, self.forged(c, "2", bytes(5000))).fault,
                         "wst:InvalidRequest")
        self.assertEqual(v.stats().validations, 2)

    def test_new_forged_cookies_cost_the_sts_one_validate_per_context_per_interval(self):
        v = Verifier(self.sts, self.options(min_refresh_interval=1))
        c = self.client()
        v.verify(c.sign(b"request", AD), AD)
        for i in range(50):
            self.fault(v, self.forged(c, "7", f"forged cookie {i}".encode()))
        self.assertEqual(v.stats().validations, 2)
        self.clock.advance(1)
        self.fault(v, self.forged(c, "7", b"yet another"))
        self.assertEqual(v.stats().validations, 3)
        v.verify(c.sign(b"request", AD), AD)

    def test_messages_under_made_up_identifiers_cannot_evict_confirmed_contexts(self):
        v = Verifier(self.sts, self.options(max_contexts=3))
        c = self.client()
        v.verify(c.sign(b"request", AD), AD)
        for i in range(10):
            m = c.sign(b"request", AD)
            m.token.identifier = f"urn:uuid:99999999-0000-4000-8000-0000000000{10 + i}"
            self.fault(v, m)
        validations = v.stats().validations
        v.verify(c.sign(b"request", AD), AD)
        self.assertEqual(v.stats().validations, validations)
        self.assertLessEqual(v.stats().contexts, 6)

    def test_expired_contexts_need_renewal(self):
        v = Verifier(self.sts, self.options())
        c = self.client()
        self.clock.advance(3600)
        e = self.fault(v, self.with_keys(c.current_keys, 1))
        self.assertEqual((e.code().name, e.fault), ("FAILED_PRECONDITION", "wsc:RenewNeeded"))

    def test_no_keys_for_us_means_permission_denied(self):
        self.sts.release_keys = False
        v = Verifier(self.sts, self.options())
        e = self.fault(v, self.client().sign(b"request", AD))
        self.assertEqual((e.code().name, e.fault), ("PERMISSION_DENIED", "wst:RequestFailed"))

    def test_expected_audience_is_enforced(self):
        v = Verifier(self.sts, self.options(expected_audience="spiffe://test.example/other"))
        self.assertEqual(self.fault(v, self.client().sign(b"request", AD)).code().name,
                         "PERMISSION_DENIED")

    def test_keys_released_to_the_owner_are_refused_by_default(self):
        from sts_client.sts import KEYS_RELEASED_TO_OWNER, KEYS_RELEASED_TO_UNSPECIFIED
        c = self.client()
        self.sts.keys_released_to = KEYS_RELEASED_TO_OWNER
        e = self.fault(Verifier(self.sts, self.options()), c.sign(b"request", AD))
        self.assertEqual((e.code().name, e.fault), ("PERMISSION_DENIED", "wst:RequestFailed"))
        Verifier(self.sts, self.options(accept_owner_keys=True)).verify(c.sign(b"request", AD), AD)
        # An STS that does not say: trusted only with an explicit audience.
        self.sts.keys_released_to = KEYS_RELEASED_TO_UNSPECIFIED
        self.fault(Verifier(self.sts, self.options()), c.sign(b"request", AD))
        Verifier(self.sts, self.options(expected_audience=AUDIENCE)).verify(
            c.sign(b"request", AD), AD)

    def test_messages_are_bound_to_their_receiver(self):
        v = Verifier(self.sts, self.options())
        c = self.client()
        request = c.sign(b"request", AD)
        self.assertEqual(request.receiver, AUDIENCE)
        v.verify(request, AD)
        answer = v.sign(request.token, b"answer", AD)
        self.assertEqual(answer.receiver, "spiffe://test.example/client")
        c.verify(answer, AD)
        for addressed_to, fault in (("spiffe://test.example/billing", "wst:FailedAuthentication"),
                                    ("", "wst:InvalidRequest")):
            with self.subTest(addressed_to=addressed_to):
                other = SecurityContext.issue(
                    self.sts, AUDIENCE,
                    options=SecurityContextOptions(clock=self.clock, renewal=RenewalMode.MANUAL,
                                                   addressed_to=addressed_to))
                self.assertEqual(self.fault(v, other.sign(b"request", AD)).fault, fault)
        misdirected = v.sign(request.token, b"answer", AD)
        misdirected.receiver = "spiffe://test.example/someone-else"
        with self.assertRaises(StsError) as caught:
            c.verify(misdirected, AD)
        self.assertEqual(caught.exception.fault, "wst:FailedAuthentication")

    def test_cached_keys_outlive_an_sts_outage_but_new_contexts_do_not(self):
        v = Verifier(self.sts, self.options(revalidate_after=30, min_refresh_interval=1))
        known, unknown = self.client(), self.client()
        v.verify(known.sign(b"request", AD), AD)
        self.sts.fail_validate = StsError.refuse(Refusal.UNAVAILABLE, "STS down")
        self.clock.advance(31)
        for _ in range(10):
            v.verify(known.sign(b"request", AD), AD)
        self.assertEqual(self.fault(v, unknown.sign(b"request", AD)).code().name, "UNAVAILABLE")
        self.assertEqual(v.stats().validations, 3)  # one attempt per context
        self.sts.fail_validate = None
        self.clock.advance(1)
        v.verify(unknown.sign(b"request", AD), AD)

    def test_a_refusal_without_a_fault_is_not_permitted(self):
        import grpc
        self.sts.fail_validate = StsError(grpc.StatusCode.PERMISSION_DENIED, "", "policy says no")
        v = Verifier(self.sts, self.options())
        e = self.fault(v, self.client().sign(b"request", AD))
        self.assertEqual((e.code().name, e.fault), ("PERMISSION_DENIED", "wst:RequestFailed"))

    def test_the_cache_is_bounded(self):
        v = Verifier(self.sts, self.options(max_contexts=3))
        clients = [self.client() for _ in range(5)]
        for c in clients:
            v.verify(c.sign(b"request", AD), AD)
        self.assertEqual((v.stats().contexts, v.stats().evictions), (3, 2))
        v.verify(clients[4].sign(b"request", AD), AD)
        self.assertEqual(v.stats().validations, 5)
        v.verify(clients[0].sign(b"request", AD), AD)
        self.assertEqual(v.stats().validations, 6)
        v.forget(clients[0].identifier)
        self.assertEqual(v.stats().contexts, 2)

    def test_concurrent_misses_share_one_validate(self):
        v = Verifier(self.sts, self.options())
        c = self.client()
        messages = [c.sign(b"request", AD) for _ in range(64)]
        ok = []

        def work(start):
            for m in messages[start::4]:
                v.verify(m, AD)
                ok.append(1)
        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual((len(ok), v.stats().validations), (64, 1))

    def test_replays_and_stale_messages_are_refused(self):
        v = Verifier(self.sts, self.options())
        c = self.client()
        m = c.sign(b"request", AD)
        v.verify(m, AD)
        self.assertEqual(self.fault(v, m).fault, "wst:FailedAuthentication")
        held = c.sign(b"request", AD)
        self.clock.advance(6 * 60)
        self.assertEqual(self.fault(v, held).fault, "wst:ExpiredData")
        self.assertEqual(self.fault(v, c.sign(b"request", AD), "/other/Method").fault,
                         "wst:FailedAuthentication")


class StatelessVerifierTest(VerifierTest):
    """Every case again against the fake's cookie store."""

    STATELESS = True


if __name__ == "__main__":
    unittest.main()
