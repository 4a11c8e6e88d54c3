"""The two key-derivation functions everything else is built on.

  HKDF-SHA256 (RFC 5869): proof keys, message keys, the HKDF computed key.
    An empty salt means 32 zero bytes.
  P_SHA1 (RFC 2246 section 5, as WS-Trust and WS-SecureConversation use it):
    A(0) = seed, A(i) = HMAC-SHA1(secret, A(i-1)),
    P_SHA1 = HMAC-SHA1(secret, A(1) || seed) || HMAC-SHA1(secret, A(2) || seed) || ...
    The CK/PSHA1 computed key and WS-SC DerivedKeyToken keys.

Pure functions, thread-safe. Results are SecretBytes.
"""

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .secret import SecretBytes

# The largest P_SHA1 output a receiver will compute for a peer (start +
# length), as the C++ library's bound: 1 MiB.
PSHA1_MAX_OUTPUT = 1 << 20


def _key_buffer(key):
    return key.buffer() if isinstance(key, SecretBytes) else key


def hkdf_sha256(ikm, salt, info, length):
    """HKDF-SHA256(IKM = ikm, salt, info, L = length) as SecretBytes. `ikm` is
    bytes-like or SecretBytes; `info` bytes or str."""
    if isinstance(info, str):
        info = info.encode("utf-8")
    derived = HKDF(algorithm=hashes.SHA256(), length=length, salt=bytes(salt) or None,
                   info=info).derive(_key_buffer(ikm))
    return SecretBytes(derived)


def p_sha1(secret, seed, start, length):
    """Bytes [start, start + length) of P_SHA1(secret, seed) as SecretBytes.
    ValueError when start + length exceeds PSHA1_MAX_OUTPUT."""
    if start < 0 or length < 0 or start + length > PSHA1_MAX_OUTPUT:
        raise ValueError("P_SHA1 output range out of bounds")
    keyed = hmac.new(_key_buffer(secret), digestmod=hashlib.sha1)
    seed = bytes(seed)
    out = bytearray()
    a = seed
    while len(out) < start + length:
        step = keyed.copy()
        step.update(a)
        a = step.digest()
        block = keyed.copy()
        block.update(a + seed)
        out += block.digest()
    result = SecretBytes(out[start:start + length])
    out[:] = bytes(len(out))
    return result
