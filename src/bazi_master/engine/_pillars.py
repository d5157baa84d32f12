"""The four pillars from a UT instant and the clock that the day and hour are read from.

Year and month come from the jie instants: the year changes at 立春 and the month at
each of the 12 jie, both compared with the birth's UT instant. Day and hour come from
the chart clock (standard time, or apparent solar time): the day is
``(JDN + 49) mod 60`` of the chart date and the hour branch is ``⌊(h + 1) / 2⌋ mod 12``
with the stem by 五鼠遁. Everything here is table lookup and integer arithmetic, so
``four_pillars`` charts several hundred thousand births per second.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from functools import cache
from typing import Final, NamedTuple

from . import _terms
from ._errors import BaziInputError
from ._options import Fold, ZiConvention
from ._symbols import LICHUN_TERM, GanZhi, hour_stem, jie_month_branch, month_stem
from ._time import check_range, resolve_zone, to_instant

# JDN = proleptic Gregorian ordinal + 1,721,425; the day index is (JDN + 49) mod 60.
_ORDINAL_TO_DAY_INDEX: Final = 1721425 + 49
_CYCLE: Final = tuple(GanZhi(index) for index in range(60))


class Pillars(NamedTuple):
    """The year, month, day and hour pillars of one chart."""

    year: GanZhi
    month: GanZhi
    day: GanZhi
    hour: GanZhi

    @property
    def chars(self) -> str:
        """The eight characters, a space between pillars: ``庚午 辛巳 庚辰 癸未``."""
        return " ".join(pillar.chars for pillar in self)


@cache
def _jie_year_month() -> tuple[tuple[GanZhi, GanZhi], ...]:
    """Return the year and month pillars that start at each stored jie, in order."""
    pairs = []
    for index in range(len(_terms.jie_instants())):
        year, term = _terms.jie_year_term(index)
        bazi_year = year if term >= LICHUN_TERM else year - 1
        year_pillar = _CYCLE[(bazi_year - 4) % 60]
        branch = jie_month_branch(term)
        stem = month_stem(year_pillar.stem, branch)
        pairs.append((year_pillar, GanZhi.from_parts(stem, branch)))
    return tuple(pairs)


def year_month_at(instant: float) -> tuple[GanZhi, GanZhi]:
    """Return the year and month pillars in force at the UT ``instant``."""
    return _jie_year_month()[_terms.jie_index_at(instant)]


def pillars_at_jie(jie_index: int, clock: datetime, zi: ZiConvention) -> Pillars:
    """Return the four pillars for the jie number ``jie_index`` (the one in force,
    as ``_terms.jie_index_at`` finds it) and the chart-clock reading."""
    year, month = _jie_year_month()[jie_index]
    day, hour = day_hour_at(clock, zi)
    return Pillars(year, month, day, hour)


def day_hour_at(clock: datetime, zi: ZiConvention) -> tuple[GanZhi, GanZhi]:
    """Return the day and hour pillars for a reading of the chart clock.

    Between 23:00 and 24:00 the convention decides: ``roll`` moves the day to the
    next date, ``stay-next`` keeps the date but takes the hour stem from the next day,
    ``stay-same`` keeps both.
    """
    day_index = (clock.toordinal() + _ORDINAL_TO_DAY_INDEX) % 60
    hour = clock.hour
    branch = ((hour + 1) // 2) % 12
    if hour != 23 or zi is ZiConvention.STAY_SAME:
        return _CYCLE[day_index], _hour_pillar(day_index, branch)

    next_index = (day_index + 1) % 60
    hour_pillar = _hour_pillar(next_index, branch)
    if zi is ZiConvention.ROLL:
        return _CYCLE[next_index], hour_pillar
    return _CYCLE[day_index], hour_pillar


def _hour_pillar(day_index: int, branch: int) -> GanZhi:
    """Return the hour pillar of ``branch`` on the day ``day_index`` (五鼠遁)."""
    stem = hour_stem(day_index % 10, branch)
    # The cycle index of a stem and a branch of the same parity.
    return _CYCLE[(6 * stem - 5 * branch) % 60]


def pillars_at(instant: float, clock: datetime, zi: ZiConvention) -> Pillars:
    """Return the four pillars for a UT instant and its chart-clock reading."""
    year, month = year_month_at(instant)
    day, hour = day_hour_at(clock, zi)
    return Pillars(year, month, day, hour)


def four_pillars(
    birth: datetime,
    tz: str | tzinfo = "+08:00",
    zi: ZiConvention | str = ZiConvention.ROLL,
    fold: Fold | str | None = None,
) -> Pillars:
    """Chart a naive local civil time quickly, without the details of a full chart.

    ``tz`` is an IANA name, a UTC offset or a ``tzinfo``. Day and hour are read from
    standard time (civil time minus DST). The checks and rules are those of
    ``compute_pillars``, which shares this code and adds solar time and warnings.

    >>> four_pillars(datetime(1990, 5, 15, 14, 0)).chars
    '庚午 辛巳 庚辰 癸未'
    """
    if not isinstance(birth, datetime):
        raise BaziInputError(f"invalid birth {birth!r}: expected a datetime")
    if birth.tzinfo is not None:
        raise BaziInputError(
            f"invalid birth {birth.isoformat()}: expected a naive local time; "
            "pass the zone in tz instead of attaching it to the datetime"
        )
    if not isinstance(tz, str | tzinfo):
        raise BaziInputError(
            f"invalid tz {tz!r}: expected an IANA name, a UTC offset such as "
            "'+08:00', or a tzinfo"
        )
    check_range(birth)
    if not isinstance(zi, ZiConvention):
        zi = ZiConvention.parse(zi)
    if fold is not None and not isinstance(fold, Fold):
        fold = Fold.parse(fold)

    zone = resolve_zone(tz).tzinfo if isinstance(tz, str) else tz
    placed = to_instant(birth, zone, fold)
    clock = birth - timedelta(seconds=placed.dst) if placed.dst else birth
    return pillars_at(placed.instant, clock, zi)
