#!/usr/bin/python3
"""Computes the proof-of-possession worked example of docs/PROOF_OF_POSSESSION.md
section 6 from the specification alone: protobuf wire encoding by hand,
HKDF-SHA256 (RFC 5869) and HMAC-SHA256 from Python's hmac/hashlib. Shares no
code with the C++ implementation that client/wire/proof_test.cc checks.

    /usr/bin/python3 client/wire/testdata/make_proof_vector.py
"""
import hashlib
import hmac
import struct


def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field(number, payload):  # length-delimited (wire type 2)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def hkdf_sha256(ikm, salt, info, length):
    prk = hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def blob(b):
    return struct.pack(">I", len(b)) + b


method = b"/sts.v1.SecurityTokenService/Renew"
identifier = b"urn:uuid:6ba7b810-9dad-41d1-80b4-00c04fd430c8"
instance = b"1"
seconds, nanos = 1_800_000_000, 123_456_789
nonce = bytes(range(16))
context_key = bytes(range(0x20, 0x40))

# RenewRequest { renew_target: { identifier } } with `proof` cleared.
request = field(3, field(1, identifier))
digest = hashlib.sha256(request).digest()
proof_key = hkdf_sha256(context_key, b"", b"sts.v1 proof-of-possession", 32)
canonical = (blob(b"sts.v1.ProofOfPossession") + blob(method) + blob(identifier) + blob(instance)
             + struct.pack(">q", seconds) + struct.pack(">i", nanos) + blob(nonce) + digest)
mac = hmac.new(proof_key, canonical, hashlib.sha256).digest()

for name, value in [("context key", context_key), ("serialized request", request),
                    ("request digest", digest), ("proof key", proof_key),
                    ("canonical input", canonical), ("proof.mac", mac)]:
    print(f"{name}: {value.hex()}")
