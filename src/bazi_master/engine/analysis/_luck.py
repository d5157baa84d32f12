"""Luck pillars (大运), their start, 小运, 流年 and 流月.

Direction: a yang year stem with a male birth, or a yin year stem with a female birth,
runs forward to the next jie. The other two run backward to the previous jie. The
"male always forward" school is an option. The span to that jie becomes the start of
the first luck pillar at 3 days to 1 year, by one of two rules:

``seconds`` (default): the span in whole seconds, where 3 days of span give 1 year,
6 hours 1 month, 12 minutes 1 day, 30 seconds 1 hour, and 1 second 2 minutes. The
result is added to the birth's civil time on the calendar.

``traditional``: the calendar-day difference counts 1 day = 4 months, and the 时辰
difference counts 1 时辰 = 10 days, both read on standard time (civil time minus DST)
as the hour pillar is. The 时辰 index of a clock time is ⌊(h + 1) / 2⌋ mod 12, except
that 23:xx counts as 11 so the count stays on its civil date. When the
later 时辰 index is smaller, one day is borrowed. The years, months and days are added
to the birth's civil date, keeping the birth's clock time.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from .._errors import OutOfRangeError
from .._options import Gender, parse_choice
from .._symbols import LICHUN_TERM, GanZhi, month_stem
from .._terms import FIRST_YEAR, LAST_YEAR, all_term_instants, term_instant
from .._time import civil_at

SECONDS_PER_LUCK_YEAR: Final = 3 * 86400
SECONDS_PER_LUCK_MONTH: Final = 6 * 3600
SECONDS_PER_LUCK_DAY: Final = 12 * 60
SECONDS_PER_LUCK_HOUR: Final = 30
TROPICAL_YEAR_SECONDS: Final = 365.2422 * 86400
# One second of span moves the start by two minutes under the seconds rule.
START_SECONDS_PER_SPAN_SECOND: Final = 120


class LuckStartRule(StrEnum):
    """Rule that turns the span to the jie into the start of the first luck pillar."""

    SECONDS = "seconds"
    TRADITIONAL = "traditional"

    @classmethod
    def parse(cls, value: str) -> LuckStartRule:
        """Parse a rule name, case-insensitively; raise on anything else."""
        return parse_choice(cls, value, "luck start rule")


class LuckDirectionSchool(StrEnum):
    """School that sets the direction of the luck pillars."""

    YEAR_STEM = "year-stem"
    MALE_FORWARD = "male-forward"

    @classmethod
    def parse(cls, value: str) -> LuckDirectionSchool:
        """Parse a school name, case-insensitively; raise on anything else."""
        return parse_choice(cls, value, "luck direction school")


@dataclass(frozen=True, slots=True)
class LuckStart:
    """When the first luck pillar begins.

    ``elapsed`` is (years, months, days, hours, minutes) after the birth; the
    traditional rule leaves hours and minutes at 0. ``start`` is the aware civil
    time in the birth zone; ``start_instant`` its UT seconds.
    """

    rule: LuckStartRule
    forward: bool
    birth_instant: float
    jie_instant: float
    span_seconds: float
    elapsed: tuple[int, int, int, int, int]
    start: datetime
    start_instant: float
    uncertainty_seconds: float


@dataclass(frozen=True, slots=True)
class Luck:
    """The luck pillars of a chart, with their start and the 小运 before it.

    ``birth_year`` is the BaZi year (by 立春) of the birth and ``start_bazi_year``
    that of the start, or None when the start lies past the term table. The 虚岁 at
    the start is ``start_bazi_year - birth_year + 1``.
    """

    forward: bool
    school: LuckDirectionSchool
    start: LuckStart
    pillars: tuple[GanZhi, ...]
    birth_year: int
    start_bazi_year: int | None
    minor: tuple[GanZhi, ...]
    near_jie_seconds: float | None


def is_forward(year_stem: int, gender: Gender, school: LuckDirectionSchool) -> bool:
    """Return whether the luck pillars run forward through the 60-cycle."""
    if school is LuckDirectionSchool.MALE_FORWARD:
        return gender is Gender.MALE
    return (year_stem % 2 == 0) == (gender is Gender.MALE)


def add_calendar(wall: datetime, years: int, months: int, days: int = 0) -> datetime:
    """Add years and months on the calendar, then days.

    A day past the end of the target month is clamped to its last day (31 January
    plus one month is 28 or 29 February).
    """
    return _shift_months(wall, years * 12 + months) + timedelta(days=days)


def _shift_months(wall: datetime, months: int) -> datetime:
    """Move ``wall`` by ``months`` on the calendar, clamping the day to the last day
    of the target month."""
    total = wall.month - 1 + months
    year = wall.year + total // 12
    month = total % 12 + 1
    day = wall.day
    if day > 28:
        day = min(day, calendar.monthrange(year, month)[1])
    return wall.replace(year=year, month=month, day=day)


def _elapsed_by_seconds(span: float) -> tuple[int, int, int, int, int]:
    seconds = round(span)
    years, seconds = divmod(seconds, SECONDS_PER_LUCK_YEAR)
    months, seconds = divmod(seconds, SECONDS_PER_LUCK_MONTH)
    days, seconds = divmod(seconds, SECONDS_PER_LUCK_DAY)
    hours, seconds = divmod(seconds, SECONDS_PER_LUCK_HOUR)
    return years, months, days, hours, seconds * 2


def _shichen_index(wall: datetime) -> int:
    return 11 if wall.hour == 23 else (wall.hour + 1) // 2 % 12


def _elapsed_traditional(
    earlier: datetime, later: datetime
) -> tuple[int, int, int, int, int]:
    """Count calendar days and 时辰 between two civil times, as described above."""
    hour_steps = _shichen_index(later) - _shichen_index(earlier)
    day_steps = (later.date() - earlier.date()).days
    if hour_steps < 0:
        hour_steps += 12
        day_steps -= 1

    extra_months = hour_steps * 10 // 30
    months = day_steps * 4 + extra_months
    days = hour_steps * 10 - extra_months * 30
    return months // 12, months % 12, days, 0, 0


def _standard_clock(civil: datetime) -> datetime:
    """Return the naive standard-time reading (civil time minus DST) of ``civil``."""
    return civil.replace(tzinfo=None) - (civil.dst() or timedelta(0))


def luck_start(
    civil: datetime,
    instant: float,
    jie_instant: float,
    *,
    forward: bool,
    rule: LuckStartRule,
    jie_uncertainty: float,
) -> LuckStart:
    """Compute the start of the first luck pillar for a birth at ``instant`` (UT).

    ``civil`` is the aware birth time in its zone; ``jie_instant`` is the next jie
    when ``forward`` and the jie in force otherwise.
    """
    zone = civil.tzinfo
    assert zone is not None
    span = jie_instant - instant if forward else instant - jie_instant
    if rule is LuckStartRule.SECONDS:
        elapsed = _elapsed_by_seconds(span)
    else:
        birth_clock = _standard_clock(civil)
        jie_clock = _standard_clock(civil_at(jie_instant, zone))
        earlier, later = (
            (birth_clock, jie_clock) if forward else (jie_clock, birth_clock)
        )
        elapsed = _elapsed_traditional(earlier, later)

    # Aware arithmetic in Python moves the wall clock and keeps the zone, and adding
    # a timedelta resets ``fold`` to 0, as for a naive wall time.
    years, months, days, hours, minutes = elapsed
    start = _shift_months(civil, years * 12 + months)
    start += timedelta(days, hours * 3600 + minutes * 60)
    return LuckStart(
        rule=rule,
        forward=forward,
        birth_instant=instant,
        jie_instant=jie_instant,
        span_seconds=span,
        elapsed=elapsed,
        start=start,
        start_instant=start.timestamp(),
        uncertainty_seconds=jie_uncertainty * START_SECONDS_PER_SPAN_SECOND,
    )


def bazi_year_at(instant: float, year: int) -> int | None:
    """Return the BaZi year at ``instant``, which falls in calendar year ``year``.

    Returns None past the term table. The calendar year may be read in any zone,
    because 立春 (about 4 February) is never within a day of New Year.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    lichun = all_term_instants()[(year - FIRST_YEAR) * 24 + LICHUN_TERM]
    return year if instant >= lichun else year - 1


