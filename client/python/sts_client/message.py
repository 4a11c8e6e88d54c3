"""sts.v1.ProtectedMessage: the canonical header its tag covers, and the one
MAC or AEAD operation that makes or checks the tag (docs/PROTECTED_MESSAGE.md
sections 3-4).

  header = Bytes("sts.v1.ProtectedMessage") || U32(protection) || U32(direction)
           || Bytes(token.identifier) || Bytes(token.instance) || Bytes(token.cookie)
           || Bytes(derivation.algorithm) || Bytes(derivation.label)
           || Bytes(derivation.nonce) || U32(start kind) || U64(start value)
           || U32(derivation.length) || U64(sequence) || I64(created_unix_nanos)
           || Bytes(aead_nonce) || Bytes(associated data)
           [ || Bytes(receiver), only when the message names one ]
  SIGN: tag = HMAC-SHA256(sign key, header || Bytes(payload))
  SEAL: payload || tag = AES-256-GCM(encrypt key, aead_nonce, plaintext, AAD = header)

This layer is crypto only: shape and tag, never time, replay or whether a
context is still valid (receiver.py does that). Thread-safe; no key byte is
ever in an error.
"""

import hmac
import os

from cryptography.exceptions import InvalidTag

from .canonical import CanonicalWriter
from .derivation import (HKDF_SHA256, P_SHA1, Direction, DerivationOptions, Purpose, is_psha1,
                         psha1_params_of)
from .errors import Refusal, StsError
from .proto import protected_message_pb2

ProtectedMessage = protected_message_pb2.ProtectedMessage
SIGN = ProtectedMessage.PROTECTION_SIGN
SEAL = ProtectedMessage.PROTECTION_SEAL

DOMAIN = "sts.v1.ProtectedMessage"
MAC_BYTES = 32
AEAD_NONCE_BYTES = 12
AEAD_TAG_BYTES = 16
MAX_IDENTIFIER_BYTES = 1024
MAX_INSTANCE_BYTES = 64
MAX_COOKIE_BYTES = 16 * 1024
MAX_ALGORITHM_BYTES = 256
MAX_RECEIVER_BYTES = 1024


def _malformed(reason):
    return StsError.refuse(Refusal.MALFORMED_REQUEST, reason)


def _not_authentic():
    return StsError.refuse(Refusal.BAD_PROOF, "the message does not authenticate")


def _ad(associated_data):
    return associated_data.encode("utf-8") if isinstance(associated_data, str) else \
        bytes(associated_data)


def _check_tag_length(tag, expected):
    """A longer tag than the primitive's is malformed (wst:InvalidRequest); a
    shorter one is a truncation, an authentication failure."""
    if len(tag) > expected:
        raise _malformed(f"the tag must be {expected} bytes; it has {len(tag)}")
    if len(tag) < expected:
        raise StsError.refuse(Refusal.BAD_PROOF,
                              f"the tag must be {expected} bytes (never truncated)")


def _has_unknown_fields(message):
    try:  # protobuf >= 4.22
        from google.protobuf import unknown_fields
        return len(unknown_fields.UnknownFieldSet(message)) > 0
    except ImportError:
        return len(message.UnknownFields()) > 0


def parse(data):
    """A ProtectedMessage from its serialized bytes; wst:InvalidRequest if they
    do not parse. A ProtectedMessage is returned as it is."""
    if isinstance(data, ProtectedMessage):
        return data
    message = ProtectedMessage()
    try:
        message.ParseFromString(bytes(data))
    except Exception:  # google.protobuf.message.DecodeError and kin
        raise _malformed("the message does not parse as a sts.v1.ProtectedMessage") from None
    return message


def direction_of(message):
    return (Direction.SERVER_TO_CLIENT
            if message.direction == ProtectedMessage.DIRECTION_SERVER_TO_CLIENT
            else Direction.CLIENT_TO_SERVER)


