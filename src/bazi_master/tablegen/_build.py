"""Build the solar-term and new-moon tables from DE421 and DE406.

DE421 gives every instant inside its span (1899-07-29 to 2053-10-09, with two days of
margin); DE406 gives the rest. Both are also computed over the shared span, and their
differences are returned so the generator can report how well the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bazi_master.engine._tablefile import InstantTable, encode_table
from bazi_master.engine._terms import (
    FIRST_YEAR,
    LAST_YEAR,
    NEW_MOONS_FILE,
    NEW_MOONS_MAGIC,
    TERMS_FILE,
    TERMS_MAGIC,
)
from bazi_master.tablegen._ephemeris import Source, covered, load_de406, load_de421
from bazi_master.tablegen._search import (
    SYNODIC_MONTH,
    conjunction_jd,
    new_moon_jd,
    sun_longitude_jd,
    tdb_jd,
    term_jd,
    term_targets,
    timescale,
    unix_ut1,
)

TERM_STEP_TENTHS = 365.2422 * 86400 * 10 / 24
NEW_MOON_STEP_TENTHS = SYNODIC_MONTH * 86400 * 10


@dataclass(frozen=True)
class Series:
    """Instants in UT1 seconds, the share taken from DE421, and DE406 − DE421 there."""

    seconds: Any
    from_de421: Any
    de406_minus_de421: Any


def _merge(ts: Any, de421: Source, jd_de406: Any, solve_de421: Any) -> Series:
    """Replace the DE406 instants inside DE421's span by DE421's own solutions."""
    inside = covered(de421, tdb_jd(ts, jd_de406))
    jd = jd_de406.copy()
    jd[inside] = solve_de421(jd_de406[inside])
    seconds = unix_ut1(ts, jd)
    difference = (unix_ut1(ts, jd_de406) - seconds)[inside]
    return Series(seconds, inside, difference)


def build_terms(years: Any) -> Series:
    """Compute the 24 terms of each of ``years``, flattened year by year."""
    ts = timescale()
    de421 = load_de421()
    jd_de406 = term_jd(load_de406(), ts, years).ravel()
    targets = term_targets(years).ravel()

    def solve_de421(guess: Any) -> Any:
        inside = np.isin(jd_de406, guess)
        return sun_longitude_jd(de421, ts, guess, targets[inside])

    return _merge(ts, de421, jd_de406, solve_de421)


def build_new_moons(first_year: int, last_year: int) -> Series:
    """Compute every new moon from ``first_year`` to ``last_year``, both included."""
    ts = timescale()
    de421 = load_de421()
    first_jd = float(ts.tt(first_year, 1, 1).tt)
    last_jd = float(ts.tt(last_year + 1, 1, 1).tt)
    jd_de406 = new_moon_jd(load_de406(), ts, first_jd, last_jd)

    def solve_de421(guess: Any) -> Any:
        return conjunction_jd(de421, ts, guess)

    return _merge(ts, de421, jd_de406, solve_de421)


def to_tenths(seconds: Any) -> list[int]:
    """Round UT1 seconds to whole tenths of a second."""
    return [int(value) for value in np.rint(np.asarray(seconds) * 10.0)]


def write_tables(directory: Path) -> tuple[Series, Series]:
    """Compute both tables and write them into ``directory``."""
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    terms = build_terms(years)
    moons = build_new_moons(FIRST_YEAR, LAST_YEAR)

    directory.mkdir(parents=True, exist_ok=True)
    term_table = InstantTable(TERMS_MAGIC, FIRST_YEAR, to_tenths(terms.seconds))
    moon_table = InstantTable(NEW_MOONS_MAGIC, FIRST_YEAR, to_tenths(moons.seconds))
    (directory / TERMS_FILE).write_bytes(
        encode_table(term_table, TERM_STEP_TENTHS, lag=24)
    )
    (directory / NEW_MOONS_FILE).write_bytes(
        encode_table(moon_table, NEW_MOON_STEP_TENTHS, lag=1)
    )
    return terms, moons
