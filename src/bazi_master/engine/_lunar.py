"""The Chinese lunar calendar by the rules of GB/T 33661-2017.

A month starts on the date of its new moon. The month that contains the winter
solstice (冬至) is month 11. When 13 months run from one month 11 up to the next, the
first of them whose dates contain no principal term (中气, odd term index) is a leap
month and repeats the number of the month before it. A principal term belongs to the
month whose dates contain its Beijing date, also when it falls on the date of the new
moon that starts the next month.

Dates are Beijing dates in UTC+8, as GB/T 33661 prescribes, except from 1912 to 1928.
The official calendars of those years were computed for the Beijing meridian
(116°25′E, local mean time UTC+7:45:40). That moves the start of three months:
1914-11-17, 1916-02-03 and 1920-11-10 begin a day earlier than in UTC+8. Before 1912
the Qing calendar used older solar and lunar theory, which this module does not try to
reproduce, so those years follow GB/T 33661 like the years from 1929.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Final

from ._errors import BaziInputError, OutOfRangeError
from ._symbols import BRANCH_ANIMAL_CHARS, BRANCH_ANIMALS, GanZhi
from ._terms import FIRST_YEAR, LAST_YEAR, new_moon_instants, term_instant

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_BEIJING_OFFSET: Final = 8 * 3600
_BEIJING_MERIDIAN_OFFSET: Final = 7 * 3600 + 45 * 60 + 40
# Instants (UT seconds) of 1912-01-01 and 1929-01-01 at 00:00 UTC+8.
_MERIDIAN_ERA: Final = (
    (date(1912, 1, 1).toordinal() - _EPOCH_ORDINAL) * 86400 - _BEIJING_OFFSET,
    (date(1929, 1, 1).toordinal() - _EPOCH_ORDINAL) * 86400 - _BEIJING_OFFSET,
)
_WINTER_SOLSTICE: Final = 23

MONTH_NAMES: Final = (
    "正月",
    "二月",
    "三月",
    "四月",
    "五月",
    "六月",
    "七月",
    "八月",
    "九月",
    "十月",
    "十一月",
    "十二月",
)
_DIGITS: Final = "一二三四五六七八九十"


@dataclass(frozen=True, slots=True)
class LunarMonth:
    """One lunar month: its year, number, leap flag, first day and length in days."""

    year: int
    month: int
    leap: bool
    first_day: date
    length: int


@dataclass(frozen=True, slots=True)
class LunarDate:
    """A lunar date. ``year`` is the lunar year, which starts at 正月初一."""

    year: int
    month: int
    leap: bool
    day: int

    @property
    def month_name(self) -> str:
        """Chinese month name such as ``正月`` or ``闰四月``."""
        return ("闰" if self.leap else "") + MONTH_NAMES[self.month - 1]

    @property
    def day_name(self) -> str:
        """Chinese day name such as ``初一``, ``廿九`` or ``三十``."""
        return day_name(self.day)

    @property
    def chinese(self) -> str:
        """Month and day in Chinese, such as ``闰四月初一``."""
        return self.month_name + self.day_name

    @property
    def year_ganzhi(self) -> GanZhi:
        """The stem-branch pair of the lunar year (1984 is 甲子)."""
        return GanZhi((self.year - 4) % 60)

    @property
    def zodiac(self) -> str:
        """English name of the year's animal, such as ``Dragon``."""
        return BRANCH_ANIMALS[self.year_ganzhi.branch]

    @property
    def zodiac_char(self) -> str:
        """Chinese character of the year's animal, such as ``龙``."""
        return BRANCH_ANIMAL_CHARS[self.year_ganzhi.branch]

    def __str__(self) -> str:
        return f"{self.year_ganzhi.chars}年{self.chinese}"