def canonical_header(message, associated_data):
    """The header of `message` with `associated_data` (bytes or str)."""
    d = message.derivation
    which = d.WhichOneof("start")
    kind, value = (1, d.offset) if which == "offset" else \
        (2, d.generation) if which == "generation" else (0, 0)
    token = message.token
    w = (CanonicalWriter()
            .bytes(DOMAIN)
            .u32(message.protection)
            .u32(message.direction)
            .bytes(token.identifier)
            .bytes(token.instance)
            .bytes(token.cookie)
            .bytes(d.algorithm)
            .bytes(d.label)
            .bytes(d.nonce)
            .u32(kind)
            .u64(value)
            .u32(d.length)
            .u64(message.sequence)
            .i64(message.created_unix_nanos)
            .bytes(message.aead_nonce)
            .bytes(_ad(associated_data)))
    # The receiver only when there is one: messages without it keep their
    # bytes, and the two forms never coincide (the longer one ends in
    # Bytes(receiver); every field before is fixed-size or length-prefixed).
    if message.receiver:
        w.bytes(message.receiver)
    return w.release()


def receiver_for(keys, direction):
    """Who a message in `direction` under `keys` is for: the context's audience
    (applies_to) from its holder, its holder (principal) from the audience;
    "" when the context does not say."""
    return keys.info.applies_to if direction == Direction.CLIENT_TO_SERVER else keys.info.principal


def fill_header(keys, derivation, protection, direction, sequence, created_ns, message,
                receiver=None):
    """Sets token (identifier, instance, cookie), derivation, protection,
    direction, sequence, created and receiver (None: receiver_for(keys,
    direction); "": none); leaves payload, aead_nonce and tag."""
    message.token.identifier = keys.identifier
    message.token.instance = keys.instance
    message.token.cookie = keys.info.cookie
    message.ClearField("derivation")
    d = message.derivation
    if derivation.algorithm == HKDF_SHA256:
        d.algorithm = HKDF_SHA256
        d.length = 32
    else:
        d.algorithm = P_SHA1
        d.label = derivation.label
        d.nonce = keys.sender_nonce(Purpose.ENCRYPT if protection == SEAL else Purpose.SIGN,
                                    direction)
        if derivation.generation is not None:
            d.generation = derivation.generation
        d.length = derivation.length
    message.protection = protection
    message.direction = int(direction)
    message.sequence = sequence
    message.created_unix_nanos = created_ns
    message.receiver = receiver_for(keys, direction) if receiver is None else receiver


