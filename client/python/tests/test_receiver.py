"""The receiver's checks in their order, and the replay window
(docs/PROTECTED_MESSAGE.md section 5), on a fake clock."""

import threading
import unittest

from sts_client import FakeClock, ReceiverOptions, StsError
from sts_client.derivation import Direction
from sts_client.errors import Refusal
from sts_client.instance_keys import ContextInfo, InstanceKeys
from sts_client.message import SEAL, SIGN, ProtectedMessage, fill_header, seal_in_place, sign_in_place
from sts_client.receiver import KeyResolver, Receiver
from sts_client.replay import ACCEPTED, REPLAYED, TOO_OLD, ReplayGuard, SequenceWindow
from sts_client.derivation import P_SHA1, DerivationOptions

IDENTIFIER = "urn:uuid:11111111-0000-4000-8000-000000000000"
AD = b"/example.v1.Inventory/Reserve"
C2S, S2C = Direction.CLIENT_TO_SERVER, Direction.SERVER_TO_CLIENT


class Resolver(KeyResolver):
    """Serves `keys`; `refusal` makes resolve refuse; `fresher` is what refresh gives."""

    def __init__(self, keys):
        self.keys = keys
        self.refusal = None
        self.fresher = None
        self.refreshes = 0

    def resolve(self, token, now_ns):
        if self.refusal is not None:
            raise self.refusal
        if token.identifier != IDENTIFIER:
            raise StsError.refuse(Refusal.UNKNOWN_CONTEXT, "unknown")
        return self.keys

    def refresh(self, token, now_ns):
        self.refreshes += 1
        if isinstance(self.fresher, StsError):
            raise self.fresher
        return self.fresher


