"""Decoder for Unix ``compress`` (``.Z``) files.

UCI still ships some of the paper's files (Shuttle's training split, Connect-4)
as ``.Z`` files, a format the standard library cannot read.
"""

from __future__ import annotations

MAGIC = b"\x1f\x9d"
_CLEAR = 256


class _CodeReader:
    """The variable-width codes of a ``.Z`` stream, least significant bit first, widening from 9 bits as the
    decoder's table fills; compress writes codes in groups of eight, and a width change or a CLEAR jumps to the end
    of the current group."""

    def __init__(self, payload: bytes, max_bits: int) -> None:
        self._buf = payload + b"\x00\x00\x00"
        self._total_bits = len(payload) * 8
        self._max_bits = max_bits
        self.bitpos = self._group_start = 0
        self._set_width(9)

    def _set_width(self, n_bits: int) -> None:
        self.n_bits, self._mask = n_bits, (1 << n_bits) - 1

    def _align(self) -> None:
        group = self.n_bits * 8
        self.bitpos = self._group_start = self._group_start + -(-(self.bitpos - self._group_start) // group) * group

    def reset(self) -> None:
        """After a CLEAR code: back to 9 bits, from the next group."""
        self._align()
        self._set_width(9)

    def read(self, table_size: int) -> int | None:
        """The next code, for a decoder whose table holds ``table_size`` entries; None at the end of the stream."""
        while table_size > self._mask and self.n_bits < self._max_bits:
            self._align()
            self._set_width(self.n_bits + 1)
        if self.bitpos + self.n_bits > self._total_bits:
            return None
        idx, buf = self.bitpos >> 3, self._buf
        code = ((buf[idx] | buf[idx + 1] << 8 | buf[idx + 2] << 16) >> (self.bitpos & 7)) & self._mask
        self.bitpos += self.n_bits
        return code


def _header(data: bytes, name: str) -> tuple[int, bool]:
    """The stream's largest code width and whether it uses CLEAR codes (block mode)."""
    if len(data) < 3 or data[:2] != MAGIC:
        raise ValueError(f"{name}: not a Unix compress (.Z) file (bad magic bytes)")
    max_bits = data[2] & 0x1F
    if not 9 <= max_bits <= 16:
        raise ValueError(f"{name}: unsupported .Z code width {max_bits}")
    return max_bits, bool(data[2] & 0x80)


def decompress_z(data: bytes, name: str = "<bytes>") -> bytes:
    """Return the decompressed content of a ``.Z`` file.

    Raises ``ValueError`` naming ``name`` when the data is not a valid ``.Z`` stream.
    """
    max_bits, block_mode = _header(data, name)
    first_free = 257 if block_mode else 256
    table: list[bytes] = [bytes([i]) for i in range(256)] + ([b""] if block_mode else [])
    reader = _CodeReader(data[3:], max_bits)
    out = bytearray()
    prev: bytes | None = None
    while (code := reader.read(len(table))) is not None:
        if block_mode and code == _CLEAR:
            reader.reset()
            del table[first_free:]
            prev = None
            continue
        if code < len(table):
            entry = table[code]
            if prev is not None:
                table.append(prev + entry[:1])
        elif code == len(table) and prev is not None:
            entry = prev + prev[:1]
            table.append(entry)
        else:
            raise ValueError(f"{name}: corrupt .Z data (code {code} at bit {reader.bitpos - reader.n_bits})")
        if len(table) > (1 << max_bits):
            table.pop()  # the table is full: compress stops adding entries
        out += entry
        prev = entry
    return bytes(out)
