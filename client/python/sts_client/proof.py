"""Proof of possession for Renew, Cancel and Amend (docs/PROOF_OF_POSSESSION.md).

  proof_key      = HKDF-SHA256(IKM = context key, salt = "", info = "sts.v1 proof-of-possession", 32)
  request_digest = SHA-256(deterministic serialization of the request, proof cleared)
  canonical      = Bytes("sts.v1.ProofOfPossession") || Bytes(method) || Bytes(identifier)
                   || Bytes(instance) || I64(created.seconds) || I32(created.nanos)
                   || Bytes(nonce) || request_digest
  proof.mac      = HMAC-SHA256(proof_key, canonical), all 32 bytes

StsClient makes proofs for you; these functions are for code that builds its
own requests. Thread-safe.
"""

import hashlib
import hmac
import os

from .canonical import CanonicalWriter
from .kdf import hkdf_sha256

RENEW_METHOD = "/sts.v1.SecurityTokenService/Renew"
CANCEL_METHOD = "/sts.v1.SecurityTokenService/Cancel"
AMEND_METHOD = "/sts.v1.SecurityTokenService/Amend"

PROOF_DOMAIN = "sts.v1.ProofOfPossession"
PROOF_KEY_INFO = b"sts.v1 proof-of-possession"
NONCE_BYTES = 16


def proof_key(context_key):
    """The HMAC key proofs are made with (SecretBytes)."""
    return hkdf_sha256(context_key, b"", PROOF_KEY_INFO, 32)


def request_digest(request):
    """SHA-256 of `request` serialized deterministically with `proof` cleared."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("proof")
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).digest()


def canonical_input(method, identifier, proof, digest):
    """The bytes the MAC covers (section 3)."""
    return (CanonicalWriter()
            .bytes(PROOF_DOMAIN)
            .bytes(method)
            .bytes(identifier)
            .bytes(proof.instance)
            .i64(proof.created.seconds)
            .i32(proof.created.nanos)
            .bytes(proof.nonce)
            .raw(digest)
            .release())


def attach_proof(request, method, identifier, instance, context_key, now_ns, nonce=None):
    """Fills request.proof for `request` (a RenewRequest, CancelRequest or
    AmendRequest whose other fields are final), made with the key of
    `instance` at `now_ns`. `nonce` defaults to 16 fresh random bytes; pass one
    only to reproduce a known answer."""
    request.ClearField("proof")
    digest = request_digest(request)
    proof = request.proof
    proof.instance = instance
    proof.created.seconds = now_ns // 1_000_000_000
    proof.created.nanos = now_ns % 1_000_000_000
    proof.nonce = os.urandom(NONCE_BYTES) if nonce is None else bytes(nonce)
    key = proof_key(context_key)
    try:
        proof.mac = hmac.new(key.buffer(), canonical_input(method, identifier, proof, digest),
                             hashlib.sha256).digest()
    finally:
        key.wipe()
    return request


def proof_matches(request, method, identifier, context_key):
    """Whether request.proof.mac is the MAC of `request` under `context_key`
    (constant time; a MAC of any length but 32 never matches). Checks nothing
    else (window, replay): that is the STS's job."""
    proof = request.proof
    if len(proof.mac) != 32:
        return False
    key = proof_key(context_key)
    try:
        expected = hmac.new(key.buffer(), canonical_input(method, identifier, proof,
                                                          request_digest(request)),
                            hashlib.sha256).digest()
    finally:
        key.wipe()
    return hmac.compare_digest(expected, proof.mac)