def check_shape(message):
    """What can be checked without a key: no unknown fields, known enums, the
    algorithm and its parameters, sizes of nonce and tag. wst:InvalidRequest
    otherwise (a short tag: wst:FailedAuthentication, a long one
    wst:InvalidRequest)."""
    if (_has_unknown_fields(message) or _has_unknown_fields(message.token)
            or _has_unknown_fields(message.derivation)):
        raise _malformed("the message carries fields this receiver does not know")
    token = message.token
    if not token.identifier or len(token.identifier.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise _malformed("the message names no context identifier (or an oversized one)")
    if not token.instance or len(token.instance.encode("utf-8")) > MAX_INSTANCE_BYTES:
        raise _malformed("the message names no key instance (or an oversized one)")
    if token.wsu_id:
        raise _malformed("token.wsu_id must be empty in a message")
    if len(token.cookie) > MAX_COOKIE_BYTES:
        raise _malformed("oversized context cookie")
    if len(message.receiver.encode("utf-8")) > MAX_RECEIVER_BYTES:
        raise _malformed("oversized receiver")
    if message.direction not in (ProtectedMessage.DIRECTION_CLIENT_TO_SERVER,
                                 ProtectedMessage.DIRECTION_SERVER_TO_CLIENT):
        raise _malformed("unknown message direction")
    d = message.derivation
    if len(d.algorithm.encode("utf-8")) > MAX_ALGORITHM_BYTES:
        raise _malformed("oversized algorithm URI")
    if d.algorithm == HKDF_SHA256:
        if d.label or d.nonce or d.WhichOneof("start") is not None or d.length not in (0, 32):
            raise _malformed("HKDF-SHA256 derivation takes no label, nonce, offset or "
                             "generation and is 32 bytes long")
    elif is_psha1(d.algorithm):
        psha1_params_of(d)
    else:
        raise _malformed("unknown key derivation algorithm")
    if message.protection == SIGN:
        if message.aead_nonce:
            raise _malformed("a signed message has no AEAD nonce")
        _check_tag_length(message.tag, MAC_BYTES)
    elif message.protection == SEAL:
        if len(message.aead_nonce) != AEAD_NONCE_BYTES:
            raise _malformed("the AEAD nonce must be 12 bytes")
        _check_tag_length(message.tag, AEAD_TAG_BYTES)
        if d.length not in (0, 32):
            raise _malformed("a sealed message's key must be 32 bytes long")
    else:
        raise _malformed("unknown message protection")


def _mac_key_for(keys, message):
    if message.derivation.algorithm == HKDF_SHA256:
        return keys.mac_key(direction_of(message))
    return keys.psha1_mac_key(psha1_params_of(message.derivation))


def _aead_key_for(keys, message):
    if message.derivation.algorithm == HKDF_SHA256:
        return keys.aead_key(direction_of(message))
    return keys.psha1_aead_key(psha1_params_of(message.derivation))


def _sign_tag(mac_key, message, associated_data):
    mac = mac_key.copy()
    mac.update(canonical_header(message, associated_data))
    mac.update(len(message.payload).to_bytes(4, "big"))
    mac.update(message.payload)
    return mac.digest()


def sign_in_place(keys, message, associated_data):
    """Sets the tag of `message`, which holds a header (fill_header) and its
    payload."""
    message.protection = SIGN
    message.ClearField("aead_nonce")
    message.tag = _sign_tag(_mac_key_for(keys, message), message, associated_data)


def seal_in_place(keys, message, associated_data):
    """Picks a random AEAD nonce, replaces the payload by its ciphertext, sets
    the tag. Random 96-bit nonces are safe far beyond the 2^32 messages per key
    NIST SP 800-38D allows; a renewal brings a new key anyway."""
    message.protection = SEAL
    aead = _aead_key_for(keys, message)
    message.aead_nonce = os.urandom(AEAD_NONCE_BYTES)
    sealed = aead.encrypt(message.aead_nonce, message.payload,
                          canonical_header(message, associated_data))
    message.payload = sealed[:-AEAD_TAG_BYTES]
    message.tag = sealed[-AEAD_TAG_BYTES:]


def check_tag(keys, message, associated_data):
    """Nothing when the tag of signed `message` authenticates under `keys`;
    wst:FailedAuthentication when it does not; wst:InvalidRequest for a
    derivation `keys` cannot make. Constant-time comparison."""
    if message.protection != SIGN:
        raise _malformed("not a signed message")
    _check_tag_length(message.tag, MAC_BYTES)
    expected = _sign_tag(_mac_key_for(keys, message), message, associated_data)
    if len(message.tag) != MAC_BYTES or not hmac.compare_digest(expected, message.tag):
        raise _not_authentic()


def open_payload(keys, message, associated_data):
    """The plaintext of sealed `message` (only when it authenticates); errors as
    check_tag."""
    if message.protection != SEAL:
        raise _malformed("not a sealed message")
    _check_tag_length(message.tag, AEAD_TAG_BYTES)
    aead = _aead_key_for(keys, message)
    if len(message.aead_nonce) != AEAD_NONCE_BYTES:
        raise _malformed("the sealed message has a malformed nonce or ciphertext")
    try:
        return aead.decrypt(message.aead_nonce, message.payload + message.tag,
                            canonical_header(message, associated_data))
    except InvalidTag:
        raise _not_authentic() from None


__all__ = ["ProtectedMessage", "SIGN", "SEAL", "DerivationOptions", "canonical_header",
           "fill_header", "receiver_for", "check_shape", "sign_in_place", "seal_in_place", "check_tag",
           "open_payload", "parse", "direction_of"]
