"""Time zones and the conversion of a local civil time to a UT instant.

Zones are read from the pinned ``tzdata`` package, never from the host's
``/usr/share/zoneinfo``: ``zoneinfo.ZoneInfo(key)`` searches the host's folders first,
so the same birth could give different charts on machines with older or newer zone
data. Loading every zone with ``ZoneInfo.from_file`` from the package keeps charts
reproducible and lets a chart record which tzdata release it used.

An instant is a ``float``: UT seconds since 1970-01-01T00:00:00, negative before 1970.
Civil time before 1972 is treated as UT1, which is what clocks kept.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from importlib import resources
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from ._errors import (
    AmbiguousTimeError,
    NonexistentTimeError,
    OutOfRangeError,
    UnknownZoneError,
)
from ._options import Fold

FIRST_DATE: Final = datetime(1800, 1, 1)
LAST_DATE: Final = datetime(2200, 12, 31, 23, 59, 59, 999999)
TZDATA_VERSION: Final = str(importlib.import_module("tzdata").IANA_VERSION)

# Days from 0001-01-01 (proleptic Gregorian ordinal 1) to 1970-01-01.
_EPOCH_ORDINAL: Final = 719163
_EPOCH: Final = datetime(1970, 1, 1)

# ±HH, ±HHMM, ±HH:MM or ±HH:MM:SS, optionally after "UTC" or "GMT"; "UTC" and "Z" alone.
_OFFSET_PATTERN: Final = re.compile(
    r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?(?::(\d{2}))?", re.IGNORECASE
)
_MAX_OFFSET: Final = timedelta(hours=15)

# Zones that follow the daylight-saving rules of the People's Republic of China.
_PRC_ZONES: Final = frozenset(
    {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"}
)
# tzdata starts 1988 DST on 04-17 02:00; other published lists give 04-10.
DISPUTED_1988_START: Final = datetime(1988, 4, 10)
DISPUTED_1988_END: Final = datetime(1988, 4, 17, 2)


@dataclass(frozen=True, slots=True)
class Zone:
    """A resolved time zone: the ``tzinfo`` used and the label echoed in the output."""

    tzinfo: tzinfo
    label: str
    is_fixed_offset: bool


class CivilInstant(NamedTuple):
    """A local civil time placed on the UT axis.

    ``utc_offset`` and ``dst`` are in seconds; ``fold`` is the choice made for a
    repeated local time, or None when the time occurred once.
    """

    instant: float
    civil: datetime
    utc_offset: int
    dst: int
    fold: Fold | None


@cache
def zone_names() -> frozenset[str]:
    """Return every zone name that the pinned tzdata package ships."""
    text = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


@cache
def _load_zone(name: str) -> ZoneInfo:
    """Load ``name`` from the tzdata package; ``name`` must be in ``zone_names()``."""
    path = resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
    with path.open("rb") as handle:
        return ZoneInfo.from_file(handle, key=name)


@cache
def resolve_zone(text: str) -> Zone:
    """Resolve an IANA zone name or a fixed UTC offset such as ``+08:00``.

    Accepted offsets: ``±HH``, ``±HHMM``, ``±HH:MM``, ``±HH:MM:SS``, each optionally
    prefixed by ``UTC`` or ``GMT`` (``UTC+8``, ``GMT-03:30``), and ``UTC`` or ``Z``
    for zero. An offset is a fixed clock without daylight saving time, unlike a zone.
    """
    name = text.strip()
    if name in zone_names():
        return Zone(_load_zone(name), name, is_fixed_offset=False)

    offset = _parse_offset(name)
    if offset is not None:
        return Zone(timezone(offset), format_offset(offset), is_fixed_offset=True)

    raise UnknownZoneError(_unknown_zone_message(text))


def _parse_offset(text: str) -> timedelta | None:
    """Return the offset written in ``text``, or None if it is not an offset."""
    if text.upper() in {"UTC", "GMT", "Z"}:
        return timedelta(0)

    match = _OFFSET_PATTERN.fullmatch(text)
    if match is None:
        return None

    sign, hours, minutes, seconds = match.groups()
    if int(minutes or 0) >= 60 or int(seconds or 0) >= 60:
        return None
    offset = timedelta(
        hours=int(hours), minutes=int(minutes or 0), seconds=int(seconds or 0)
    )
    if offset > _MAX_OFFSET:
        raise UnknownZoneError(
            f"invalid UTC offset {text!r}: offsets run from -15:00 to +15:00"
        )
    return -offset if sign == "-" else offset


def _unknown_zone_message(text: str) -> str:
    """Build the error message for an unknown zone, with the closest names."""
    import difflib  # only on this error path, to keep the engine's import fast

    by_folded = {name.casefold(): name for name in zone_names()}
    exact = by_folded.get(text.strip().casefold())
    if exact is not None:
        hint = f"did you mean {exact!r}? Zone names are case-sensitive"
    else:
        close = difflib.get_close_matches(text.strip(), sorted(zone_names()), n=3)
        hint = f"closest names: {', '.join(close)}" if close else "no close names"
    return (
        f"unknown time zone {text!r}: expected an IANA name such as 'Asia/Shanghai' "
        f"or a UTC offset such as '+08:00' ({hint})"
    )


def format_offset(offset: timedelta | int) -> str:
    """Format an offset as ``+08:00`` (``+08:05:43`` when it has seconds)."""
    seconds = int(offset.total_seconds()) if isinstance(offset, timedelta) else offset
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{secs:02d}" if secs else text


def check_range(local: datetime) -> None:
    """Raise ``OutOfRangeError`` unless ``local`` lies in 1800-01-01..2200-12-31."""
    if not FIRST_DATE <= local <= LAST_DATE:
        raise OutOfRangeError(
            f"birth time {local.isoformat(sep=' ')} is outside the supported range: "
            "charts cover local times from 1800-01-01 to 2200-12-31"
        )


def naive_to_seconds(local: datetime) -> float:
    """Return the seconds from 1970-01-01 to the naive ``local``, read as a UT clock."""
    days = local.toordinal() - _EPOCH_ORDINAL
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return days * 86400 + seconds + local.microsecond / 1e6


def seconds_to_naive(seconds: float) -> datetime:
    """Return the naive clock reading ``seconds`` after 1970-01-01T00:00:00."""
    return _EPOCH + timedelta(seconds=seconds)


def civil_at(instant: float, tz: tzinfo) -> datetime:
    """Return the aware civil time in ``tz`` at the UT ``instant``."""
    utc = seconds_to_naive(instant).replace(tzinfo=tz)
    return tz.fromutc(utc)


def utc_datetime(instant: float) -> datetime:
    """Return the instant as an aware UTC datetime."""
    return seconds_to_naive(instant).replace(tzinfo=UTC)


def to_instant(local: datetime, tz: tzinfo, fold: Fold | None = None) -> CivilInstant:
    """Place the naive civil time ``local`` of zone ``tz`` on the UT axis.

    Raises ``NonexistentTimeError`` for a time skipped by a clock change and
    ``AmbiguousTimeError`` for a repeated time unless ``fold`` picks the offset.
    """
    first = local.replace(tzinfo=tz, fold=0)
    if type(tz) is timezone:
        # A fixed offset has no gaps, no repeats and no DST.
        seconds = tz.utcoffset(None).total_seconds()
        return CivilInstant(
            naive_to_seconds(local) - seconds, first, int(seconds), 0, None
        )

    offset = first.utcoffset()
    second_offset = local.replace(tzinfo=tz, fold=1).utcoffset()
    if offset is None or second_offset is None:
        raise UnknownZoneError(f"time zone {tz!r} gives no UTC offset for {local}")

    chosen: Fold | None = None
    aware = first
    if offset != second_offset:
        chosen = _check_transition(local, tz, fold)
        if chosen is Fold.LATER:
            aware = local.replace(tzinfo=tz, fold=1)
            offset = second_offset

    dst = daylight_saving(aware)
    offset_seconds = int(offset.total_seconds())
    instant = naive_to_seconds(local) - offset.total_seconds()
    return CivilInstant(
        instant, aware, offset_seconds, int(dst.total_seconds()), chosen
    )


def daylight_saving(aware: datetime) -> timedelta:
    """Return how far the civil clock of ``aware`` runs ahead of its standard time.

    tzdata models some zones with a negative DST in winter (Europe/Dublin since 1971,
    Africa/Windhoek 1994-2017), so ``dst()`` there is -1 h in winter and 0 in summer.
    The chart clock needs the clock without the seasonal shift, so such a winter
    counts as 0 and the summer as the +1 h it is relative to winter.

    NOTE: Africa/Casablanca's Ramadan offset is also a negative DST. There only the
    Ramadan weeks count as 0, and the rest of the year keeps +01:00 as standard time.
    """
    dst = aware.dst() or timedelta(0)
    zone = aware.tzinfo
    if zone is None or not _has_negative_dst(zone):
        return dst
    if dst < timedelta(0):
        return timedelta(0)

    offset = aware.utcoffset() or timedelta(0)
    for days in (-182, 182):
        other = civil_at(aware.timestamp() + days * 86400.0, zone)
        other_dst = other.dst() or timedelta(0)
        if other_dst < timedelta(0) and other.utcoffset() == offset + other_dst:
            return dst - other_dst
    return dst


@cache
def _has_negative_dst(tz: tzinfo) -> bool:
    """Tell whether ``tz`` ever reports a negative DST from 1800 to 2200."""
    if not isinstance(tz, ZoneInfo):
        return False
    for year in range(1800, 2201):
        for month in range(1, 13):
            dst = datetime(year, month, 15, 12, tzinfo=tz).dst()
            if dst is not None and dst < timedelta(0):
                return True
    return False


def _check_transition(local: datetime, tz: tzinfo, fold: Fold | None) -> Fold:
    """Tell a repeated time from a skipped one; return the fold to use or raise."""
    readings = [_reading(local, tz, value) for value in (0, 1)]
    valid = [reading for reading in readings if reading.replace(tzinfo=None) == local]
    if not valid:
        raise NonexistentTimeError(_gap_message(local, tz))
    if fold is None:
        raise AmbiguousTimeError(_ambiguous_message(local, tz, readings))
    return fold


def _reading(local: datetime, tz: tzinfo, fold: int) -> datetime:
    """Convert ``local`` to UTC with one fold and back to the zone's civil time."""
    aware = local.replace(tzinfo=tz, fold=fold)
    offset = aware.utcoffset() or timedelta(0)
    return civil_at(naive_to_seconds(local) - offset.total_seconds(), tz)


