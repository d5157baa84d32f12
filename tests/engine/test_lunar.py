"""Lunar calendar: GB/T 33661 regression dates, inverse, errors and lunar-python."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bazi_master.engine._errors import BaziInputError, OutOfRangeError
from bazi_master.engine._lunar import (
    LunarDate,
    day_name,
    from_lunar,
    lunar_date,
    lunar_month,
    lunar_range,
)
from bazi_master.engine._terms import instant_uncertainty, new_moon_instants

REGRESSION_DATES = [
    ("2033-08-25", "八月初一"),
    ("2033-12-22", "闰十一月初一"),
    ("2034-01-01", "闰十一月十一"),
    ("2034-01-20", "十二月初一"),
    ("2020-05-23", "闰四月初一"),
    ("2014-10-24", "闰九月初一"),
    ("1996-07-15", "五月三十"),
    ("2023-03-22", "闰二月初一"),
    ("2023-03-25", "闰二月初四"),
    ("2024-02-10", "正月初一"),
    ("2021-12-04", "十一月初一"),
]


@pytest.mark.parametrize(("gregorian", "expected"), REGRESSION_DATES)
def test_regression_dates(gregorian: str, expected: str) -> None:
    assert lunar_date(date.fromisoformat(gregorian)).chinese == expected


@pytest.mark.parametrize(("year", "month"), [(2033, 11), (2020, 4), (2014, 9)])
def test_leap_month_of_year(year: int, month: int) -> None:
    leap = lunar_month(year, month, leap=True)
    assert leap.leap
    assert lunar_date(leap.first_day) == LunarDate(year, month, True, 1)


def test_winter_solstice_2021_stays_on_21st() -> None:
    # 冬至 2021 falls at 23:59:18 Beijing time, so it belongs to 2021-12-21.
    assert lunar_date(date(2021, 12, 21)).chinese == "十一月十八"


def test_new_year_and_zodiac() -> None:
    day = lunar_date(date(2024, 2, 10))
    assert (day.year, day.month, day.leap, day.day) == (2024, 1, False, 1)
    assert day.year_ganzhi.chars == "甲辰"
    assert day.zodiac == "Dragon"
    assert day.zodiac_char == "龙"
    assert str(day) == "甲辰年正月初一"


def test_lunar_year_differs_from_gregorian() -> None:
    day = lunar_date(date(1986, 2, 5))
    assert (day.year, day.month, day.day) == (1985, 12, 27)
    assert day.year_ganzhi.chars == "乙丑"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (1, "初一"),
        (10, "初十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (21, "廿一"),
        (29, "廿九"),
        (30, "三十"),
    ],
)
def test_day_names(day: int, name: str) -> None:
    assert day_name(day) == name


def test_republic_era_uses_beijing_meridian() -> None:
    # The new moon of 1914-11-18 00:01:41 UTC+8 is 1914-11-17 23:47 at the Beijing
    # meridian (UTC+7:45:40), which the calendar of 1914 used.
    assert lunar_date(date(1914, 11, 17)).chinese == "十月初一"
    assert lunar_date(date(1916, 2, 3)).chinese == "正月初一"
    assert lunar_date(date(1920, 11, 10)).chinese == "十月初一"


def test_qing_era_uses_utc_plus_8() -> None:
    # The new moon of 1906-04-24 00:06 UTC+8 falls before midnight at the Beijing
    # meridian; GB/T 33661 counts it on the 24th.
    assert lunar_date(date(1906, 4, 24)).chinese == "四月初一"


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ((2033, 11, 1, True), date(2033, 12, 22)),
        ((2020, 4, 1, True), date(2020, 5, 23)),
        ((2024, 1, 1, False), date(2024, 2, 10)),
        ((1996, 5, 30, False), date(1996, 7, 15)),
    ],
)
def test_from_lunar(arguments: tuple[int, int, int, bool], expected: date) -> None:
    year, month, day, leap = arguments
    assert from_lunar(year, month, day, leap=leap) == expected


def test_from_lunar_rejects_missing_leap() -> None:
    with pytest.raises(
        BaziInputError, match=r"no leap month 5 \(its leap month is 4\)"
    ):
        from_lunar(2020, 5, 1, leap=True)
    with pytest.raises(BaziInputError, match="it has no leap month"):
        from_lunar(2021, 4, 1, leap=True)


def test_from_lunar_rejects_day_30_of_short_month() -> None:
    with pytest.raises(BaziInputError, match="正月 of lunar year 2024 has 29 days"):
        from_lunar(2024, 1, 30)


@pytest.mark.parametrize("day", [0, 31])
def test_from_lunar_rejects_bad_day(day: int) -> None:
    with pytest.raises(BaziInputError, match=f"invalid lunar day {day}"):
        from_lunar(2024, 2, day)


@pytest.mark.parametrize("month", [0, 13])
def test_from_lunar_rejects_bad_month(month: int) -> None:
    with pytest.raises(BaziInputError, match=f"invalid lunar month {month}"):
        from_lunar(2024, month, 1)


def test_range_and_errors() -> None:
    first, last = lunar_range()
    assert first.year == 1799
    assert last.year == 2201
    with pytest.raises(OutOfRangeError, match="outside the lunar calendar"):
        lunar_date(first - timedelta(days=1))
    with pytest.raises(OutOfRangeError, match="outside the lunar calendar"):
        lunar_date(last + timedelta(days=1))
    with pytest.raises(OutOfRangeError, match="lunar year 1700"):
        from_lunar(1700, 1, 1)


def test_round_trip_every_day() -> None:
    first, last = lunar_range()
    day = first
    while day <= last:
        lunar = lunar_date(day)
        assert from_lunar(lunar.year, lunar.month, lunar.day, lunar.leap) == day
        day += timedelta(days=1)


def test_months_have_29_or_30_days() -> None:
    first, last = lunar_range()
    lengths = set()
    day = first
    while day <= last:
        lunar = lunar_date(day)
        lengths.add(lunar_month(lunar.year, lunar.month, lunar.leap).length)
        day += timedelta(days=32)
    assert lengths == {29, 30}


def near_beijing_midnight(instant: float) -> bool:
    """Tell whether ``instant`` lies within its uncertainty of a UTC+8 midnight."""
    seconds_of_day = (instant + 8 * 3600) % 86400
    distance = min(seconds_of_day, 86400 - seconds_of_day)
    return distance < instant_uncertainty(instant)


def explained_by_uncertainty(day: date) -> bool:
    """Tell whether a new moon within a month of ``day`` may fall on either date."""
    center = (day - date(1970, 1, 1)).days * 86400
    return any(
        near_beijing_midnight(moon)
        for moon in new_moon_instants()
        if abs(moon - center) < 31 * 86400
    )


@pytest.mark.slow
def test_agrees_with_lunar_python_every_day() -> None:
    solar = pytest.importorskip("lunar_python").Solar
    day, last = date(1901, 2, 19), date(2099, 12, 31)
    disagreements = []
    while day <= last:
        oracle = solar.fromYmd(day.year, day.month, day.day).getLunar()
        ours = lunar_date(day)
        month = oracle.getMonth()  # negative for a leap month
        expected = (oracle.getYear(), abs(month), month < 0, oracle.getDay())
        if expected != (ours.year, ours.month, ours.leap, ours.day):
            disagreements.append(day)
        day += timedelta(days=1)

    # Up to 2053 ΔT is observed or closely predicted, so every day must agree. Later,
    # lunar-python uses another ΔT forecast, and a month may start a day apart only
    # where a new moon lies within its uncertainty of Beijing midnight.
    assert [day for day in disagreements if day.year <= 2053] == []
    assert [day for day in disagreements if not explained_by_uncertainty(day)] == []
