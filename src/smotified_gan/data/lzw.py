"""Decoder for Unix ``compress`` (``.Z``) files.

UCI still ships some of the paper's files (Shuttle's training split, Connect-4)
as ``.Z`` files, a format the standard library cannot read.
"""

from __future__ import annotations

MAGIC = b"\x1f\x9d"
_CLEAR = 256


def decompress_z(data: bytes, name: str = "<bytes>") -> bytes:
    """Return the decompressed content of a ``.Z`` file.

    Raises ``ValueError`` naming ``name`` when the data is not a valid ``.Z`` stream.
    """
    if len(data) < 3 or data[:2] != MAGIC:
        raise ValueError(f"{name}: not a Unix compress (.Z) file (bad magic bytes)")
    max_bits = data[2] & 0x1F
    block_mode = bool(data[2] & 0x80)
    if not 9 <= max_bits <= 16:
        raise ValueError(f"{name}: unsupported .Z code width {max_bits}")

    buf = data[3:] + b"\x00\x00\x00"
    total_bits = (len(data) - 3) * 8
    first_free = 257 if block_mode else 256
    table: list[bytes] = [bytes([i]) for i in range(256)] + ([b""] if block_mode else [])
    out = bytearray()
    n_bits, mask = 9, (1 << 9) - 1
    bitpos = group_start = 0
    prev: bytes | None = None

    def aligned(pos: int) -> int:
        # compress writes codes in groups of eight; a width change or a CLEAR
        # jumps to the end of the current group.
        group = n_bits * 8
        return group_start + -(-(pos - group_start) // group) * group

    while bitpos + n_bits <= total_bits:
        if len(table) > mask and n_bits < max_bits:
            bitpos = group_start = aligned(bitpos)
            n_bits += 1
            mask = (1 << n_bits) - 1
            continue
        idx = bitpos >> 3
        code = ((buf[idx] | buf[idx + 1] << 8 | buf[idx + 2] << 16) >> (bitpos & 7)) & mask
        bitpos += n_bits
        if block_mode and code == _CLEAR:
            bitpos = group_start = aligned(bitpos)
            n_bits, mask = 9, (1 << 9) - 1
            del table[first_free:]
            prev = None
            continue
        if code < len(table) and not (block_mode and code == _CLEAR):
            entry = table[code]
            if prev is not None:
                table.append(prev + entry[:1])
        elif code == len(table) and prev is not None:
            entry = prev + prev[:1]
            table.append(entry)
        else:
            raise ValueError(f"{name}: corrupt .Z data (code {code} at bit {bitpos - n_bits})")
        if len(table) > (1 << max_bits):
            table.pop()  # the table is full: compress stops adding entries
        out += entry
        prev = entry
    return bytes(out)