def _gap_message(local: datetime, tz: tzinfo) -> str:
    """Describe the clock change that skipped ``local`` and the valid times near it."""
    before = local.replace(tzinfo=tz, fold=0).utcoffset() or timedelta(0)
    after = local.replace(tzinfo=tz, fold=1).utcoffset() or timedelta(0)
    early = naive_to_seconds(local) - max(before, after).total_seconds()
    late = naive_to_seconds(local) - min(before, after).total_seconds()
    change = _find_change(early, late, tz)
    last_valid = civil_at(change - 1, tz).replace(tzinfo=None)
    first_valid = civil_at(change, tz).replace(tzinfo=None)
    return (
        f"local time {local.isoformat(sep=' ')} does not exist in {tz}: clocks moved "
        f"from {format_offset(before)} to {format_offset(after)}, so the last valid "
        f"time before the gap is {last_valid.isoformat(sep=' ')} and the first after "
        f"it is {first_valid.isoformat(sep=' ')}; check the birth time or the zone"
    )


def _find_change(early: float, late: float, tz: tzinfo) -> float:
    """Return the first whole UT second in ``(early, late]`` with the later offset."""
    low, high = int(early), int(late) + 1
    target = civil_at(high, tz).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if civil_at(middle, tz).utcoffset() == target:
            high = middle
        else:
            low = middle
    return float(high)


def _ambiguous_message(local: datetime, tz: tzinfo, readings: list[datetime]) -> str:
    """Describe the two offsets a repeated local time could have."""
    first, second = (format_offset(r.utcoffset() or timedelta(0)) for r in readings)
    return (
        f"local time {local.isoformat(sep=' ')} occurred twice in {tz}: first at UTC"
        f"{first}, then at UTC{second}; set fold to 'earlier' for the first or "
        "'later' for the second"
    )


def is_disputed_1988(local: datetime, zone: Zone) -> bool:
    """Tell whether a PRC-zone birth falls in the disputed start of 1988 DST.

    tzdata starts DST on 1988-04-17; other published lists give 1988-04-10, so a
    birth between the two dates may have been recorded one hour ahead of tzdata.
    """
    if zone.label not in _PRC_ZONES:
        return False
    return DISPUTED_1988_START <= local < DISPUTED_1988_END


def format_time(moment: datetime, sep: str = "T") -> str:
    """Format a datetime in ISO 8601, with milliseconds only when it has a fraction."""
    timespec = "milliseconds" if moment.microsecond else "seconds"
    return moment.isoformat(sep=sep, timespec=timespec)
