"""Equation of time from the term table, against Skyfield with DE421 and DE406."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from bazi_master.engine._equation_of_time import (
    apparent_solar_longitude,
    equation_of_time,
)
from bazi_master.engine._errors import OutOfRangeError
from bazi_master.engine._terms import term_instant


def utc_seconds(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_equation_of_time_at_j2000() -> None:
    minutes = equation_of_time(utc_seconds("2000-01-01 12:00")) / 60
    assert minutes == pytest.approx(-3.29, abs=0.05)


@pytest.mark.parametrize(
    ("moment", "expected_minutes"),
    [
        # Extremes of the year: mid-February, mid-May, late July, early November.
        ("2024-02-11 12:00", -14.2),
        ("2024-05-14 12:00", 3.65),
        ("2024-07-26 12:00", -6.55),
        ("2024-11-03 12:00", 16.45),
    ],
)
def test_equation_of_time_extremes(moment: str, expected_minutes: float) -> None:
    minutes = equation_of_time(utc_seconds(moment)) / 60
    assert minutes == pytest.approx(expected_minutes, abs=0.1)


def test_longitude_at_term_instant() -> None:
    spring = term_instant(2024, 5)  # 春分, 0°
    assert apparent_solar_longitude(spring) % 360 == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize("moment", ["1799-01-20 00:00", "2201-12-15 00:00"])
def test_equation_of_time_out_of_range(moment: str) -> None:
    with pytest.raises(OutOfRangeError, match="too close to the ends"):
        equation_of_time(utc_seconds(moment))


def sample_instants(first_year: int, last_year: int, count: int) -> np.ndarray:
    generator = np.random.default_rng(first_year)
    first = utc_seconds(f"{first_year}-01-01 00:00")
    last = utc_seconds(f"{last_year}-12-31 00:00")
    return generator.uniform(first, last, count)


def errors_against(source_name: str, instants: np.ndarray) -> np.ndarray:
    pytest.importorskip("skyfield")
    if source_name == "DE406":
        pytest.importorskip("de406")
    from bazi_master.tablegen._ephemeris import load_de406, load_de421
    from bazi_master.tablegen._reference import equation_of_time_reference

    source = load_de421() if source_name == "DE421" else load_de406()
    expected = equation_of_time_reference(source, instants)
    computed = np.array([equation_of_time(float(value)) for value in instants])
    return np.abs(computed - expected)


def test_equation_of_time_against_de421() -> None:
    errors = errors_against("DE421", sample_instants(1900, 2052, 3000))
    assert np.median(errors) < 0.05
    assert errors.max() < 0.3


@pytest.mark.parametrize(("first", "last"), [(1800, 1898), (2054, 2200)])
def test_equation_of_time_against_de406(first: int, last: int) -> None:
    errors = errors_against("DE406", sample_instants(first, last, 1000))
    assert errors.max() < 0.3
