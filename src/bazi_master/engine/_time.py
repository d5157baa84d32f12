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

import bisect
import importlib
import math
import re
import struct
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
# TZif header: magic and version (5 bytes), 15 reserved bytes, then six counts.
_TZIF_COUNTS: Final = struct.Struct(">20x6l")

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
        raise UnknownZoneError(
            f"invalid UTC offset {quote_input(text)}: minutes and seconds run from "
            "00 to 59, as in '+05:45'"
        )
    offset = timedelta(
        hours=int(hours), minutes=int(minutes or 0), seconds=int(seconds or 0)
    )
    if offset > _MAX_OFFSET:
        raise UnknownZoneError(
            f"invalid UTC offset {quote_input(text)}: offsets run from -15:00 to +15:00"
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
        f"unknown time zone {quote_input(text)}: expected an IANA name such as "
        f"'Asia/Shanghai' or a UTC offset such as '+08:00' ({hint})"
    )


def quote_input(text: str, limit: int = 60) -> str:
    """Quote a caller's value for an error message, cut to ``limit`` characters.

    A cut value ends with an ellipsis and gives its full length, so an error line
    stays short even for a name of 100,000 characters.
    """
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


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

    steady = _steady_period(local, tz)
    if steady is not None:
        instant, offset_seconds, dst_seconds = steady
        return CivilInstant(instant, first, offset_seconds, dst_seconds, None)

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


# Every tzdata offset lies within ±16 h, so a local time a day clear of every
# transition occurred once, in the period found by comparing it with UT transitions.
_DAY: Final = 86400.0


def _steady_period(local: datetime, tz: tzinfo) -> tuple[float, int, int] | None:
    """Return the instant, UTC offset and DST, in seconds, of ``local`` when it lies
    a day clear of the zone's transitions, or None when ``to_instant`` must query
    the zone.

    In the zones that ``_steady_transitions`` accepts (no negative DST), each period
    between two transitions has one offset and one DST, so both are read from the
    zone once per period and cached.
    """
    steady = _steady_transitions(tz)
    if steady is None:
        return None

    times, until = steady
    wall = naive_to_seconds(local)
    index = bisect.bisect_right(times, wall) - 1
    following = times[index + 1] if index + 1 < len(times) else until
    if index < 0 or wall - _DAY < times[index] or wall + _DAY >= following:
        return None

    known = _period_values(tz)
    values = known.get(index)
    if values is None:
        values = _read_period(local, tz)
        known[index] = values
    offset, dst = values
    return wall - offset, int(offset), dst


@cache
def _period_values(tz: tzinfo) -> dict[int, tuple[float, int]]:
    """Return the cache of ``_steady_period`` values of ``tz``, by period index."""
    return {}


def _read_period(local: datetime, tz: tzinfo) -> tuple[float, int]:
    """Read the UTC offset and DST, in seconds, of ``local`` from the zone."""
    aware = local.replace(tzinfo=tz, fold=0)
    offset = aware.utcoffset() or timedelta(0)
    return offset.total_seconds(), int(daylight_saving(aware).total_seconds())


def daylight_saving(aware: datetime) -> timedelta:
    """Return how far the civil clock of ``aware`` runs ahead of its standard time.

    tzdata models some zones with a negative DST in winter (Europe/Dublin since 1971,
    Africa/Windhoek 1994-2017), so ``dst()`` there is -1 h in winter and 0 in summer.
    The chart clock needs the clock without the seasonal shift, so such a winter
    counts as 0 and the summer as the +1 h it is relative to winter.

    Africa/Casablanca's Ramadan offset (2019-2026) is also a negative DST, but there
    the weeks of Ramadan count as 0 and the rest of the year keeps +01:00 as its
    standard time. A summer therefore counts as DST only when it lies between two
    negative-DST periods and lasts under 245 days (Dublin's and Windhoek's last about
    7 months, Casablanca's periods between Ramadans about 10).
    """
    dst = _zone_dst(aware)
    zone = aware.tzinfo
    if zone is None or not _has_negative_dst(zone):
        return dst
    if dst < timedelta(0):
        return timedelta(0)

    summers, footer_start = _negative_dst_summers(getattr(zone, "key", None))
    moment = aware.timestamp()
    if moment < footer_start:
        return dst + _summer_shift(summers, moment)
    if not _footer_has_dst(zone):
        return dst
    return dst + _footer_summer_shift(aware)


