"""HKDF and P_SHA1: RFC 5869 vectors, the known answers of
docs/PROTECTED_MESSAGE.md section 7, P_SHA1 against an independent
implementation (cryptography's HMAC, written from RFC 2246 here), computed keys,
and the bounds a receiver enforces on DerivedKeyToken parameters."""

import os
import unittest

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from sts_client import SecretBytes, StsError
from sts_client.computed_key import CK_HKDF_SHA256, CK_PSHA1, compute_key
from sts_client.derivation import (DEFAULT_LABEL, MAX_STREAM_BYTES, Direction, PSha1Params,
                                   Purpose, derive_message_key, derive_psha1_key, hkdf_info,
                                   psha1_params_of)
from sts_client.kdf import PSHA1_MAX_OUTPUT, hkdf_sha256, p_sha1
from sts_client.proto import protected_message_pb2

CONTEXT_KEY = bytes(range(32))


def independent_p_sha1(secret, seed, length):
    """RFC 2246 section 5 with cryptography's HMAC (the package uses hashlib's)."""
    def mac(data):
        h = crypto_hmac.HMAC(secret, hashes.SHA1())
        h.update(data)
        return h.finalize()
    out, a = b"", seed
    while len(out) < length:
        a = mac(a)
        out += mac(a + seed)
    return out[:length]


