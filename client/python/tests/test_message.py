"""The canonical header, sign/seal and the shape checks
(docs/PROTECTED_MESSAGE.md sections 3-5 and its known answer)."""

import contextlib
import os
import struct
import unittest

from sts_client import StsError
from sts_client.derivation import P_SHA1, DerivationOptions, Direction
from sts_client.instance_keys import ContextInfo, InstanceKeys
from sts_client.message import (SEAL, SIGN, ProtectedMessage, canonical_header, check_shape,
                                check_tag, fill_header, open_payload, parse, seal_in_place,
                                sign_in_place)

KEY = bytes(range(32))
IDENTIFIER = "urn:uuid:00000000-0000-4000-8000-000000000000"
AD = "/example.v1.Inventory/Reserve"
C2S = Direction.CLIENT_TO_SERVER


@contextlib.contextmanager
def quiet_stderr():
    saved = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def field(data):
    return struct.pack(">I", len(data)) + data


def keys(instance="1", cookie=b"", key=KEY):
    return InstanceKeys(ContextInfo(IDENTIFIER, cookie), instance, key)


def message(k, protection=SIGN, payload=b"hello", derivation=DerivationOptions(), sequence=7,
            created=1700000000000000005, direction=C2S):
    m = ProtectedMessage()
    m.payload = payload
    fill_header(k, derivation, protection, direction, sequence, created, m)
    (seal_in_place if protection == SEAL else sign_in_place)(k, m, AD)
    return m


class HeaderTest(unittest.TestCase):
    def test_the_documented_known_answer(self):
        self.assertEqual(message(keys()).tag.hex(),
                         "f6f6095fbfe9ae8edd8b21fd1b5f5323bce2d63b89bf3caf2ae13b733f50a651")

    def test_the_known_answer_with_a_receiver(self):
        # docs/PROTECTED_MESSAGE.md section 7: Bytes(receiver) follows Bytes(A).
        m = ProtectedMessage(payload=b"hello")
        fill_header(keys(), DerivationOptions(), SIGN, C2S, 7, 1700000000000000005, m,
                    "spiffe://example.org/inventory")
        sign_in_place(keys(), m, AD)
        self.assertEqual(m.tag.hex(),
                         "e436ac9e4e5b9f280f7b00e3b1c83983eabeb5d84b33a09bd83b78e1d120cb3c")
        self.assertTrue(canonical_header(m, AD).endswith(field(b"spiffe://example.org/inventory")))
        for other in ("spiffe://example.org/billing", ""):
            with self.subTest(other=other):
                changed = ProtectedMessage()
                changed.CopyFrom(m)
                changed.receiver = other
                with self.assertRaises(StsError) as caught:
                    check_tag(keys(), changed, AD)
                self.assertEqual(caught.exception.fault, "wst:FailedAuthentication")
        # By default a message names the party its context says it is for.
        audience = InstanceKeys(ContextInfo(IDENTIFIER, b"", "spiffe://c", "spiffe://a"), "1", KEY)
        self.assertEqual(message(audience).receiver, "spiffe://a")
        self.assertEqual(message(audience, direction=Direction.SERVER_TO_CLIENT).receiver,
                         "spiffe://c")

    def test_every_field_in_its_place(self):
        m = ProtectedMessage(protection=SEAL, direction=2, sequence=(1 << 64) - 1,
                             created_unix_nanos=-5, aead_nonce=b"n" * 12)
        m.token.identifier, m.token.instance, m.token.cookie = "urn:uuid:x", "12", b"\x00cookie"
        m.derivation.algorithm, m.derivation.label, m.derivation.nonce = P_SHA1, "lab", b"N" * 16
        m.derivation.generation, m.derivation.length = 9, 32
        expected = (field(b"sts.v1.ProtectedMessage") + struct.pack(">II", 2, 2)
                    + field(b"urn:uuid:x") + field(b"12") + field(b"\x00cookie")
                    + field(P_SHA1.encode()) + field(b"lab") + field(b"N" * 16)
                    + struct.pack(">IQI", 2, 9, 32) + struct.pack(">Qq", (1 << 64) - 1, -5)
                    + field(b"n" * 12) + field(b"/a/B"))
        self.assertEqual(canonical_header(m, "/a/B"), expected)
        self.assertEqual(canonical_header(m, b"/a/B"), expected)
        m.derivation.offset = 4  # the oneof: offset replaces generation
        self.assertIn(struct.pack(">IQI", 1, 4, 32), canonical_header(m, ""))
        m.derivation.ClearField("offset")
        self.assertIn(struct.pack(">IQI", 0, 0, 32), canonical_header(m, ""))

    def test_every_field_but_payload_and_tag_changes_the_header(self):
        base = message(keys())
        header = canonical_header(base, AD)
        changes = [("token.identifier", "urn:uuid:other"), ("token.instance", "2"),
                   ("token.cookie", b"c"), ("derivation.algorithm", "x"),
                   ("derivation.label", "l"), ("derivation.nonce", b"n"),
                   ("derivation.offset", 0), ("derivation.generation", 0),
                   ("derivation.length", 31), ("protection", 2), ("direction", 2),
                   ("sequence", 8), ("created_unix_nanos", 1), ("aead_nonce", b"x")]
        for path, value in changes:
            with self.subTest(field=path):
                m = ProtectedMessage()
                m.CopyFrom(base)
                target = m
                *parents, name = path.split(".")
                for p in parents:
                    target = getattr(target, p)
                setattr(target, name, value)
                self.assertNotEqual(canonical_header(m, AD), header)
        self.assertNotEqual(canonical_header(base, AD + "x"), header)