def _summer_shift(summers: list[tuple[float, float, int]], moment: float) -> timedelta:
    """Return the summer shift of the period containing ``moment``, or zero."""
    index = bisect.bisect_right(summers, (moment, math.inf)) - 1
    if index >= 0 and moment < summers[index][1]:
        return timedelta(seconds=summers[index][2])
    return timedelta(0)


def _footer_summer_shift(aware: datetime) -> timedelta:
    """Return the summer shift under the zone's yearly rule, after its last listed
    transition, from the nearest winter of negative DST.

    Such a summer lasts about 7 months, so a winter lies within 4 months on one side.
    """
    zone = aware.tzinfo
    assert zone is not None
    offset = aware.utcoffset() or timedelta(0)
    moment = aware.timestamp()
    for days in range(15, 136, 15):
        for sign in (-1, 1):
            other = civil_at(moment + sign * days * 86400.0, zone)
            other_dst = _zone_dst(other)
            if other_dst < timedelta(0) and other.utcoffset() == offset + other_dst:
                return -other_dst
    return timedelta(0)


@cache
def _negative_dst_summers(
    name: str | None,
) -> tuple[list[tuple[float, float, int]], float]:
    """Return the summers between two negative-DST periods, and the last transition.

    Each summer is (start, end, shift seconds), UT seconds: a standard-time period
    shorter than 245 days whose neighbours are both DST periods with a lower offset.
    Instants from the last listed transition on follow the zone's yearly rule.
    """
    if name is None or name not in zone_names():
        return [], -math.inf
    times, types = _read_transitions(name)
    if not times:
        return [], -math.inf
    summers = []
    for index in range(1, len(types) - 1):
        offset, is_dst = types[index]
        before, after = types[index - 1], types[index + 1]
        length = times[index + 1] - times[index]
        if is_dst or not (before[1] and after[1]) or length >= 245 * 86400:
            continue
        if before[0] < offset and after[0] < offset:
            summers.append(
                (float(times[index]), float(times[index + 1]), offset - before[0])
            )
    return summers, float(times[-1])


@cache
def _footer_has_dst(tz: tzinfo) -> bool:
    """Tell whether the zone's yearly rule (seen in 2200) has any DST at all."""
    return any(
        _zone_dst(datetime(2200, month, 15, 12, tzinfo=tz)) != timedelta(0)
        for month in range(1, 13)
    )


def _zone_dst(aware: datetime) -> timedelta:
    """Return the DST of ``aware``, corrected where ``zoneinfo`` guesses it wrong.

    Zone files store each period's UTC offset and a DST flag but not the DST amount,
    so ``zoneinfo`` infers it from the neighbouring periods. Where both neighbours
    are DST too, it falls back to 1 h: British double summer time (1941-1947), Berlin
    (1945-1947) and Lisbon (1942-1945) had 2 h. Where the next period starts a new
    standard offset, the inferred DST can turn negative (Hong Kong 1941, Kyiv 1943).
    ``_dst_corrections`` measures those periods from the last standard offset.
    """
    periods = _dst_corrections(getattr(aware.tzinfo, "key", None))
    if periods:
        moment = aware.timestamp()
        index = bisect.bisect_right(periods, (moment, math.inf)) - 1
        if index >= 0 and moment < periods[index][1]:
            return timedelta(seconds=periods[index][2])
    return aware.dst() or timedelta(0)


@cache
def _dst_corrections(name: str | None) -> list[tuple[float, float, int]]:
    """Return the zone's periods whose DST ``zoneinfo`` infers wrongly.

    Each entry is (start, end, DST seconds), UT seconds, in time order. A DST period
    is listed when both neighbouring periods are DST too or ``zoneinfo``'s value is
    negative. Its DST is then its offset above the last standard offset before it,
    or, when that is not in (0, 2 h] and ``zoneinfo``'s value is negative, above the
    first standard offset after it (German-occupied Kyiv in 1941 went from Moscow
    time straight to CEST, which is CET + 1 h).
    """
    if name is None or name not in zone_names():
        return []
    times, types = _read_transitions(name)
    zone = _load_zone(name)
    previous = _standard_offsets(types)
    following = _standard_offsets(types[::-1])[::-1]
    periods: list[tuple[float, float, int]] = []
    # The last period runs into the zone's yearly rule, which states its DST.
    for index in range(len(types) - 1):
        offset, is_dst = types[index]
        if not is_dst:
            continue
        inferred = civil_at(float(times[index]), zone).dst() or timedelta(0)
        between_dst = index > 0 and types[index - 1][1] and types[index + 1][1]
        candidates = [previous[index]] if between_dst else []
        if inferred < timedelta(0):
            candidates = [previous[index], following[index]]
        for standard in candidates:
            if standard is not None and 0 < offset - standard <= 7200:
                end = float(times[index + 1])
                periods.append((float(times[index]), end, offset - standard))
                break
    return periods


