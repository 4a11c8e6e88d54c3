"""SecretBytes: key material that cannot be printed, pickled or hashed.

Every key this package hands out (context keys, keys released by Validate) is
a SecretBytes. Its repr and str show only the length. Equality is constant
time. wipe() zeroes the buffer; the package wipes the keys it drops.

What Python cannot promise: bytes objects are immutable, so copies made by the
interpreter, by protobuf (the response a key arrived in), by hmac or by
OpenSSL are freed without being wiped. SecretBytes keeps the package's own
copy wipeable and out of logs; it is not a guarantee about process memory.
"""

import hmac


class SecretBytes:
    """A mutable, unprintable byte buffer. Not thread-safe to wipe() while in use."""

    __slots__ = ("_buf",)

    def __init__(self, data=b""):
        self._buf = bytearray(data)

    @classmethod
    def adopt(cls, buffer):
        """Takes ownership of a bytearray without copying it."""
        secret = cls()
        secret._buf = buffer
        return secret

    def __len__(self):
        return len(self._buf)

    def __bool__(self):
        return len(self._buf) > 0

    def __repr__(self):
        return f"SecretBytes(<{len(self._buf)} bytes>)"

    __str__ = __repr__

    def __format__(self, spec):
        return repr(self)

    def __eq__(self, other):
        if isinstance(other, SecretBytes):
            other = other._buf
        elif not isinstance(other, (bytes, bytearray, memoryview)):
            return NotImplemented
        return hmac.compare_digest(self._buf, other)

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None

    def __reduce__(self):
        raise TypeError("SecretBytes cannot be pickled")

    def __copy__(self):
        return SecretBytes(self._buf)

    def __deepcopy__(self, memo):
        return SecretBytes(self._buf)

    def buffer(self):
        """The bytearray itself, for the crypto calls that need the key. Do not
        keep it, print it, or hand it out."""
        return self._buf

    def reveal(self):
        """An immutable copy of the bytes, for code that must store or send the
        key itself (e.g. to another process). That copy cannot be wiped."""
        return bytes(self._buf)

    def wipe(self):
        """Zeroes the buffer and empties it."""
        self._buf[:] = bytes(len(self._buf))  # in place, same length
        del self._buf[:]