class SignSealTest(unittest.TestCase):
    def test_sign_then_check(self):
        k = keys()
        m = message(k)
        check_tag(k, m, AD)
        self.assertEqual(m.aead_nonce, b"")
        for bad_ad in ("", "/other/Method"):
            with self.assertRaises(StsError) as caught:
                check_tag(k, m, bad_ad)
            self.assertEqual(caught.exception.fault, "wst:FailedAuthentication")
        with self.assertRaises(StsError):
            check_tag(keys(key=os.urandom(32)), m, AD)

    def test_seal_then_open(self):
        k = keys()
        plaintext = os.urandom(1000)
        m = message(k, SEAL, plaintext)
        self.assertEqual((len(m.aead_nonce), len(m.tag), len(m.payload)), (12, 16, 1000))
        self.assertNotEqual(m.payload, plaintext)
        self.assertEqual(open_payload(k, m, AD), plaintext)
        m.sequence += 1
        with self.assertRaises(StsError) as caught:
            open_payload(k, m, AD)
        self.assertEqual(caught.exception.fault, "wst:FailedAuthentication")

    def test_psha1_sign_and_seal(self):
        k = keys()
        for protection in (SIGN, SEAL):
            derivation = DerivationOptions(algorithm=P_SHA1, generation=2, label="custom")
            m = message(k, protection, b"payload", derivation)
            self.assertEqual(m.derivation.algorithm, P_SHA1)
            self.assertEqual(m.derivation.generation, 2)
            self.assertEqual(len(m.derivation.nonce), 16)
            check_shape(m)
            if protection == SIGN:
                check_tag(k, m, AD)
            else:
                self.assertEqual(open_payload(k, m, AD), b"payload")

    def test_every_single_bit_flip_is_refused(self):
        k = keys()
        data = message(k).SerializeToString()
        accepted = []
        with quiet_stderr():  # protobuf logs each invalid UTF-8 string it refuses
            self._flip_all(k, data, accepted)
        self.assertEqual(accepted, [])

    def _flip_all(self, k, data, accepted):
        for i in range(len(data) * 8):
            flipped = bytearray(data)
            flipped[i // 8] ^= 1 << (i % 8)
            try:
                m = parse(bytes(flipped))
                check_shape(m)
                if m.protection == SEAL:
                    open_payload(k, m, AD)
                else:
                    check_tag(k, m, AD)
                accepted.append(i)
            except StsError:
                pass


class ShapeTest(unittest.TestCase):
    def refused(self, mutate, fault="wst:InvalidRequest", protection=SIGN):
        m = message(keys(), protection)
        mutate(m)
        with self.assertRaises(StsError) as caught:
            check_shape(m)
        self.assertEqual(caught.exception.fault, fault)
        self.assertNotIn(KEY.hex(), str(caught.exception))

    def test_refusals(self):
        cases = {
            "no identifier": lambda m: setattr(m.token, "identifier", ""),
            "long identifier": lambda m: setattr(m.token, "identifier", "u" * 1025),
            "no instance": lambda m: setattr(m.token, "instance", ""),
            "long instance": lambda m: setattr(m.token, "instance", "1" * 65),
            "wsu_id": lambda m: setattr(m.token, "wsu_id", "#x"),
            "long cookie": lambda m: setattr(m.token, "cookie", bytes(16 * 1024 + 1)),
            "direction": lambda m: setattr(m, "direction", 3),
            "protection": lambda m: setattr(m, "protection", 0),
            "algorithm": lambda m: setattr(m.derivation, "algorithm", "urn:other"),
            "hkdf label": lambda m: setattr(m.derivation, "label", "l"),
            "hkdf nonce": lambda m: setattr(m.derivation, "nonce", bytes(16)),
            "hkdf generation": lambda m: setattr(m.derivation, "generation", 1),
            "hkdf length": lambda m: setattr(m.derivation, "length", 16),
            "nonce on sign": lambda m: setattr(m, "aead_nonce", bytes(12)),
            "unknown field": lambda m: m.MergeFromString(b"\x78\x01"),
            "unknown token field": lambda m: m.token.MergeFromString(b"\x78\x01"),
        }
        for name, mutate in cases.items():
            with self.subTest(name):
                self.refused(mutate)

    def test_truncated_tags_fail_authentication(self):
        self.refused(lambda m: setattr(m, "tag", m.tag[:16]), "wst:FailedAuthentication")
        self.refused(lambda m: setattr(m, "tag", m.tag[:8]), "wst:FailedAuthentication", SEAL)

    def test_over_long_tags_are_malformed(self):
        self.refused(lambda m: setattr(m, "tag", m.tag + b"\0"))
        self.refused(lambda m: setattr(m, "tag", m.tag + b"\0"), protection=SEAL)

    def test_sealed_shape(self):
        self.refused(lambda m: setattr(m, "aead_nonce", bytes(11)), protection=SEAL)

    def test_garbage_does_not_parse(self):
        with self.assertRaises(StsError) as caught:
            parse(b"\xff\xff\xff")
        self.assertEqual(caught.exception.fault, "wst:InvalidRequest")


if __name__ == "__main__":
    unittest.main()
