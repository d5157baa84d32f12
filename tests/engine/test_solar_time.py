"""True solar time: the day and hour clock moves, year and month stay on UT."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._errors import BaziInputError
from bazi_master.engine._model import BirthInput, PillarChart
from bazi_master.engine._solar_time import (
    instant_at_solar_seconds,
    solar_clock_seconds,
)

URUMQI = {"latitude": 43.8, "longitude": 87.6}


def solar_chart(birth: datetime, tz: str, **place: float) -> PillarChart:
    return compute_pillars(
        BirthInput(birth, tz=tz, true_solar_time=True, **place)  # type: ignore[arg-type]
    )


def near(value: datetime, expected: datetime, seconds: float) -> bool:
    return abs((value - expected).total_seconds()) <= seconds


def test_solar_dst_zone_moves_day_back() -> None:
    result = solar_chart(datetime(1990, 5, 17, 1, 30), "Asia/Shanghai", **URUMQI)

    assert result.pillars.chars == "庚午 辛巳 辛巳 己亥"
    assert near(result.chart_clock, datetime(1990, 5, 16, 22, 24), 60)
    assert result.solar_time is not None
    assert result.solar_time.mean_time_offset_minutes == pytest.approx(350.4)


def test_solar_fixed_offset_other_day() -> None:
    result = solar_chart(datetime(1990, 5, 17, 1, 30), "+08:00", **URUMQI)

    assert result.pillars.chars == "庚午 辛巳 壬午 庚子"
    assert near(result.chart_clock, datetime(1990, 5, 16, 23, 24), 60)


def test_solar_off_uses_clock() -> None:
    result = compute_pillars(BirthInput(datetime(1990, 5, 12, 10, 0), tz="+08:00"))

    assert result.pillars.chars == "庚午 辛巳 丁丑 乙巳"
    assert result.solar_time is None
    assert result.to_dict()["conventions"]["chart_clock"] == "standard_time"


def test_solar_western_longitude_moves_hour() -> None:
    result = solar_chart(datetime(1990, 5, 12, 10, 0), "+08:00", **URUMQI)

    solar = result.solar_time
    assert solar is not None
    assert solar.longitude_correction_minutes == pytest.approx(-129.6)
    assert solar.equation_of_time_minutes == pytest.approx(3.7, abs=0.05)
    assert near(result.chart_clock, datetime(1990, 5, 12, 7, 54), 60)
    assert result.pillars.chars == "庚午 辛巳 丁丑 甲辰"


def test_solar_zone_differs_from_offset() -> None:
    result = solar_chart(datetime(1990, 5, 12, 10, 0), "Asia/Shanghai", **URUMQI)

    assert near(result.chart_clock, datetime(1990, 5, 12, 6, 54), 60)
    assert result.pillars.chars == "庚午 辛巳 丁丑 癸卯"
    assert result.to_dict()["conventions"]["dst"] is True


def test_solar_shanghai_small_correction() -> None:
    result = solar_chart(
        datetime(1990, 5, 12, 10, 0), "+08:00", latitude=31.2, longitude=121.5
    )

    assert result.solar_time is not None
    assert result.solar_time.longitude_correction_minutes == pytest.approx(6.0)


def test_solar_equation_of_time_2000() -> None:
    result = solar_chart(datetime(2000, 1, 1, 12, 0), "UTC", latitude=0, longitude=30)

    solar = result.solar_time
    assert solar is not None
    assert solar.longitude_correction_minutes == pytest.approx(120.0)
    assert solar.equation_of_time_minutes == pytest.approx(-3.29, abs=0.05)
    assert near(solar.apparent_solar, datetime(2000, 1, 1, 13, 56, 43), 3)
    assert result.pillars.chars == "己卯 丙子 戊午 己未"


def test_solar_time_needs_longitude() -> None:
    with pytest.raises(BaziInputError, match="needs the birth longitude"):
        compute_pillars(
            BirthInput(datetime(2000, 1, 1, 12), tz="UTC", true_solar_time=True)
        )


def test_solar_time_keeps_month_on_ut() -> None:
    # 2024 立春 is 08:27:07.6 UT; at 75°E apparent time is about 13:24, hours
    # behind the +08:00 clock, yet the birth is after the jie.
    result = solar_chart(
        datetime(2024, 2, 4, 16, 28), "+08:00", latitude=39.5, longitude=75.9
    )

    assert result.pillars.year.chars == "甲辰"
    assert result.pillars.month.chars == "丙寅"
    assert result.chart_clock.hour == 13


def test_solar_time_dict_reports_parts() -> None:
    result = solar_chart(datetime(1990, 5, 12, 10, 0), "+08:00", **URUMQI)

    data = result.to_dict()["solar_time"]

    assert data["longitude_correction_minutes"] == -129.6
    assert data["total_correction_minutes"] == pytest.approx(-125.9, abs=0.1)
    assert data["civil_time"] == "1990-05-12T10:00:00+08:00"
    assert data["apparent_solar_time"].startswith("1990-05-12T07:54")


@pytest.mark.parametrize("longitude", [-120.0, 0.0, 87.6, 179.0])
def test_solar_clock_inverse(longitude: float) -> None:
    target = solar_clock_seconds(1_000_000_000.0, longitude)

    instant = instant_at_solar_seconds(target, longitude)

    assert instant == pytest.approx(1_000_000_000.0, abs=1e-3)


def test_solar_time_from_place_longitude() -> None:
    result = compute_pillars(
        BirthInput(
            datetime(1990, 5, 12, 10, 0),
            tz="+08:00",
            place="Urumqi",
            true_solar_time=True,
        )
    )

    assert result.location is not None
    assert result.location.source == "place"
    assert 86 < result.location.longitude < 89
    assert result.chart_clock < datetime(1990, 5, 12, 10) - timedelta(hours=1)
