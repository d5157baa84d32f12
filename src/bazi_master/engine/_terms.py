"""Solar-term and new-moon instants from the packaged tables.

An instant is UT1 in seconds since 1970-01-01T00:00:00 as a ``float`` (negative before
1970), at 0.1 s resolution. The tables hold the 24 terms of every year from
``FIRST_YEAR`` to ``LAST_YEAR`` and every new moon of those years. They are computed
offline from JPL ephemerides by ``bazi_master.tablegen`` (see docs/solar-terms.md) and
decoded once, on first use.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache
from importlib import resources
from typing import Final

from ._errors import BaziDataError, BaziInputError, OutOfRangeError
from ._symbols import TERM_ENGLISH, TERM_NAMES, TERM_PINYIN, is_jie, term_longitude
from ._tablefile import InstantTable, decode_table
from ._time import civil_at, resolve_zone, utc_datetime

FIRST_YEAR: Final = 1799
LAST_YEAR: Final = 2201
JIE_FIRST: Final = (1799, 0)

TERMS_FILE: Final = "terms.bin"
NEW_MOONS_FILE: Final = "new_moons.bin"
TERMS_MAGIC: Final = b"BZTERM01"
NEW_MOONS_MAGIC: Final = b"BZMOON01"

# Uncertainty model, in seconds (see term_uncertainty).
_OBSERVED_UNTIL: Final = 2026.0
_UNCERTAINTY_BEFORE_1900: Final = 5.0
_UNCERTAINTY_OBSERVED: Final = 3.0
_UNCERTAINTY_GROWTH: Final = 0.02  # seconds per year squared after the record
_SECONDS_PER_YEAR: Final = 365.2425 * 86400


@dataclass(frozen=True, slots=True)
class SolarTerm:
    """One solar term of a year, with its instant in UT and optionally local time."""

    year: int
    index: int
    name: str
    pinyin: str
    english: str
    longitude: int
    is_jie: bool
    instant: float
    utc: datetime
    local: datetime | None
    uncertainty_seconds: float


def _read_table(file_name: str, magic: bytes) -> InstantTable:
    path = resources.files("bazi_master.engine").joinpath("data").joinpath(file_name)
    try:
        blob = path.read_bytes()
    except OSError as error:
        raise BaziDataError(
            f"the packaged table {file_name} is missing ({error}); reinstall "
            "bazi-master or regenerate it with `python -m bazi_master.tablegen`"
        ) from error
    return decode_table(blob, magic, file_name)


@cache
def _term_seconds() -> tuple[float, ...]:
    table = _read_table(TERMS_FILE, TERMS_MAGIC)
    expected = (LAST_YEAR - FIRST_YEAR + 1) * 24
    if table.first_label != FIRST_YEAR or len(table.tenths) != expected:
        raise BaziDataError(
            f"the packaged table {TERMS_FILE} covers {len(table.tenths)} terms from "
            f"{table.first_label}, expected {expected} from {FIRST_YEAR}; reinstall "
            "bazi-master or regenerate it with `python -m bazi_master.tablegen`"
        )
    return tuple(value / 10 for value in table.tenths)


def _check_year_term(year: int, term: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OutOfRangeError(
            f"year {year} is outside the solar-term table, which covers "
            f"{FIRST_YEAR} to {LAST_YEAR}; use a year in that range"
        )
    if not 0 <= term < 24:
        raise BaziInputError(
            f"invalid solar term index {term}: expected 0 (小寒) to 23 (冬至)"
        )


def term_instant(year: int, term: int) -> float:
    """Return the UT1 instant of term ``term`` (0 = 小寒 … 23 = 冬至) of ``year``."""
    _check_year_term(year, term)
    return _term_seconds()[(year - FIRST_YEAR) * 24 + term]


def term_uncertainty(year: int, term: int) -> float:
    """Return the estimated 1-sigma uncertainty of a term instant, in seconds.

    See ``instant_uncertainty`` for the model.
    """
    _check_year_term(year, term)
    return instant_uncertainty(term_instant(year, term))


def instant_uncertainty(ts: float) -> float:
    """Return the estimated 1-sigma uncertainty of a table instant near ``ts``.

    The model follows the uncertainty of ΔT, which dominates. It is 5 s before 1900
    and 3 s while ΔT is observed (to 2026). Later it is 3 s + 0.02 s × (years after
    2026)²: about 18 s in 2053, 110 s in 2100 and 10 minutes in 2200. It is an
    estimate, not a measured error.
    """
    decimal_year = 1970.0 + ts / _SECONDS_PER_YEAR
    if decimal_year < 1900:
        return _UNCERTAINTY_BEFORE_1900
    years_ahead = max(0.0, decimal_year - _OBSERVED_UNTIL)
    return _UNCERTAINTY_OBSERVED + _UNCERTAINTY_GROWTH * years_ahead**2


@cache
def all_term_instants() -> list[float]:
    """Return all terms in time order (term k of year y at ``24 * (y - 1799) + k``)."""
    return list(_term_seconds())


@cache
def jie_instants() -> list[float]:
    """Return every jie (even term) in time order; element 0 is 小寒 of 1799."""
    return list(_term_seconds()[0::2])


def _table_range_error(ts: float, first: float, last: float, what: str) -> None:
    if not first <= ts < last:
        raise OutOfRangeError(
            f"instant {utc_datetime(ts).isoformat()} is outside the {what} table, "
            f"which covers {utc_datetime(first).isoformat()} to "
            f"{utc_datetime(last).isoformat()}"
        )


def jie_index_at(ts: float) -> int:
    """Return the index in ``jie_instants()`` of the last jie at or before ``ts``.

    Raises ``OutOfRangeError`` before 小寒 of 1799 or after 大雪 of 2201.
    """
    instants = jie_instants()
    _table_range_error(ts, instants[0], instants[-1], "jie")
    return bisect.bisect_right(instants, ts) - 1


def jie_year_term(index: int) -> tuple[int, int]:
    """Return the (year, term) of the jie at ``index`` in ``jie_instants()``."""
    if not 0 <= index < len(jie_instants()):
        raise BaziInputError(
            f"jie index {index} is outside the table of {len(jie_instants())} jie"
        )
    year_offset, half_term = divmod(index, 12)
    return FIRST_YEAR + year_offset, 2 * half_term


def term_at(ts: float) -> tuple[int, int]:
    """Return the (year, term) of the last of all 24 terms at or before ``ts``."""
    instants = _term_seconds()
    _table_range_error(ts, instants[0], instants[-1], "solar-term")
    year_offset, term = divmod(bisect.bisect_right(instants, ts) - 1, 24)
    return FIRST_YEAR + year_offset, term


@cache
def new_moon_instants() -> list[float]:
    """Return the UT1 instant of every new moon from 1799 to 2201, in order."""
    table = _read_table(NEW_MOONS_FILE, NEW_MOONS_MAGIC)
    return [value / 10 for value in table.tenths]


def solar_terms(year: int, tz: str | tzinfo | None = None) -> list[SolarTerm]:
    """Return the 24 solar terms of ``year``, from 小寒 to 冬至.

    ``tz`` is an IANA zone name, a ``±HH:MM`` offset or a ``tzinfo``; when given,
    each term also carries its civil time in that zone.
    """
    zone = resolve_zone(tz).tzinfo if isinstance(tz, str) else tz
    return [_solar_term(year, term, zone) for term in range(24)]


def _solar_term(year: int, term: int, zone: tzinfo | None) -> SolarTerm:
    instant = term_instant(year, term)
    return SolarTerm(
        year=year,
        index=term,
        name=TERM_NAMES[term],
        pinyin=TERM_PINYIN[term],
        english=TERM_ENGLISH[term],
        longitude=term_longitude(term),
        is_jie=is_jie(term),
        instant=instant,
        utc=utc_datetime(instant),
        local=None if zone is None else civil_at(instant, zone),
        uncertainty_seconds=term_uncertainty(year, term),
    )
