#!/usr/bin/python3
"""An independent check of protected messages: Debian's Python (hmac, hashlib,
python3-cryptography for AES-GCM) recomputes the message keys and checks the
tags of messages made by the C++ library (through `stsctl sign` / `seal`),
and makes its own that the C++ side must accept (`stsctl verify` / `open`),
from docs/PROTECTED_MESSAGE.md alone: nothing of the C++ code is shared.

Run by Bazel as an sh_test (this file is the executable); no STS is needed:
the SCT is a state file written here, as `stsctl issue` would leave it.
"""

import hashlib
import hmac
import os
import struct
import subprocess
import sys
import tempfile
import time
import unittest

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RUNFILES = os.path.join(os.environ.get("TEST_SRCDIR", "."), "sts")
TMP = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
STSCTL = os.path.join(RUNFILES, "client/stsctl/stsctl")


def generate_stubs():
    out = os.path.join(TMP, "gen")
    os.makedirs(out)
    subprocess.run(["/usr/bin/protoc", "-I", os.path.join(RUNFILES, "proto"),
                    "--python_out=" + out, "sts/v1/token.proto", "sts/v1/proof.proto",
                    "sts/v1/sts.proto", "sts/v1/protected_message.proto"], check=True)
    sys.path.insert(0, out)


generate_stubs()
from sts.v1 import protected_message_pb2, sts_pb2  # noqa: E402

SIGN, SEAL = 1, 2
C2S, S2C = 1, 2
HKDF = "urn:sts:v1:dk:hkdf-sha256"
PSHA1 = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk/p_sha1"
DEFAULT_LABEL = b"WS-SecureConversationWS-SecureConversation"


# --- docs/PROTECTED_MESSAGE.md, implemented here ---------------------------------

def hkdf_sha256(ikm, salt, info, length):
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def p_sha1(secret, seed, length):
    out, a = b"", seed
    while len(out) < length:
        a = hmac.new(secret, a, hashlib.sha1).digest()
        out += hmac.new(secret, a + seed, hashlib.sha1).digest()
    return out[:length]


def field(data):
    return struct.pack(">I", len(data)) + data


def message_key(context_key, m):
    """Section 2."""
    d = m.derivation
    if d.algorithm == HKDF:
        purpose = "sign" if m.protection == SIGN else "encrypt"
        direction = "client-to-server" if m.direction == C2S else "server-to-client"
        info = f"sts.v1 message {purpose} {direction}".encode()
        return hkdf_sha256(context_key, b"", info, 32)
    assert d.algorithm == PSHA1, d.algorithm
    label = d.label.encode() or DEFAULT_LABEL
    length = d.length or 32
    which = d.WhichOneof("start")
    start = d.offset if which == "offset" else d.generation * length if which == "generation" else 0
    return p_sha1(context_key, label + d.nonce, start + length)[start:]


def header(m, associated_data):
    """Section 3 (field 17, the receiver, only when the message names one)."""
    d = m.derivation
    which = d.WhichOneof("start")
    kind, value = {"offset": (1, d.offset), "generation": (2, d.generation)}.get(which, (0, 0))
    return (field(b"sts.v1.ProtectedMessage") + struct.pack(">II", m.protection, m.direction)
            + field(m.token.identifier.encode()) + field(m.token.instance.encode())
            + field(m.token.cookie) + field(d.algorithm.encode()) + field(d.label.encode())
            + field(d.nonce) + struct.pack(">IQI", kind, value, d.length)
            + struct.pack(">Qq", m.sequence, m.created_unix_nanos)
            + field(m.aead_nonce) + field(associated_data)
            + (field(m.receiver.encode()) if m.receiver else b""))


def verify(context_key, m, associated_data):
    """Section 4, SIGN: true if the tag authenticates."""
    key = message_key(context_key, m)
    tag = hmac.new(key, header(m, associated_data) + field(m.payload), hashlib.sha256).digest()
    return len(m.tag) == 32 and hmac.compare_digest(tag, m.tag)


