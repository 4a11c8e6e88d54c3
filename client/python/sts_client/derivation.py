"""Message keys derived from a context key (docs/PROTECTED_MESSAGE.md section 2).

  HKDF-SHA256 (urn:sts:v1:dk:hkdf-sha256, the default): one 32-byte key per
    purpose (sign, encrypt) and direction, info "sts.v1 message <purpose>
    <direction>", so a key never serves two purposes and a message can never
    be reflected back to its sender as the peer's.
  WS-SecureConversation DerivedKeyToken with P_SHA1, for SOAP peers: bytes
    [start, start + length) of P_SHA1(secret = context key, seed = label || nonce).

Pure functions, thread-safe. Parameters a receiver did not choose are checked
as the C++ library checks them; refusals are wst:InvalidRequest.
"""

import dataclasses
import enum
import typing

from .errors import Refusal, StsError
from .kdf import hkdf_sha256, p_sha1

HKDF_SHA256 = "urn:sts:v1:dk:hkdf-sha256"
P_SHA1 = "http://docs.oasis-open.org/ws-sx/ws-secureconversation/200512/dk/p_sha1"
# The pre-standard WS-SC namespace's URI for the same algorithm: read, never written.
P_SHA1_2005 = "http://schemas.xmlsoap.org/ws/2005/02/sc/dk/p_sha1"

DEFAULT_LABEL = "WS-SecureConversationWS-SecureConversation"
DEFAULT_LENGTH = 32
SENDER_NONCE_BYTES = 16
MIN_NONCE_BYTES, MAX_NONCE_BYTES = 16, 128
MAX_LABEL_BYTES = 256
MIN_LENGTH, MAX_LENGTH = 16, 64
# start + length, at most: the part of the P_SHA1 stream a receiver computes
# for a DerivedKeyToken it did not choose (WS-SC peers use offset 0 or small
# generations), so a forged token cannot ask for ~1 MiB before its MAC is
# checked. As the C++ kMaxDerivedKeyStreamBytes.
MAX_STREAM_BYTES = 4096


class Direction(enum.IntEnum):
    """Equal to sts.v1.ProtectedMessage.Direction."""

    CLIENT_TO_SERVER = 1  # sent by the SCT's holder
    SERVER_TO_CLIENT = 2  # sent by the relying party


class Purpose(enum.Enum):
    SIGN = "sign"        # HMAC-SHA256 (protection SIGN)
    ENCRYPT = "encrypt"  # AES-256-GCM (protection SEAL)


@dataclasses.dataclass(frozen=True)
class DerivationOptions:
    """How a sender derives its message keys.

    algorithm:  HKDF_SHA256 (default) or P_SHA1 (for WS-SC peers)
    label:      P_SHA1 only; "" is the WS-SC default and is not written out
    length:     P_SHA1 key length in bytes (SEAL accepts only 32)
    generation: P_SHA1: the key starts at generation * length (None: offset 0)
    The P_SHA1 nonce is the instance's sender nonce (InstanceKeys.sender_nonce).
    """

    algorithm: str = HKDF_SHA256
    label: str = ""
    length: int = DEFAULT_LENGTH
    generation: typing.Optional[int] = None

    def __post_init__(self):
        if self.algorithm not in (HKDF_SHA256, P_SHA1):
            raise ValueError("DerivationOptions.algorithm must be HKDF_SHA256 or P_SHA1")


@dataclasses.dataclass(frozen=True)
class PSha1Params:
    """The parameters of one wsc:DerivedKeyToken, checked (see check())."""

    label: str = ""        # "" means DEFAULT_LABEL
    nonce: bytes = b""     # wsc:Nonce
    offset: int = 0        # wsc:Offset ...
    generation: typing.Optional[int] = None  # ... or wsc:Generation (then offset 0)
    length: int = DEFAULT_LENGTH  # 0 is read as 32

    def effective_length(self):
        return self.length or DEFAULT_LENGTH

    def start(self):
        """Where the key starts in the P_SHA1 stream, after checking every
        parameter as a receiver must (they may come from the network)."""
        if not MIN_NONCE_BYTES <= len(self.nonce) <= MAX_NONCE_BYTES:
            raise _malformed("derived-key nonce must be 16 to 128 bytes")
        if len(self.label.encode("utf-8")) > MAX_LABEL_BYTES:
            raise _malformed("derived-key label longer than 256 bytes")
        length = self.effective_length()
        if not MIN_LENGTH <= length <= MAX_LENGTH:
            raise _malformed("derived-key length must be 16 to 64 bytes")
        if self.generation is not None and self.offset != 0:
            raise _malformed("derived key has both an offset and a generation")
        if self.generation is not None:
            if self.generation > MAX_STREAM_BYTES // length - 1:
                raise _malformed("derived-key generation too large")
            return self.generation * length
        if self.offset > MAX_STREAM_BYTES - length:
            raise _malformed("derived-key offset too large")
        return self.offset


def _malformed(reason):
    return StsError.refuse(Refusal.MALFORMED_REQUEST, reason)


def is_psha1(algorithm):
    """Whether `algorithm` is one of the two P_SHA1 URIs."""
    return algorithm in (P_SHA1, P_SHA1_2005)


def hkdf_info(purpose, direction):
    """E.g. b"sts.v1 message sign client-to-server"."""
    side = "client-to-server" if direction == Direction.CLIENT_TO_SERVER else "server-to-client"
    return f"sts.v1 message {purpose.value} {side}".encode("ascii")


def derive_message_key(context_key, purpose, direction):
    """HKDF-SHA256(IKM = context key, salt = "", info = hkdf_info(...), 32)."""
    if not context_key:
        raise _malformed("empty context key")
    return hkdf_sha256(context_key, b"", hkdf_info(purpose, direction), 32)


def derive_psha1_key(context_key, params):
    """The DerivedKeyToken key for `params` (PSha1Params), checked."""
    if not context_key:
        raise _malformed("empty context key")
    start = params.start()
    label = (params.label or DEFAULT_LABEL).encode("utf-8")
    return p_sha1(context_key, label + params.nonce, start, params.effective_length())


def psha1_params_of(derivation):
    """The PSha1Params a P_SHA1 sts.v1.KeyDerivation names, checked."""
    if not is_psha1(derivation.algorithm):
        raise _malformed("not a P_SHA1 key derivation")
    which = derivation.WhichOneof("start")
    params = PSha1Params(label=derivation.label, nonce=bytes(derivation.nonce),
                         offset=derivation.offset if which == "offset" else 0,
                         generation=derivation.generation if which == "generation" else None,
                         length=derivation.length)
    params.start()
    return params
