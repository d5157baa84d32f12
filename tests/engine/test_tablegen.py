"""The packaged tables against the generator's own DE421 and DE406 computations."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("skyfield")

from bazi_master.engine._terms import (
    NEW_MOONS_FILE,
    TERMS_FILE,
    all_term_instants,
    new_moon_instants,
    term_instant,
)
from bazi_master.tablegen._build import write_tables
from bazi_master.tablegen._ephemeris import (
    Source,
    load_de406,
    load_de421,
)
from bazi_master.tablegen._search import (
    new_moon_jd,
    term_jd,
    timescale,
    unix_ut1,
)

# Rounding to tenths of a second leaves at most 0.05 s.
ROUNDING = 0.0501


@pytest.fixture(scope="module")
def de421() -> Source:
    return load_de421()


@pytest.fixture(scope="module")
def de406() -> Source:
    # DE406 comes with the tables extra only.
    pytest.importorskip("de406")
    return load_de406()


def terms_from(source: Source, years: list[int]) -> Any:
    ts = timescale()
    return unix_ut1(ts, term_jd(source, ts, years)).ravel()


def table_terms(years: list[int]) -> Any:
    return np.array([term_instant(year, term) for year in years for term in range(24)])


def test_table_matches_de421_1900_to_2025(de421: Source) -> None:
    years = list(range(1900, 2026))
    difference = np.abs(table_terms(years) - terms_from(de421, years))
    assert np.median(difference) <= 1.0
    assert difference.max() <= ROUNDING


@pytest.mark.parametrize("years", [[1900, 1950, 2000], [2026, 2040, 2052]])
def test_table_matches_de421_sample(de421: Source, years: list[int]) -> None:
    difference = np.abs(table_terms(years) - terms_from(de421, years))
    assert difference.max() <= ROUNDING


@pytest.mark.parametrize("years", [[1799, 1800, 1850, 1898], [2054, 2100, 2201]])
def test_table_matches_de406_outside(de406: Source, years: list[int]) -> None:
    difference = np.abs(table_terms(years) - terms_from(de406, years))
    assert difference.max() <= ROUNDING


def test_de406_agrees_with_de421(de421: Source, de406: Source) -> None:
    years = list(range(1900, 2053, 4))
    difference = np.abs(terms_from(de406, years) - terms_from(de421, years))
    assert np.median(difference) < 0.03
    assert difference.max() < 0.05


def new_moons_between(source: Source, first: float, last: float) -> Any:
    ts = timescale()
    first_jd = first / 86400 + 2440587.5
    last_jd = last / 86400 + 2440587.5
    return unix_ut1(ts, new_moon_jd(source, ts, first_jd, last_jd))


@pytest.mark.parametrize("year", [1950, 2024, 2050])
def test_new_moons_match_de421(de421: Source, year: int) -> None:
    first, last = term_instant(year, 0), term_instant(year, 23)
    table = [moon for moon in new_moon_instants() if first <= moon < last]
    computed = new_moons_between(de421, first, last)
    assert len(table) == len(computed)
    assert np.abs(np.array(table) - computed).max() <= ROUNDING + 0.01


@pytest.mark.parametrize("year", [1820, 2150])
def test_new_moons_match_de406(de406: Source, year: int) -> None:
    first, last = term_instant(year, 0), term_instant(year, 23)
    table = [moon for moon in new_moon_instants() if first <= moon < last]
    computed = new_moons_between(de406, first, last)
    assert len(table) == len(computed)
    assert np.abs(np.array(table) - computed).max() <= ROUNDING + 0.01


def test_generator_reproduces_package(tmp_path: Path) -> None:
    pytest.importorskip("de406")
    write_tables(tmp_path)
    data = resources.files("bazi_master.engine").joinpath("data")
    for name in (TERMS_FILE, NEW_MOONS_FILE):
        assert (tmp_path / name).read_bytes() == data.joinpath(name).read_bytes()


def test_table_size_stays_compact() -> None:
    data = resources.files("bazi_master.engine").joinpath("data")
    assert len(data.joinpath(TERMS_FILE).read_bytes()) < 24_000
    assert len(data.joinpath(NEW_MOONS_FILE).read_bytes()) < 16_000
    assert len(all_term_instants()) == 9672