def open_sealed(context_key, m, associated_data):
    """Section 4, SEAL: the plaintext (raises if it does not authenticate)."""
    key = message_key(context_key, m)
    return AESGCM(key).decrypt(m.aead_nonce, m.payload + m.tag, header(m, associated_data))


PRINCIPAL = "spiffe://test.example/client"
APPLIES_TO = "spiffe://test.example/relying-party"


def make(context_key, identifier, instance, protection, payload, associated_data,
         direction=C2S, psha1=None, sequence=None, created=None, cookie=b"", receiver=None):
    """A message made from the document, for the C++ side to accept. Section
    1: it names its receiver, the audience (C2S) or the holder (S2C)."""
    m = protected_message_pb2.ProtectedMessage()
    m.receiver = (APPLIES_TO if direction == C2S else PRINCIPAL) if receiver is None else receiver
    m.token.identifier = identifier
    m.token.instance = instance
    m.token.cookie = cookie
    if psha1 is None:
        m.derivation.algorithm = HKDF
        m.derivation.length = 32
    else:
        m.derivation.algorithm = PSHA1
        m.derivation.nonce = os.urandom(16)
        m.derivation.length = 32
        for name, value in psha1.items():
            setattr(m.derivation, name, value)
    m.protection = protection
    m.direction = direction
    m.sequence = sequence if sequence is not None else int(time.time() * 1e6)
    m.created_unix_nanos = time.time_ns() if created is None else int(created * 1e9)
    if protection == SIGN:
        m.payload = payload
        m.tag = hmac.new(message_key(context_key, m), header(m, associated_data) + field(payload),
                         hashlib.sha256).digest()
    else:
        m.aead_nonce = os.urandom(12)
        sealed = AESGCM(message_key(context_key, m)).encrypt(
            m.aead_nonce, payload, header(m, associated_data))
        m.payload, m.tag = sealed[:-16], sealed[-16:]
    return m


# --- the C++ side, through stsctl ------------------------------------------------

