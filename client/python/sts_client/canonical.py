"""The byte strings MACs are computed over (docs/PROOF_OF_POSSESSION.md
section 3, docs/PROTECTED_MESSAGE.md section 3).

Every variable-length field is its length as a 4-byte big-endian unsigned
integer followed by its bytes (`Bytes`), every integer fixed-width big-endian,
so two different field lists never encode to the same bytes. Strings are
UTF-8.
"""

import struct

_U32 = struct.Struct(">I")
_I32 = struct.Struct(">i")
_U64 = struct.Struct(">Q")
_I64 = struct.Struct(">q")


class CanonicalWriter:
    """Appends fields to one buffer; methods chain. Not thread-safe."""

    __slots__ = ("_out",)

    def __init__(self):
        self._out = bytearray()

    def bytes(self, data):
        """Bytes(x): u32be(len(x)) || x; `data` is bytes-like or str (UTF-8)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        self._out += _U32.pack(len(data))
        self._out += data
        return self

    def raw(self, data):
        """x as it is (a fixed-size field such as a digest)."""
        self._out += data
        return self

    def u32(self, value):
        self._out += _U32.pack(value)
        return self

    def i32(self, value):
        self._out += _I32.pack(value)
        return self

    def u64(self, value):
        self._out += _U64.pack(value)
        return self

    def i64(self, value):
        self._out += _I64.pack(value)
        return self

    def release(self):
        """The bytes written so far."""
        return bytes(self._out)