def day_name(day: int) -> str:
    """Return the Chinese name of lunar day ``day`` (1 to 30)."""
    if day == 10:
        return "初十"
    if day == 20:
        return "二十"
    if day == 30:
        return "三十"
    tens = ("初", "十", "廿")[day // 10]
    return tens + _DIGITS[day % 10 - 1]


def _beijing_day(instant: float) -> int:
    """Return the Beijing date of a UT instant as days since 1970-01-01."""
    if _MERIDIAN_ERA[0] <= instant < _MERIDIAN_ERA[1]:
        return int((instant + _BEIJING_MERIDIAN_OFFSET) // 86400)
    return int((instant + _BEIJING_OFFSET) // 86400)


@cache
def _month_table() -> tuple[LunarMonth, ...]:
    """Build every lunar month from month 11 of 1799 to month 10 of 2201."""
    new_moon_days = [_beijing_day(instant) for instant in new_moon_instants()]
    principal_days = sorted(
        _beijing_day(term_instant(year, term))
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
        for term in range(1, 24, 2)
    )
    months: list[LunarMonth] = []
    for year in range(FIRST_YEAR + 1, LAST_YEAR + 1):
        months.extend(_solstice_year(year, new_moon_days, principal_days))
    return tuple(months)


def _solstice_year(
    year: int, new_moon_days: list[int], principal_days: list[int]
) -> list[LunarMonth]:
    """Number the months from month 11 before 冬至 of ``year - 1`` to the next one."""
    first = _month_index(new_moon_days, year - 1)
    last = _month_index(new_moon_days, year)
    starts = new_moon_days[first : last + 1]
    leap_index = -1
    if last - first == 13:
        leap_index = next(
            index
            for index in range(13)
            if not _has_principal_term(principal_days, starts[index], starts[index + 1])
        )

    months = []
    number, lunar_year = 10, year - 1
    for index in range(last - first):
        leap = index == leap_index
        if not leap:
            number = number % 12 + 1
            lunar_year += number == 1
        first_day = date.fromordinal(_EPOCH_ORDINAL + starts[index])
        length = starts[index + 1] - starts[index]
        months.append(LunarMonth(lunar_year, number, leap, first_day, length))
    return months


def _month_index(new_moon_days: list[int], year: int) -> int:
    """Return the index of the new moon that starts month 11 of ``year``.

    Month 11 is the month that contains 冬至 of ``year``.
    """
    solstice_day = _beijing_day(term_instant(year, _WINTER_SOLSTICE))
    return bisect.bisect_right(new_moon_days, solstice_day) - 1


def _has_principal_term(principal_days: list[int], start: int, end: int) -> bool:
    index = bisect.bisect_left(principal_days, start)
    return index < len(principal_days) and principal_days[index] < end


def lunar_range() -> tuple[date, date]:
    """Return the first and last Gregorian dates that the lunar calendar covers."""
    months = _month_table()
    last = months[-1]
    return months[0].first_day, date.fromordinal(
        last.first_day.toordinal() + last.length - 1
    )


def lunar_date(day: date) -> LunarDate:
    """Return the lunar date of the Gregorian (Beijing) date ``day``.

    Raises ``OutOfRangeError`` outside ``lunar_range()``.
    """
    months = _month_table()
    first, last = lunar_range()
    if not first <= day <= last:
        raise OutOfRangeError(
            f"date {day.isoformat()} is outside the lunar calendar, which covers "
            f"{first.isoformat()} to {last.isoformat()}"
        )
    starts = _month_starts()
    month = months[bisect.bisect_right(starts, day.toordinal()) - 1]
    offset = day.toordinal() - month.first_day.toordinal()
    return LunarDate(month.year, month.month, month.leap, offset + 1)


@cache
def _month_starts() -> list[int]:
    return [month.first_day.toordinal() for month in _month_table()]


def lunar_month(year: int, month: int, leap: bool = False) -> LunarMonth:
    """Return lunar month ``month`` (1 to 12) of lunar ``year``, or its leap month.

    Raises ``BaziInputError`` when the year has no such leap month and
    ``OutOfRangeError`` when the month is outside ``lunar_range()``.
    """
    if not 1 <= month <= 12:
        raise BaziInputError(f"invalid lunar month {month}: expected 1 to 12")
    found = _months_by_key().get((year, month, leap))
    if found is not None:
        return found
    if leap and (year, month, False) in _months_by_key():
        raise BaziInputError(_no_leap_message(year, month))
    first, last = lunar_range()
    raise OutOfRangeError(
        f"lunar month {month} of lunar year {year} is outside the lunar calendar, "
        f"which covers {first.isoformat()} to {last.isoformat()}"
    )


@cache
def _months_by_key() -> dict[tuple[int, int, bool], LunarMonth]:
    return {(month.year, month.month, month.leap): month for month in _month_table()}


def _no_leap_message(year: int, month: int) -> str:
    leap_months = [key[1] for key in _months_by_key() if key[0] == year and key[2]]
    found = (
        f"its leap month is {leap_months[0]}" if leap_months else "it has no leap month"
    )
    return (
        f"lunar year {year} has no leap month {month} ({found}); "
        "pass leap=False for the regular month"
    )


def from_lunar(year: int, month: int, day: int, leap: bool = False) -> date:
    """Return the Gregorian date of a lunar date.

    Raises ``BaziInputError`` for a day outside the month (such as day 30 of a 29-day
    month) or a leap month that the year does not have, and ``OutOfRangeError``
    outside ``lunar_range()``.
    """
    found = lunar_month(year, month, leap)
    if not 1 <= day <= found.length:
        name = LunarDate(year, month, leap, 1).month_name
        raise BaziInputError(
            f"invalid lunar day {day}: {name} of lunar year {year} has "
            f"{found.length} days, so use a day from 1 to {found.length}"
        )
    return date.fromordinal(found.first_day.toordinal() + day - 1)
