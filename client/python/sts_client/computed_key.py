"""Computed keys (wst:ComputedKey): the key is computed on both sides from the
requestor's entropy and the issuer's, and never travels.

  http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1
      key = P_SHA1(secret = requestor entropy, seed = issuer entropy), first key_size/8 bytes
  urn:sts:v1:ck:hkdf-sha256 (this project's, for new code)
      key = HKDF-SHA256(IKM = requestor entropy, salt = issuer entropy,
                        info = "sts.v1 computed key", key_size/8 bytes)
"""

from .errors import Refusal, StsError
from .kdf import hkdf_sha256, p_sha1

CK_PSHA1 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/CK/PSHA1"
CK_HKDF_SHA256 = "urn:sts:v1:ck:hkdf-sha256"
CK_HKDF_INFO = b"sts.v1 computed key"


def compute_key(algorithm, requestor_entropy, issuer_entropy, key_bytes):
    """The computed key (SecretBytes); wst:InvalidRequest for another algorithm."""
    if algorithm == CK_PSHA1:
        return p_sha1(requestor_entropy, issuer_entropy, 0, key_bytes)
    if algorithm == CK_HKDF_SHA256:
        return hkdf_sha256(requestor_entropy, issuer_entropy, CK_HKDF_INFO, key_bytes)
    raise StsError.refuse(Refusal.MALFORMED_REQUEST, "unsupported computed-key algorithm")