def _standard_offsets(types: list[tuple[int, bool]]) -> list[int | None]:
    """Return, for each period, the offset of the last standard period before it."""
    found: list[int | None] = []
    standard: int | None = None
    for offset, is_dst in types:
        found.append(standard)
        if not is_dst:
            standard = offset
    return found


def _read_transitions(name: str) -> tuple[list[int], list[tuple[int, bool]]]:
    """Read the 64-bit transitions of a TZif file: UT seconds and (offset, is DST).

    The layout is RFC 8536: a header of six counts, a 32-bit data block that is
    skipped, then a second header and the 64-bit data block.
    """
    path = resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
    data = path.read_bytes()
    if data[:4] != b"TZif" or data[4:5] == b"\0":
        return [], []

    utc_flags, std_flags, leaps, times, kinds, chars = _TZIF_COUNTS.unpack_from(data)
    start = _TZIF_COUNTS.size + times * 5 + kinds * 6 + chars + leaps * 8
    start += std_flags + utc_flags
    _, _, _, times, kinds, _ = _TZIF_COUNTS.unpack_from(data, start)
    start += _TZIF_COUNTS.size

    moments = struct.unpack_from(f">{times}q", data, start)
    indices = data[start + times * 8 : start + times * 9]
    start += times * 9
    records = [struct.unpack_from(">lB", data, start + 6 * i) for i in range(kinds)]
    return list(moments), [(records[i][0], bool(records[i][1])) for i in indices]


# A POSIX TZ string with a standard time and no DST rule, such as "CST-8".
_STANDARD_ONLY_FOOTER: Final = re.compile(
    rb"(?:<[^>]*>|[A-Za-z]+)[+-]?\d{1,3}(?::\d{2}){0,2}"
)


def zone_is_steady(tz: tzinfo, low: float, high: float) -> bool:
    """Tell whether the standard-time clock of ``tz`` runs evenly over [low, high].

    True means that no transition of a zone read from the tzdata package falls in
    the span, so the UTC offset and ``daylight_saving`` stay the same. False means
    only that this cannot be shown here: the span may hold a transition, the zone
    may follow a yearly rule there, or its DST may be read from other dates (zones
    with a negative DST).
    """
    steady = _steady_transitions(tz)
    if steady is None:
        return False
    times, until = steady
    if high >= until:
        return False
    return bisect.bisect_left(times, low) == bisect.bisect_right(times, high)


@cache
def _steady_transitions(tz: tzinfo) -> tuple[list[float], float] | None:
    """Return the zone's listed transitions and the instant up to which the list is
    complete, or None when ``zone_is_steady`` cannot use them."""
    name = getattr(tz, "key", None)
    if name is None or name not in zone_names() or tz is not _load_zone(name):
        return None
    if _has_negative_dst(tz):
        return None
    times, _ = _read_transitions(name)
    path = resources.files("tzdata.zoneinfo").joinpath(*name.split("/"))
    footer = path.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    if _STANDARD_ONLY_FOOTER.fullmatch(footer):
        until = math.inf
    else:
        until = float(times[-1]) if times else -math.inf
    return [float(when) for when in times], until


@cache
def _has_negative_dst(tz: tzinfo) -> bool:
    """Tell whether ``tz`` ever has a negative DST from 1800 to 2200."""
    if not isinstance(tz, ZoneInfo):
        return False
    for year in range(1800, 2201):
        for month in range(1, 13):
            if _zone_dst(datetime(year, month, 15, 12, tzinfo=tz)) < timedelta(0):
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
