"""Binary format of the packaged instant tables (solar terms and new moons).

A table is a sorted series of instants in tenths of a second (UT1 since 1970-01-01).
It is stored as the residuals from a uniform grid ``origin + round(i * step)``. Each
residual is then replaced by its difference from the residual ``lag`` places earlier:
the lag is 24 for the terms, so that the same term of consecutive years is compared,
and 1 for the new moons.
The differences are little-endian int32, split into byte planes (all lowest bytes,
then all second bytes, and so on, which compresses about 20 % better because the high
bytes are nearly constant) and compressed with zlib, after a fixed header:

    magic (8 bytes) | first label (int32) | count (int32) | lag (int32)
    | origin (int64, tenths of a second) | step (float64, tenths of a second)

zlib's Adler-32 checksum and the count in the header catch a damaged file.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from dataclasses import dataclass

from ._errors import BaziDataError

_HEADER = struct.Struct("<8siiiqd")


@dataclass(frozen=True, slots=True)
class InstantTable:
    """A decoded table: ``tenths[i]`` is instant ``i`` in tenths of a second."""

    magic: bytes
    first_label: int
    tenths: list[int]


def grid_value(origin: int, step: float, index: int) -> int:
    """Return grid point ``index``; the encoder and the decoder both call this."""
    return origin + int(index * step + 0.5)


def encode_table(table: InstantTable, step: float, lag: int) -> bytes:
    """Encode ``table`` on a grid of ``step`` tenths starting at its first instant."""
    origin = table.tenths[0]
    residuals = [
        value - grid_value(origin, step, index)
        for index, value in enumerate(table.tenths)
    ]
    differences = array("i", residuals[:lag])
    differences.extend(
        residuals[index] - residuals[index - lag]
        for index in range(lag, len(residuals))
    )
    if sys.byteorder == "big":
        differences.byteswap()

    header = _HEADER.pack(
        table.magic, table.first_label, len(table.tenths), lag, origin, step
    )
    return header + zlib.compress(_split_planes(differences.tobytes()), 9)


def decode_table(blob: bytes, magic: bytes, name: str) -> InstantTable:
    """Decode a table, raising ``BaziDataError`` if it is damaged or of another kind."""
    if len(blob) < _HEADER.size:
        raise _damaged(name, f"only {len(blob)} bytes")
    found, first_label, count, lag, origin, step = _HEADER.unpack_from(blob)
    if found != magic:
        raise _damaged(name, f"header {found!r} instead of {magic!r}")

    differences = _inflate(blob[_HEADER.size :], count, name)
    residuals = list(differences)
    for index in range(lag, count):
        residuals[index] += residuals[index - lag]
    tenths = [
        residual + grid_value(origin, step, index)
        for index, residual in enumerate(residuals)
    ]
    return InstantTable(magic, first_label, tenths)


def _inflate(payload: bytes, count: int, name: str) -> array[int]:
    try:
        raw = zlib.decompress(payload)
    except zlib.error as error:
        raise _damaged(name, f"zlib error: {error}") from error
    if len(raw) != 4 * count:
        raise _damaged(name, f"{len(raw)} data bytes for {count} entries")

    differences = array("i")
    differences.frombytes(_join_planes(raw))
    if sys.byteorder == "big":
        differences.byteswap()
    return differences


def _split_planes(data: bytes) -> bytes:
    return b"".join(data[plane::4] for plane in range(4))


def _join_planes(data: bytes) -> bytes:
    count = len(data) // 4
    joined = bytearray(len(data))
    for plane in range(4):
        joined[plane::4] = data[plane * count : (plane + 1) * count]
    return bytes(joined)


def _damaged(name: str, detail: str) -> BaziDataError:
    return BaziDataError(
        f"the packaged table {name} is damaged ({detail}); reinstall bazi-master or "
        "regenerate the tables with `python -m bazi_master.tablegen`"
    )