# _SEQUENCES[forward][index]: the 12 pairs after (or before) each pair of the cycle.
_SEQUENCE_LENGTH: Final = 12
_SEQUENCES: Final = tuple(
    tuple(
        tuple(GanZhi((index + step * k) % 60) for k in range(1, _SEQUENCE_LENGTH + 1))
        for index in range(60)
    )
    for step in (-1, 1)
)


def luck_pillars(month: GanZhi, forward: bool, count: int) -> tuple[GanZhi, ...]:
    """Return ``count`` luck pillars stepping from the month pillar."""
    if count <= _SEQUENCE_LENGTH:
        return _SEQUENCES[forward][month.index][:count]
    step = 1 if forward else -1
    return tuple(month.shift(step * k) for k in range(1, count + 1))


def minor_luck(hour: GanZhi, forward: bool, count: int) -> tuple[GanZhi, ...]:
    """Return 小运 for 虚岁 1 … ``count``, stepping from the hour pillar."""
    return luck_pillars(hour, forward, count)


def annual_pillar(year: int) -> GanZhi:
    """Return the year pillar of the BaZi year that starts at 立春 of ``year``."""
    return GanZhi(annual_pillar_index(year))


def annual_pillar_index(year: int) -> int:
    """Return the cycle index of ``annual_pillar(year)``."""
    return (year - 4) % 60


@dataclass(frozen=True, slots=True)
class FlowMonth:
    """One 流月: the month pillar and the UT instant of the jie that opens it."""

    pillar: GanZhi
    year: int
    term: int
    instant: float


def flow_months(year: int) -> tuple[FlowMonth, ...]:
    """Return the 12 months of the BaZi year ``year``, from 立春 to the 丑 month."""
    if not 1800 <= year <= 2200:
        raise OutOfRangeError(
            f"invalid year {year} for 流月: choose a year from 1800 to 2200"
        )
    year_stem = annual_pillar(year).stem
    months = []
    for k in range(12):
        term_year, term = (year, 2 + 2 * k) if k < 11 else (year + 1, 0)
        branch = (2 + k) % 12
        pillar = GanZhi.from_parts(month_stem(year_stem, branch), branch)
        months.append(FlowMonth(pillar, term_year, term, term_instant(term_year, term)))
    return tuple(months)