class HkdfTest(unittest.TestCase):
    def test_rfc5869_case_1(self):
        ikm = bytes.fromhex("0b" * 22)
        salt = bytes.fromhex("000102030405060708090a0b0c")
        info = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9")
        self.assertEqual(hkdf_sha256(ikm, salt, info, 42).reveal().hex(),
                         "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                         "34007208d5b887185865")

    def test_rfc5869_case_3_empty_salt_means_zeros(self):
        ikm = bytes.fromhex("0b" * 22)
        expected = ("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                    "9d201395faa4b61a96c8")
        self.assertEqual(hkdf_sha256(ikm, b"", b"", 42).reveal().hex(), expected)
        self.assertEqual(hkdf_sha256(ikm, bytes(32), b"", 42).reveal().hex(), expected)

    def test_message_keys_known_answers(self):
        expected = {
            (Purpose.SIGN, Direction.CLIENT_TO_SERVER):
                "1a631bd4a2674ab4b62fe03400cc18981b19614ef5558e5b16c67d60ac1e7d94",
            (Purpose.SIGN, Direction.SERVER_TO_CLIENT):
                "dd75b308c6ce53d1ad9a6d6a1dc2239aa5f53e2fe301c6de370d911bb53ab7c5",
            (Purpose.ENCRYPT, Direction.CLIENT_TO_SERVER):
                "d13b454580b6d4236192ed93af58f15efd6169907e4258d4e6c1a699d02c3048",
            (Purpose.ENCRYPT, Direction.SERVER_TO_CLIENT):
                "8f479ecbca77580e7277d1e346ce2fbd0d1e009f136a6873cb819472cb5919a1",
        }
        for (purpose, direction), key in expected.items():
            with self.subTest(purpose=purpose, direction=direction):
                derived = derive_message_key(SecretBytes(CONTEXT_KEY), purpose, direction)
                self.assertIsInstance(derived, SecretBytes)
                self.assertEqual(derived.reveal().hex(), key)

    def test_info_strings(self):
        self.assertEqual(hkdf_info(Purpose.SIGN, Direction.CLIENT_TO_SERVER),
                         b"sts.v1 message sign client-to-server")
        self.assertEqual(hkdf_info(Purpose.ENCRYPT, Direction.SERVER_TO_CLIENT),
                         b"sts.v1 message encrypt server-to-client")

    def test_an_empty_context_key_is_refused(self):
        with self.assertRaises(StsError) as caught:
            derive_message_key(b"", Purpose.SIGN, Direction.CLIENT_TO_SERVER)
        self.assertEqual(caught.exception.fault, "wst:InvalidRequest")


class PSha1Test(unittest.TestCase):
    def test_against_an_independent_implementation(self):
        cases = [(b"secret", b"seed", 0, 20), (b"k", b"s", 0, 1),
                 (bytes(range(16)), bytes(range(0x40, 0x4d)), 0, 47),
                 (bytes(range(16)), bytes(range(0x40, 0x4d)), 7, 29),
                 (bytes(range(0xa0, 0xb4)), b"", 0, 40),
                 (bytes(range(100)), os.urandom(32), 0, 64),
                 (os.urandom(32), os.urandom(80), 1000, 33)]
        for secret, seed, start, length in cases:
            with self.subTest(secret=len(secret), seed=len(seed), start=start, length=length):
                self.assertEqual(p_sha1(secret, seed, start, length).reveal(),
                                 independent_p_sha1(secret, seed, start + length)[start:])

    def test_a_known_answer_of_the_c_plus_plus_vectors(self):
        # client/crypto/testdata/psha1_vectors.inc, "short_secret_short_seed".
        self.assertEqual(p_sha1(b"secret", b"seed", 0, 20).reveal().hex(),
                         "5d55432bdfe9b93a813acc932adf0f297815d1c8")

    def test_derived_key_token_known_answer(self):
        params = PSha1Params(nonce=bytes(range(0x10, 0x20)), generation=1, length=32)
        self.assertEqual(derive_psha1_key(CONTEXT_KEY, params).reveal().hex(),
                         "3fd6c3cb14cec8566ed95744a3c33ff6443cd39bc81fed9502222258b10b6e5f")
        # Generation g is offset g * length; the default label is WS-SC's.
        by_offset = PSha1Params(label=DEFAULT_LABEL, nonce=bytes(range(0x10, 0x20)), offset=32)
        self.assertEqual(derive_psha1_key(CONTEXT_KEY, by_offset).reveal().hex(),
                         "3fd6c3cb14cec8566ed95744a3c33ff6443cd39bc81fed9502222258b10b6e5f")

    def test_the_output_bound(self):
        self.assertEqual(len(p_sha1(b"k", b"s", PSHA1_MAX_OUTPUT - 16, 16)), 16)
        with self.assertRaises(ValueError):
            p_sha1(b"k", b"s", PSHA1_MAX_OUTPUT - 15, 16)

    def test_receivers_refuse_parameters_out_of_bounds(self):
        nonce = os.urandom(16)
        bad = [PSha1Params(nonce=os.urandom(15)), PSha1Params(nonce=os.urandom(129)),
               PSha1Params(nonce=nonce, label="x" * 257), PSha1Params(nonce=nonce, length=15),
               PSha1Params(nonce=nonce, length=65), PSha1Params(nonce=nonce, offset=1, generation=1),
               PSha1Params(nonce=nonce, generation=PSHA1_MAX_OUTPUT // 32),
               PSha1Params(nonce=nonce, offset=PSHA1_MAX_OUTPUT - 31),
               # start + length within the 4096 bytes WS-SC peers use
               PSha1Params(nonce=nonce, offset=4096 - 31),
               PSha1Params(nonce=nonce, generation=4096 // 32),
               PSha1Params(nonce=nonce, generation=4096 // 64, length=64)]
        for params in bad:
            with self.subTest(params=params), self.assertRaises(StsError) as caught:
                derive_psha1_key(CONTEXT_KEY, params)
            self.assertEqual(caught.exception.fault, "wst:InvalidRequest")
        self.assertEqual(len(derive_psha1_key(CONTEXT_KEY, PSha1Params(nonce=nonce, length=0))), 32)
        self.assertEqual(MAX_STREAM_BYTES, 4096)
        for params in [PSha1Params(nonce=nonce, offset=4096 - 32),
                       PSha1Params(nonce=nonce, generation=4096 // 32 - 1),
                       PSha1Params(nonce=nonce, offset=4096 - 16, length=16)]:
            with self.subTest(params=params):
                self.assertEqual(len(derive_psha1_key(CONTEXT_KEY, params)), params.length)

    def test_params_from_a_key_derivation(self):
        d = protected_message_pb2.KeyDerivation(
            algorithm="http://schemas.xmlsoap.org/ws/2005/02/sc/dk/p_sha1", label="l",
            nonce=bytes(16), generation=3, length=16)
        self.assertEqual(psha1_params_of(d), PSha1Params("l", bytes(16), 0, 3, 16))
        d.algorithm = "urn:sts:v1:dk:hkdf-sha256"
        with self.assertRaises(StsError):
            psha1_params_of(d)


class ComputedKeyTest(unittest.TestCase):
    def test_ck_psha1_is_p_sha1_of_both_entropies(self):
        requestor, issuer = os.urandom(32), os.urandom(32)
        self.assertEqual(compute_key(CK_PSHA1, requestor, issuer, 32).reveal(),
                         independent_p_sha1(requestor, issuer, 32))

    def test_hkdf_variant(self):
        requestor, issuer = os.urandom(32), os.urandom(32)
        self.assertEqual(compute_key(CK_HKDF_SHA256, requestor, issuer, 16).reveal(),
                         hkdf_sha256(requestor, issuer, b"sts.v1 computed key", 16).reveal())

    def test_unknown_algorithms_are_refused(self):
        with self.assertRaises(StsError) as caught:
            compute_key("urn:other", b"a" * 32, b"b" * 32, 32)
        self.assertEqual(caught.exception.fault, "wst:InvalidRequest")


if __name__ == "__main__":
    unittest.main()