class ProtectedMessageCheck(unittest.TestCase):
    IDENTIFIER = "urn:uuid:6f1c2a3e-1b2d-4c5e-8f90-123456789abc"
    INSTANCE = "3"
    AD = "/example.v1.Inventory/Reserve"

    @classmethod
    def setUpClass(cls):
        cls.key = os.urandom(32)
        cls.state = os.path.join(TMP, "context")
        r = sts_pb2.RequestSecurityTokenResponse()
        r.requested_security_token.identifier = cls.IDENTIFIER
        r.requested_security_token.instance = cls.INSTANCE
        r.requested_proof_token.binary_secret.value = cls.key
        r.principal = PRINCIPAL
        r.applies_to = APPLIES_TO
        now = int(time.time())
        r.lifetime.created.seconds = now - 60
        r.lifetime.expires.seconds = now + 3600
        r.key_size = 256
        with open(cls.state, "wb") as f:
            f.write(r.SerializeToString())
        os.chmod(cls.state, 0o600)

    def stsctl(self, *args, data=b"", check=True):
        result = subprocess.run([STSCTL, *args, "--state", self.state], input=data,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if check and result.returncode != 0:
            self.fail(f"stsctl {' '.join(args)}: {result.stderr.decode()}")
        return result

    def from_cpp(self, command, payload, *flags):
        out = self.stsctl(command, "--ad", self.AD, *flags, data=payload).stdout
        m = protected_message_pb2.ProtectedMessage.FromString(out)
        self.assertEqual(m.token.identifier, self.IDENTIFIER)
        self.assertEqual(m.token.instance, self.INSTANCE)
        self.assertEqual(m.receiver, PRINCIPAL if "server-to-client" in flags else APPLIES_TO)
        return m

    # C++ -> Python

    def test_cpp_signed_messages_verify_here(self):
        payload = b"an order for 3 widgets \x00\xff"
        for flags in [(), ("--derivation", "psha1"), ("--derivation", "psha1", "--generation", "2"),
                      ("--derivation", "psha1", "--label", "custom label"),
                      ("--direction", "server-to-client")]:
            with self.subTest(flags=flags):
                m = self.from_cpp("sign", payload, *flags)
                self.assertEqual(m.protection, SIGN)
                self.assertEqual(m.payload, payload)
                self.assertEqual(len(m.tag), 32)
                self.assertTrue(verify(self.key, m, self.AD.encode()))
                self.assertFalse(verify(self.key, m, b"/other/Method"))
                self.assertFalse(verify(os.urandom(32), m, self.AD.encode()))
                if "--generation" in flags:
                    self.assertEqual(m.derivation.WhichOneof("start"), "generation")
                    self.assertEqual(m.derivation.generation, 2)
                if "--direction" in flags:
                    self.assertEqual(m.direction, S2C)

    def test_cpp_sealed_messages_open_here(self):
        payload = os.urandom(1000)
        for flags in [(), ("--derivation", "psha1", "--generation", "1")]:
            with self.subTest(flags=flags):
                m = self.from_cpp("seal", payload, *flags)
                self.assertEqual(m.protection, SEAL)
                self.assertEqual(len(m.aead_nonce), 12)
                self.assertEqual(len(m.tag), 16)
                self.assertNotEqual(m.payload, payload)
                self.assertEqual(open_sealed(self.key, m, self.AD.encode()), payload)
                tampered = protected_message_pb2.ProtectedMessage()
                tampered.CopyFrom(m)
                tampered.sequence += 1
                with self.assertRaises(Exception):
                    open_sealed(self.key, tampered, self.AD.encode())

    def test_base64_armour(self):
        out = self.stsctl("sign", "--base64", data=b"armoured").stdout
        import base64
        m = protected_message_pb2.ProtectedMessage.FromString(base64.b64decode(out))
        self.assertTrue(verify(self.key, m, b""))

    # Python -> C++

    def check_cpp(self, command, m, *flags, ad=None):
        return self.stsctl(command, "--ad", self.AD if ad is None else ad, *flags,
                           data=m.SerializeToString(), check=False)

    def test_python_messages_are_accepted_by_cpp(self):
        payload = b"made in Python"
        for protection, command in [(SIGN, "verify"), (SEAL, "open")]:
            for psha1 in [None, {"generation": 3}, {"offset": 7, "length": 32},
                          {"label": "a label"}]:
                with self.subTest(command=command, psha1=psha1):
                    m = make(self.key, self.IDENTIFIER, self.INSTANCE, protection, payload,
                             self.AD.encode(), psha1=psha1)
                    # Section 5: P_SHA1 keys only for a receiver that opts in.
                    if psha1 is not None:
                        self.assertIn("P_SHA1", self.fault(self.check_cpp(command, m)))
                        self.assertIn("wst:InvalidRequest", self.fault(self.check_cpp(command, m)))
                    result = self.check_cpp(command, m,
                                            *(("--accept-psha1",) if psha1 is not None else ()))
                    self.assertEqual(result.returncode, 0, result.stderr.decode())
                    self.assertEqual(result.stdout, payload)
        answer = make(self.key, self.IDENTIFIER, self.INSTANCE, SIGN, payload, self.AD.encode(),
                      direction=S2C)
        result = self.check_cpp("verify", answer, "--direction", "server-to-client")
        self.assertEqual(result.returncode, 0, result.stderr.decode())

    def fault(self, result):
        self.assertEqual(result.returncode, 1, result.stderr.decode())
        return result.stderr.decode()

    def test_cpp_refuses_what_it_must(self):
        payload = b"payload"
        good = make(self.key, self.IDENTIFIER, self.INSTANCE, SIGN, payload, self.AD.encode())
        # A single-bit flip in every byte of the serialized message (one bit
        # per byte, rotating, to bound the number of stsctl runs; the C++
        # tests flip every bit).
        data = good.SerializeToString()
        accepted = []
        for i in range(len(data)):
            bit = i % 8
            flipped = bytearray(data)
            flipped[i] ^= 1 << bit
            result = subprocess.run([STSCTL, "verify", "--ad", self.AD, "--state", self.state],
                                    input=bytes(flipped), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            if result.returncode == 0:
                accepted.append((i, bit))
        self.assertEqual(accepted, [])
        self.assertIn("wst:FailedAuthentication",
                      self.fault(self.check_cpp("verify", good, ad="/other/Method")))
        wrong_key = make(os.urandom(32), self.IDENTIFIER, self.INSTANCE, SIGN, payload,
                         self.AD.encode())
        self.assertIn("wst:FailedAuthentication", self.fault(self.check_cpp("verify", wrong_key)))
        stale = make(self.key, self.IDENTIFIER, self.INSTANCE, SIGN, payload, self.AD.encode(),
                     created=time.time() - 600)
        self.assertIn("wst:ExpiredData", self.fault(self.check_cpp("verify", stale)))
        other_instance = make(self.key, self.IDENTIFIER, "2", SIGN, payload, self.AD.encode())
        self.assertIn("wsc:UnknownDerivationSource",
                      self.fault(self.check_cpp("verify", other_instance)))
        other_context = make(self.key, "urn:uuid:00000000-0000-4000-8000-000000000000",
                             self.INSTANCE, SIGN, payload, self.AD.encode())
        self.assertIn("wsc:BadContextToken", self.fault(self.check_cpp("verify", other_context)))
        truncated = make(self.key, self.IDENTIFIER, self.INSTANCE, SIGN, payload,
                         self.AD.encode())
        truncated.tag = truncated.tag[:16]
        self.assertIn("wst:FailedAuthentication", self.fault(self.check_cpp("verify", truncated)))
        # Section 5 step 1: a tag longer than the primitive's is malformed.
        longer = make(self.key, self.IDENTIFIER, self.INSTANCE, SIGN, payload, self.AD.encode())
        longer.tag += b"\0"
        self.assertIn("wst:InvalidRequest", self.fault(self.check_cpp("verify", longer)))
        sealed_longer = make(self.key, self.IDENTIFIER, self.INSTANCE, SEAL, payload,
                             self.AD.encode())
        sealed_longer.tag += b"\0"
        self.assertIn("wst:InvalidRequest", self.fault(self.check_cpp("open", sealed_longer)))
        # Section 5 step 3: for another receiver, or for none.
        elsewhere = make(self.key, self.IDENTIFIER, self.INSTANCE, SIGN, payload,
                         self.AD.encode(), receiver="spiffe://test.example/billing")
        self.assertTrue(verify(self.key, elsewhere, self.AD.encode()))  # authentic, but not ours
        self.assertIn("wst:FailedAuthentication", self.fault(self.check_cpp("verify", elsewhere)))
        nobody = make(self.key, self.IDENTIFIER, self.INSTANCE, SIGN, payload, self.AD.encode(),
                      receiver="")
        self.assertIn("wst:InvalidRequest", self.fault(self.check_cpp("verify", nobody)))
        # The receiver is covered by the tag.
        moved = protected_message_pb2.ProtectedMessage()
        moved.CopyFrom(good)
        moved.receiver = "spiffe://test.example/billing"
        self.assertFalse(verify(self.key, moved, self.AD.encode()))
        reflected = make(self.key, self.IDENTIFIER, self.INSTANCE, SIGN, payload,
                         self.AD.encode(), direction=S2C)
        self.assertIn("wst:InvalidRequest", self.fault(self.check_cpp("verify", reflected)))
        sealed = make(self.key, self.IDENTIFIER, self.INSTANCE, SEAL, payload, self.AD.encode())
        sealed.payload = bytes([sealed.payload[0] ^ 1]) + sealed.payload[1:]
        result = self.check_cpp("open", sealed)
        self.assertIn("wst:FailedAuthentication", self.fault(result))
        self.assertEqual(result.stdout, b"")  # no plaintext released


if __name__ == "__main__":
    unittest.main(verbosity=2)
