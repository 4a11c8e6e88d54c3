"""One instance (one key generation) of a security context, with its message
keys prepared, so that protecting or checking a message costs one HMAC or one
AES-GCM operation.

Contract:
  - Immutable after construction except for the bounded P_SHA1 cache, which
    is locked: every method is safe to call from any thread.
  - The four HKDF message keys (sign/encrypt x both directions) are derived
    at construction. P_SHA1 (DerivedKeyToken) keys are derived on first use
    and cached by (purpose, parameters), at most MAX_PSHA1_KEYS (the cache is
    emptied when full: a peer that sends a new nonce per message costs itself
    a derivation per message, nothing more).
  - Nothing here is printable; the context key is wiped when the object goes.
"""

import dataclasses
import hashlib
import hmac
import os
import threading

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .derivation import (SENDER_NONCE_BYTES, Direction, Purpose, derive_message_key,
                         derive_psha1_key)
from .errors import Refusal, StsError
from .secret import SecretBytes

AEAD_KEY_BYTES = 32


@dataclasses.dataclass(frozen=True)
class ContextInfo:
    """What a party knows about a context besides its keys.

    identifier: wsc:Identifier
    cookie:     a stateless context's cookie (b"" otherwise)
    principal:  the holder, as the STS authenticated it ("" if unknown)
    applies_to: the audience the context was issued for ("" if none)
    """

    identifier: str
    cookie: bytes = b""
    principal: str = ""
    applies_to: str = ""


def _mac_key(key):
    return hmac.new(key.buffer(), digestmod=hashlib.sha256)


class InstanceKeys:
    """The keys of instance `instance` of the context `info` describes, from
    its context key `key` (SecretBytes or bytes-like; the object keeps its own
    copy, wiped when it goes). wst:InvalidRequest for an empty key."""

    MAX_PSHA1_KEYS = 32

    def __init__(self, info, instance, key):
        key = SecretBytes(key.buffer() if isinstance(key, SecretBytes) else key)
        if not key:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST, "empty context key")
        self._info = info
        self._instance = instance
        self._key = key
        self._mac = {}
        self._aead = {}
        for direction in Direction:
            sign = derive_message_key(key, Purpose.SIGN, direction)
            encrypt = derive_message_key(key, Purpose.ENCRYPT, direction)
            self._mac[direction] = _mac_key(sign)
            self._aead[direction] = AESGCM(encrypt.reveal())
            sign.wipe()
            encrypt.wipe()
        self._nonces = {(p, d): os.urandom(SENDER_NONCE_BYTES) for p in Purpose for d in Direction}
        self._psha1_lock = threading.Lock()
        self._psha1 = {}

    def __repr__(self):
        return f"InstanceKeys({self._info.identifier!r}, instance {self._instance!r})"

    def __reduce__(self):
        raise TypeError("InstanceKeys cannot be pickled")

    def __del__(self):
        key = getattr(self, "_key", None)
        if key is not None:
            key.wipe()

    @property
    def info(self):
        return self._info

    @property
    def identifier(self):
        return self._info.identifier

    @property
    def instance(self):
        return self._instance

    @property
    def context_key(self):
        """The context key itself (SecretBytes), for proofs of possession only."""
        return self._key

    def has_context_key(self, other):
        """Whether `other` is this instance's context key (constant time)."""
        return self._key == other

    def mac_key(self, direction):
        """The prepared HMAC-SHA256 of the HKDF sign key; .copy() it per message."""
        return self._mac[direction]

    def aead_key(self, direction):
        """The AES-256-GCM of the HKDF encrypt key."""
        return self._aead[direction]

    def sender_nonce(self, purpose, direction):
        """The wsc:Nonce this party uses for its own P_SHA1 keys for (purpose,
        direction): random, fixed for the instance, so a receiver derives once."""
        return self._nonces[(purpose, direction)]

    def psha1_mac_key(self, params):
        """The prepared HMAC of a DerivedKeyToken key (errors as
        derive_psha1_key)."""
        return self._psha1_key("m", params, _mac_key)

    def psha1_aead_key(self, params):
        """The AES-256-GCM of a DerivedKeyToken key, which must be 32 bytes."""
        if params.effective_length() != AEAD_KEY_BYTES:
            raise StsError.refuse(Refusal.MALFORMED_REQUEST,
                                  "a derived key for AES-256-GCM must be 32 bytes long")
        return self._psha1_key("e", params, lambda key: AESGCM(key.reveal()))

    def _psha1_key(self, purpose, params, prepare):
        cache_key = (purpose, params.label, params.nonce, params.offset, params.generation,
                     params.effective_length())
        with self._psha1_lock:
            found = self._psha1.get(cache_key)
        if found is not None:
            return found
        # Derived outside the lock; two threads may both derive one key once.
        derived = derive_psha1_key(self._key, params)
        prepared = prepare(derived)
        derived.wipe()
        with self._psha1_lock:
            if len(self._psha1) >= self.MAX_PSHA1_KEYS:
                self._psha1.clear()
            self._psha1[cache_key] = prepared
        return prepared
