"""Proof of possession (docs/PROOF_OF_POSSESSION.md). The page has no worked
example, so the known answer below was computed by the C++ library
(wire::DeriveProofKey, wire::CanonicalProofInput and HMAC-SHA256, through
`interop_peer proof`); //tests/python:python_cpp_interop_test recomputes it,
and checks random proofs both ways, on every run."""

import hashlib
import hmac
import struct
import unittest

from sts_client import proof
from sts_client.proto import sts_pb2

KEY = bytes(range(32))
IDENTIFIER = "urn:uuid:00000000-0000-4000-8000-000000000000"
NONCE = bytes(range(0x10, 0x20))
CREATED_NS = 1_700_000_000 * 10**9 + 5
# RenewRequest{renew_target{identifier}, lifetime{seconds: 1800}}, proof by KEY
# of instance "1" at CREATED_NS with NONCE.
KNOWN_DIGEST = "4e15bc4f490a71448722b3624a291cee75ed9de80ea48d2c1ddffebd46d9c514"
KNOWN_MAC = "b3d1e9bcae6b60344d2cbeaa81015dfd9d5480df666ee4d2cde99ab1ebde7eea"


def renew_request():
    request = sts_pb2.RenewRequest()
    request.renew_target.identifier = IDENTIFIER
    request.lifetime.seconds = 1800
    return request


class ProofTest(unittest.TestCase):
    def test_the_known_answer(self):
        request = proof.attach_proof(renew_request(), proof.RENEW_METHOD, IDENTIFIER, "1", KEY,
                                     CREATED_NS, nonce=NONCE)
        self.assertEqual(proof.request_digest(request).hex(), KNOWN_DIGEST)
        self.assertEqual(request.proof.mac.hex(), KNOWN_MAC)
        self.assertEqual((request.proof.instance, request.proof.created.seconds,
                          request.proof.created.nanos, request.proof.nonce),
                         ("1", 1_700_000_000, 5, NONCE))

    def test_the_canonical_input_field_by_field(self):
        request = proof.attach_proof(renew_request(), proof.CANCEL_METHOD, IDENTIFIER, "12", KEY,
                                     CREATED_NS, nonce=NONCE)
        digest = proof.request_digest(request)

        def field(b):
            return struct.pack(">I", len(b)) + b
        expected = (field(b"sts.v1.ProofOfPossession")
                    + field(b"/sts.v1.SecurityTokenService/Cancel") + field(IDENTIFIER.encode())
                    + field(b"12") + struct.pack(">qi", 1_700_000_000, 5) + field(NONCE) + digest)
        self.assertEqual(proof.canonical_input(proof.CANCEL_METHOD, IDENTIFIER, request.proof,
                                               digest), expected)
        proof_key = hmac.new(bytes(32), KEY, hashlib.sha256).digest()  # HKDF extract
        proof_key = hmac.new(proof_key, b"sts.v1 proof-of-possession\x01",
                             hashlib.sha256).digest()  # expand, one block
        self.assertEqual(request.proof.mac, hmac.new(proof_key, expected, hashlib.sha256).digest())

    def test_the_digest_ignores_the_proof_and_only_it(self):
        a = proof.attach_proof(renew_request(), proof.RENEW_METHOD, IDENTIFIER, "1", KEY,
                               CREATED_NS)
        self.assertEqual(proof.request_digest(a), proof.request_digest(renew_request()))
        changed = renew_request()
        changed.lifetime.seconds = 1801
        self.assertNotEqual(proof.request_digest(changed), proof.request_digest(renew_request()))

    def test_fresh_nonces_and_matching(self):
        a = proof.attach_proof(renew_request(), proof.RENEW_METHOD, IDENTIFIER, "1", KEY, CREATED_NS)
        b = proof.attach_proof(renew_request(), proof.RENEW_METHOD, IDENTIFIER, "1", KEY, CREATED_NS)
        self.assertEqual(len(a.proof.nonce), 16)
        self.assertNotEqual(a.proof.nonce, b.proof.nonce)
        self.assertTrue(proof.proof_matches(a, proof.RENEW_METHOD, IDENTIFIER, KEY))
        self.assertFalse(proof.proof_matches(a, proof.CANCEL_METHOD, IDENTIFIER, KEY))
        self.assertFalse(proof.proof_matches(a, proof.RENEW_METHOD, IDENTIFIER, bytes(32)))
        a.lifetime.seconds = 1
        self.assertFalse(proof.proof_matches(a, proof.RENEW_METHOD, IDENTIFIER, KEY))
        b.proof.mac = b.proof.mac[:16]
        self.assertFalse(proof.proof_matches(b, proof.RENEW_METHOD, IDENTIFIER, KEY))


if __name__ == "__main__":
    unittest.main()
