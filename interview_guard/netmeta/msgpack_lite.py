"""A small MessagePack decoder (no extension types), enough for the cloudip database.

Kept here instead of depending on ``msgpack``: the data is decoded once per data version and
the compiled range table is cached, so a pure-Python decoder costs about a second, once.
"""
from __future__ import annotations

import struct
from typing import Any

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_I8 = struct.Struct(">b")
_I16 = struct.Struct(">h")
_I32 = struct.Struct(">i")
_I64 = struct.Struct(">q")
_F32 = struct.Struct(">f")
_F64 = struct.Struct(">d")


def unpackb(data: bytes) -> Any:
    """Decode one MessagePack object from ``data`` (ValueError if it is not exactly one)."""
    try:
        obj, end = _decode(data, 0)
    except (IndexError, struct.error):
        raise ValueError("truncated MessagePack data") from None
    if end != len(data):
        raise ValueError(f"{len(data) - end} bytes of trailing data after the MessagePack object")
    return obj


def _decode(b: bytes, i: int) -> tuple[Any, int]:
    c = b[i]
    i += 1
    if c <= 0x7F:
        return c, i
    if c >= 0xE0:
        return c - 0x100, i
    if 0xA0 <= c <= 0xBF:
        n = c & 0x1F
        return b[i:i + n].decode("utf-8"), i + n
    if 0x80 <= c <= 0x8F:
        return _map(b, i, c & 0x0F)
    if 0x90 <= c <= 0x9F:
        return _array(b, i, c & 0x0F)
    if c == 0xC0:
        return None, i
    if c == 0xC2:
        return False, i
    if c == 0xC3:
        return True, i
    if c in (0xD9, 0xDA, 0xDB, 0xC4, 0xC5, 0xC6):
        size = {0xD9: 1, 0xC4: 1, 0xDA: 2, 0xC5: 2, 0xDB: 4, 0xC6: 4}[c]
        n = int.from_bytes(b[i:i + size], "big")
        i += size
        raw = b[i:i + n]
        if len(raw) != n:
            raise IndexError
        return (raw.decode("utf-8") if c in (0xD9, 0xDA, 0xDB) else bytes(raw)), i + n
    if c == 0xCC:
        return b[i], i + 1
    if c == 0xCD:
        return _U16.unpack_from(b, i)[0], i + 2
    if c == 0xCE:
        return _U32.unpack_from(b, i)[0], i + 4
    if c == 0xCF:
        return _U64.unpack_from(b, i)[0], i + 8
    if c == 0xD0:
        return _I8.unpack_from(b, i)[0], i + 1
    if c == 0xD1:
        return _I16.unpack_from(b, i)[0], i + 2
    if c == 0xD2:
        return _I32.unpack_from(b, i)[0], i + 4
    if c == 0xD3:
        return _I64.unpack_from(b, i)[0], i + 8
    if c == 0xCA:
        return _F32.unpack_from(b, i)[0], i + 4
    if c == 0xCB:
        return _F64.unpack_from(b, i)[0], i + 8
    if c == 0xDC:
        return _array(b, i + 2, _U16.unpack_from(b, i)[0])
    if c == 0xDD:
        return _array(b, i + 4, _U32.unpack_from(b, i)[0])
    if c == 0xDE:
        return _map(b, i + 2, _U16.unpack_from(b, i)[0])
    if c == 0xDF:
        return _map(b, i + 4, _U32.unpack_from(b, i)[0])
    raise ValueError(f"unsupported MessagePack type byte 0x{c:02x} at offset {i - 1}")


def _array(b: bytes, i: int, n: int) -> tuple[list, int]:
    out = []
    for _ in range(n):
        v, i = _decode(b, i)
        out.append(v)
    return out, i


def _map(b: bytes, i: int, n: int) -> tuple[dict, int]:
    out = {}
    for _ in range(n):
        k, i = _decode(b, i)
        v, i = _decode(b, i)
        out[k] = v
    return out, i