class ReceiverTest(unittest.TestCase):
    def setUp(self):
        self.clock = FakeClock()
        self.keys = InstanceKeys(ContextInfo(IDENTIFIER, principal="p"), "1", b"k" * 32)
        self.resolver = Resolver(self.keys)
        self.receiver = Receiver(self.resolver, self.clock)
        self.sequence = 100

    def make(self, protection=SIGN, payload=b"payload", keys=None, direction=C2S, created=None):
        keys = keys or self.keys
        self.sequence += 1
        m = ProtectedMessage(payload=payload)
        fill_header(keys, DerivationOptions(), protection, direction, self.sequence,
                    self.clock.now_ns() if created is None else created, m)
        (seal_in_place if protection == SEAL else sign_in_place)(keys, m, AD)
        return m


    def test_psha1_keys_are_refused_unless_the_receiver_opts_in(self):
        for protection in (SIGN, SEAL):
            with self.subTest(protection=protection):
                self.sequence += 1
                m = ProtectedMessage(payload=b"p")
                fill_header(self.keys, DerivationOptions(algorithm=P_SHA1), protection, C2S,
                            self.sequence, self.clock.now_ns(), m)
                (seal_in_place if protection == SEAL else sign_in_place)(self.keys, m, AD)
                with self.assertRaises(StsError) as caught:
                    (self.receiver.open if protection == SEAL else self.receiver.verify)(m, AD, C2S)
                self.assertEqual(caught.exception.fault, "wst:InvalidRequest")
                self.assertIn("P_SHA1", caught.exception.reason)
                opted_in = Receiver(self.resolver, self.clock, ReceiverOptions(accept_psha1=True))
                (opted_in.open if protection == SEAL else opted_in.verify)(m, AD, C2S)

    def test_a_message_is_for_the_receiver_its_context_names(self):
        keys = InstanceKeys(ContextInfo(IDENTIFIER, b"", "spiffe://client", "spiffe://rp"), "1",
                            b"k" * 32)
        self.resolver.keys = keys
        self.assertEqual(self.make(keys=keys).receiver, "spiffe://rp")
        self.receiver.verify(self.make(keys=keys), AD, C2S)
        self.receiver.verify(self.make(keys=keys, direction=S2C), AD, S2C)
        for receiver, fault in (("spiffe://billing", "wst:FailedAuthentication"),
                                ("", "wst:InvalidRequest")):
            with self.subTest(receiver=receiver):
                self.sequence += 1
                m = ProtectedMessage(payload=b"p")
                fill_header(keys, DerivationOptions(), SIGN, C2S, self.sequence,
                            self.clock.now_ns(), m, receiver)
                sign_in_place(keys, m, AD)
                with self.assertRaises(StsError) as caught:
                    self.receiver.verify(m, AD, C2S)
                self.assertEqual(caught.exception.fault, fault)
        self.sequence += 1
        unaddressed = ProtectedMessage(payload=b"p")
        fill_header(keys, DerivationOptions(), SIGN, C2S, self.sequence, self.clock.now_ns(),
                    unaddressed, "")
        sign_in_place(keys, unaddressed, AD)
        Receiver(self.resolver, self.clock, ReceiverOptions(require_receiver=False)).verify(
            unaddressed, AD, C2S)
    def fault(self, call, *args):
        with self.assertRaises(StsError) as caught:
            call(*args)
        return caught.exception.fault

    def test_verify_and_open_return_the_sender(self):
        self.assertIs(self.receiver.verify(self.make(), AD, C2S), self.keys)
        keys, plaintext = self.receiver.open(self.make(SEAL, b"secret"), AD, C2S)
        self.assertEqual((keys.info.principal, plaintext), ("p", b"secret"))

    def test_replays_are_refused_once_accepted(self):
        m = self.make()
        self.receiver.verify(m, AD, C2S)
        self.assertEqual(self.fault(self.receiver.verify, m, AD, C2S), "wst:FailedAuthentication")
        # The other direction has its own window.
        answer = self.make(direction=S2C)
        answer.sequence = m.sequence
        sign_in_place(self.keys, answer, AD)
        self.receiver.verify(answer, AD, S2C)

    def test_a_forged_message_does_not_move_the_window(self):
        forged = self.make()
        forged.tag = bytes(32)
        self.fault(self.receiver.verify, forged, AD, C2S)
        genuine = self.make()
        genuine.sequence = forged.sequence
        sign_in_place(self.keys, genuine, AD)
        self.receiver.verify(genuine, AD, C2S)

    def test_timestamps_outside_the_window_are_refused_either_way(self):
        now = self.clock.now_ns()
        window = 300 * 10**9
        for created, fault in ((now - window, None), (now + window, None),
                               (now - window - 1, "wst:ExpiredData"),
                               (now + window + 1, "wst:ExpiredData")):
            with self.subTest(offset=created - now):
                m = self.make(created=created)
                if fault is None:
                    self.receiver.verify(m, AD, C2S)
                else:
                    self.assertEqual(self.fault(self.receiver.verify, m, AD, C2S), fault)
        narrow = Receiver(self.resolver, self.clock, ReceiverOptions(timestamp_window=1.0))
        self.assertEqual(self.fault(narrow.verify, self.make(created=now - 2 * 10**9), AD, C2S),
                         "wst:ExpiredData")

    def test_the_order_of_checks(self):
        # A stale message with a wrong tag under an unknown context is refused
        # for its shape first, then for its time, then for its context.
        m = self.make(created=self.clock.now_ns() - 10**12)
        m.token.identifier = "urn:uuid:unknown"
        m.tag = bytes(32)
        m.direction = 2
        self.assertEqual(self.fault(self.receiver.verify, m, AD, C2S), "wst:InvalidRequest")
        m.direction = 1
        self.assertEqual(self.fault(self.receiver.verify, m, AD, C2S), "wst:ExpiredData")
        m.created_unix_nanos = self.clock.now_ns()
        self.assertEqual(self.fault(self.receiver.verify, m, AD, C2S), "wsc:BadContextToken")
        m.token.identifier = IDENTIFIER
        self.assertEqual(self.fault(self.receiver.verify, m, AD, C2S), "wst:FailedAuthentication")

    def test_wrong_direction_and_protection(self):
        self.assertEqual(self.fault(self.receiver.verify, self.make(direction=S2C), AD, C2S),
                         "wst:InvalidRequest")
        self.assertEqual(self.fault(self.receiver.verify, self.make(SEAL), AD, C2S),
                         "wst:InvalidRequest")
        self.assertEqual(self.fault(self.receiver.open, self.make(SIGN), AD, C2S),
                         "wst:InvalidRequest")

    def test_the_resolvers_refusals_pass_through(self):
        for kind in (Refusal.CANCELLED_CONTEXT, Refusal.RENEW_NEEDED, Refusal.UNKNOWN_KEY_INSTANCE):
            self.resolver.refusal = StsError.refuse(kind, "no")
            self.assertEqual(self.fault(self.receiver.verify, self.make(), AD, C2S), kind.fault)

    def test_a_wrong_key_is_refused_after_one_refresh(self):
        other = InstanceKeys(ContextInfo(IDENTIFIER), "1", b"o" * 32)
        m = self.make(keys=other)
        self.assertEqual(self.fault(self.receiver.verify, m, AD, C2S), "wst:FailedAuthentication")
        self.assertEqual(self.resolver.refreshes, 1)

    def test_a_refresh_with_new_keys_gives_one_second_chance(self):
        rekeyed = InstanceKeys(ContextInfo(IDENTIFIER, principal="q"), "1", b"n" * 32)
        self.resolver.fresher = rekeyed
        self.assertIs(self.receiver.verify(self.make(keys=rekeyed), AD, C2S), rekeyed)

    def test_a_refresh_that_finds_the_context_cancelled_refuses(self):
        self.resolver.fresher = StsError.refuse(Refusal.CANCELLED_CONTEXT, "cancelled")
        m = self.make(keys=InstanceKeys(ContextInfo(IDENTIFIER), "1", b"o" * 32))
        self.assertEqual(self.fault(self.receiver.verify, m, AD, C2S), "wst:InvalidSecurityToken")

    def test_a_replayed_sealed_message_releases_no_plaintext(self):
        m = self.make(SEAL, b"secret")
        self.receiver.open(m, AD, C2S)
        with self.assertRaises(StsError) as caught:
            self.receiver.open(m, AD, C2S)
        self.assertNotIn("secret", str(caught.exception))

    def test_concurrent_receivers_accept_each_message_exactly_once(self):
        messages = [self.make() for _ in range(200)]
        accepted = []
        lock = threading.Lock()

        def work():
            for m in messages:
                try:
                    self.receiver.verify(m, AD, C2S)
                    with lock:
                        accepted.append(m.sequence)
                except StsError:
                    pass
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(accepted), sorted(m.sequence for m in messages))


class SequenceWindowTest(unittest.TestCase):
    def test_each_number_once_in_any_order_inside_the_window(self):
        w = SequenceWindow()
        for s in (5000, 4000, 4999, 3977):
            self.assertEqual(w.accept(s), ACCEPTED)
        for s in (5000, 4000, 4999, 3977):
            self.assertEqual(w.accept(s), REPLAYED)

    def test_below_the_window_is_refused(self):
        size = SequenceWindow.SIZE
        self.assertEqual(size, 4096)  # the C++ receiver's, and the spec's
        w = SequenceWindow()
        w.accept(50000)
        self.assertEqual(w.accept(50000 - size + 1), ACCEPTED)
        self.assertEqual(w.accept(50000 - size), TOO_OLD)

    def test_sliding_forgets_only_what_left_the_window(self):
        size = SequenceWindow.SIZE
        w = SequenceWindow()
        w.accept(10)
        self.assertEqual(w.accept(10 + size - 1), ACCEPTED)
        self.assertEqual(w.accept(10), REPLAYED)  # still inside
        self.assertEqual(w.accept(11), ACCEPTED)  # never seen
        self.assertEqual(w.accept(10 + size), ACCEPTED)
        self.assertEqual(w.accept(10), TOO_OLD)
        self.assertEqual(w.accept(10 + size + 1 + 5000), ACCEPTED)  # a jump clears it all
        self.assertEqual(w.accept(10 + size + 1 + 5000 - 1), ACCEPTED)

    def test_zero_and_the_largest_number(self):
        w = SequenceWindow()
        self.assertEqual(w.accept(0), ACCEPTED)
        self.assertEqual(w.accept(0), REPLAYED)
        self.assertEqual(w.accept((1 << 64) - 1), ACCEPTED)
        self.assertEqual(w.accept(0), TOO_OLD)


class ReplayGuardTest(unittest.TestCase):
    def test_contexts_and_directions_are_independent(self):
        g = ReplayGuard(300 * 10**9, 100)
        g.accept("a", C2S, 1, 0)
        g.accept("a", S2C, 1, 0)
        g.accept("b", C2S, 1, 0)
        with self.assertRaises(StsError) as caught:
            g.accept("a", C2S, 1, 0)
        self.assertIn("replayed", caught.exception.reason)

    def test_bounded_and_forgets_only_idle_contexts(self):
        window = 300 * 10**9
        g = ReplayGuard(window, 2)
        g.accept("a", C2S, 1, 0)
        g.accept("b", C2S, 1, 0)
        with self.assertRaises(StsError) as caught:
            g.accept("c", C2S, 1, 2 * window)  # a and b idle exactly 2 windows: live
        self.assertEqual(caught.exception.code().name, "RESOURCE_EXHAUSTED")
        self.assertEqual(caught.exception.fault, "wst:RequestFailed")
        g.accept("c", C2S, 1, 2 * window + 1)
        self.assertEqual(len(g), 1)


if __name__ == "__main__":
    unittest.main()
