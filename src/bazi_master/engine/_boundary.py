"""Boundary warnings: the other charts a birth could have, with their exact time spans.

A birth is uncertain for three reasons: the caller's own uncertainty (± seconds), a
time given to the minute (it covers hh:mm:00 to hh:mm:59), and the uncertainty of
the jie instants themselves. The birth window is cut at every jie instant and every
whole hour of the chart clock, and each piece is charted at its midpoint. Neighbouring
pieces with the same chart are merged, so each span edge is the exact instant the
chart changes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from . import _terms
from ._model import BoundaryWarning, ChartSpan, WarningCause, WarningKind
from ._options import ZiConvention
from ._pillars import Pillars, day_hour_at, pillars_at
from ._solar_time import instant_at_solar_seconds, solar_clock
from ._symbols import TERM_NAMES
from ._time import (
    civil_at,
    daylight_saving,
    format_time,
    naive_to_seconds,
    zone_is_steady,
)

MINUTE = 60.0
_HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class ChartClock:
    """The rules that turn a UT instant into a chart: zone, convention and clock."""

    tz: tzinfo
    zi: ZiConvention
    solar_longitude: float | None

    def clock_at(self, instant: float) -> datetime:
        """Return the chart clock at ``instant``: standard or apparent solar time."""
        if self.solar_longitude is not None:
            return solar_clock(instant, self.solar_longitude)
        civil = civil_at(instant, self.tz)
        return civil.replace(tzinfo=None) - daylight_saving(civil)

    def pillars(self, instant: float) -> Pillars:
        """Return the chart of a birth at the UT ``instant``."""
        return pillars_at(instant, self.clock_at(instant), self.zi)

    def instant_of_clock(self, clock: datetime, near: float) -> float:
        """Return the UT instant at which the chart clock reads ``clock``.

        For standard time the offset is first taken at ``near``, then at the instant
        found, so that a change of the standard offset between the two (such as the
        end of local mean time) is followed. A standard-time reading that a change
        skips or repeats maps to one side of that change.
        """
        seconds = naive_to_seconds(clock)
        if self.solar_longitude is not None:
            return instant_at_solar_seconds(seconds, self.solar_longitude)
        when = near
        for _ in range(3):
            offset = naive_to_seconds(self.clock_at(when)) - when
            if seconds - offset == when:
                break
            when = seconds - offset
        return when


@dataclass(frozen=True, slots=True)
class _Cut:
    """A point where the chart may change, and whether it is a jie."""

    instant: float
    jie: tuple[int, int] | None


def boundary_warnings(
    chart_clock: ChartClock,
    instant: float,
    uncertainty: float,
    precision: float,
) -> list[BoundaryWarning]:
    """List the warnings for a birth at ``instant``.

    ``uncertainty`` is the caller's ± seconds; ``precision`` is the length of the
    input's last digit (60 for a time given to the minute, 1 for seconds).
    """
    low, high = instant - uncertainty, instant + uncertainty + precision
    warnings = _crossing_warnings(
        chart_clock, instant, (low, high), uncertainty, precision
    )
    warnings += _term_warnings(chart_clock, instant, precision)
    return warnings


# Slack, in seconds, for rounding in the instants and clock readings compared below.
_SLACK = 2.0
# Clocks that differ by less than this over the window ran without a jump.
_EVEN = 1e-3


def clear_of_boundaries(
    chart_clock: ChartClock,
    instant: float,
    reading: datetime,
    uncertainty: float,
    precision: float,
    jies: tuple[tuple[float, float], tuple[float, float]],
) -> bool:
    """Tell, without walking the window, that ``boundary_warnings`` returns nothing.

    ``reading`` is the chart clock at ``instant``. ``jies`` gives the instant and
    uncertainty of the jie in force and of the next one. The window must contain no
    jie and no whole hour of the chart clock, with a few seconds to spare, and reach
    no jie's uncertainty. A False only means that the window needs the exact walk.
    """
    low, high = instant - uncertainty, instant + uncertainty + precision
    for when, sigma in jies:
        if not (instant + precision < when - sigma or instant > when + sigma):
            return False
    if not jies[0][0] < low - _SLACK or not high + _SLACK < jies[1][0]:
        return False

    start = reading if uncertainty == 0 else chart_clock.clock_at(low)
    return _within_hour(chart_clock, start, low, high)


def _within_hour(
    chart_clock: ChartClock, start: datetime, low: float, high: float
) -> bool:
    """Tell whether the chart clock runs from ``start`` at ``low`` to ``high``
    without reaching a whole hour.

    A fixed offset runs evenly, and apparent solar time drifts by under 30 s a day
    (1.3 s in an hour), which the slack covers. A zone's clock can jump at a
    transition, so its reading at ``high`` must be ``high - low`` after ``start``.
    """
    span = high - low
    past_hour = start.minute * 60 + start.second + start.microsecond / 1e6
    if past_hour + span + _SLACK >= _HOUR:
        return False
    tz = chart_clock.tz
    if chart_clock.solar_longitude is not None or type(tz) is timezone:
        return True
    if zone_is_steady(tz, low, high):
        return True
    end = chart_clock.clock_at(high)
    return abs((end - start).total_seconds() - span) < _EVEN


def chart_spans(chart_clock: ChartClock, low: float, high: float) -> list[ChartSpan]:
    """Split ``[low, high)`` into the spans of constant chart, in time order."""
    cuts = _cuts(chart_clock, low, high)
    points = [low, *(cut.instant for cut in cuts), high]
    spans: list[ChartSpan] = []
    for start, end in itertools.pairwise(points):
        pillars = chart_clock.pillars((start + end) / 2)
        if spans and spans[-1].pillars == pillars:
            spans[-1] = _span(chart_clock, pillars, spans[-1].start, end)
        else:
            spans.append(_span(chart_clock, pillars, start, end))
    return spans


def _span(
    chart_clock: ChartClock, pillars: Pillars, start: float, end: float
) -> ChartSpan:
    """Build a span with its local start and end."""
    return ChartSpan(
        pillars,
        start,
        end,
        civil_at(start, chart_clock.tz),
        civil_at(end, chart_clock.tz),
    )


def _cuts(chart_clock: ChartClock, low: float, high: float) -> list[_Cut]:
    """Return the jie instants and whole chart-clock hours inside the open window."""
    cuts = [
        _Cut(when, jie) for when, jie in _jie_between(low, high) if low < when < high
    ]
    clock = chart_clock.clock_at(low).replace(minute=0, second=0, microsecond=0)
    while True:
        clock += timedelta(hours=1)
        when = chart_clock.instant_of_clock(clock, low)
        if when >= high:
            break
        if when > low:
            cuts.append(_Cut(when, None))
    return sorted(cuts, key=lambda cut: cut.instant)


def _jie_between(low: float, high: float) -> list[tuple[float, tuple[int, int]]]:
    """Return each jie instant in ``[low, high]`` with its year and term."""
    instants = _terms.jie_instants()
    index = _terms.jie_index_at(low)
    found = []
    while index < len(instants) and instants[index] <= high:
        if instants[index] >= low:
            found.append((instants[index], _terms.jie_year_term(index)))
        index += 1
    return found


def _crossing_warnings(
    chart_clock: ChartClock,
    instant: float,
    window: tuple[float, float],
    uncertainty: float,
    precision: float,
) -> list[BoundaryWarning]:
    """Warn once for each boundary between the birth's chart and another chart."""
    low, high = window
    if high <= low:
        return []

    spans = chart_spans(chart_clock, low, high)
    birth = _index_of_span(spans, instant)
    jies = dict(_jie_between(low, high))
    warnings = []
    for index in range(len(spans) - 1):
        sides = (spans[index], spans[index + 1])
        other = sides[1] if index >= birth else sides[0]
        edge = sides[0].end
        reach = _reach(abs(edge - instant), uncertainty, precision)
        crossing = _Crossing(edge, jies.get(edge), sides, reach)
        warnings.append(_crossing(chart_clock, spans[birth], other, crossing))
    return warnings


def _reach(distance: float, uncertainty: float, precision: float) -> str:
    """Name what brings the birth ``distance`` seconds to an edge.

    The caller's ± span is closed, so an edge exactly that far away counts as
    uncertainty; anything farther is reached only through the input's precision.
    """
    if distance <= uncertainty:
        return "uncertainty"
    if precision >= MINUTE:
        return "minute"
    return "second"


@dataclass(frozen=True, slots=True)
class _Crossing:
    """A span edge with its jie (if any) and the spans on either side of it.

    ``reach`` names what brings the birth to the edge: ``uncertainty`` (the
    caller's ± seconds), or ``minute`` or ``second`` (the input's precision).
    """

    edge: float
    jie: tuple[int, int] | None
    sides: tuple[ChartSpan, ChartSpan]
    reach: str


def _index_of_span(spans: list[ChartSpan], instant: float) -> int:
    """Return the index of the span containing ``instant`` (the last if none does)."""
    for index, span in enumerate(spans):
        if span.end > instant:
            return index
    return len(spans) - 1


def _crossing(
    chart_clock: ChartClock,
    birth: ChartSpan,
    other: ChartSpan,
    crossing: _Crossing,
) -> BoundaryWarning:
    """Describe one boundary crossing and the chart on its far side.

    The kind describes the edge itself (the two spans that meet there), so an
    hour change on the day after the birth is still an hour change.
    """
    local = civil_at(crossing.edge, chart_clock.tz)
    before, after = crossing.sides
    if crossing.jie is not None:
        kind = WarningKind.JIE
        what = f"the jie {TERM_NAMES[crossing.jie[1]]} of {crossing.jie[0]}"
    elif before.pillars.day != after.pillars.day:
        kind, what = WarningKind.DAY, "the day change"
    else:
        kind, what = WarningKind.HOUR, "the hour-branch change"
    cause = (
        WarningCause.BIRTH_TIME_UNCERTAINTY
        if crossing.reach == "uncertainty"
        else WarningCause.MINUTE_PRECISION
    )
    message = (
        f"{what} at {format_time(local, ' ')} lies within the birth time's "
        f"{crossing.reach}; births from {format_time(other.start_local, ' ')} to "
        f"{format_time(other.end_local, ' ')} chart as {other.pillars.chars}"
    )
    return BoundaryWarning(kind, cause, message, crossing.edge, local, 0.0, (other,))


def _term_warnings(
    chart_clock: ChartClock, instant: float, precision: float
) -> list[BoundaryWarning]:
    """Warn when the birth time reaches into a jie's own uncertainty.

    Jie are about 30 days apart and uncertain by minutes at most, so only the jie in
    force at the birth and the next one can be close enough.
    """
    instants = _terms.jie_instants()
    first = _terms.jie_index_at(instant)
    warnings = []
    for index in (first, first + 1):
        year, term = _terms.jie_year_term(index)
        when = instants[index]
        sigma = _terms.term_uncertainty(year, term)
        if instant + precision < when - sigma or instant > when + sigma:
            continue
        warnings.append(_term_warning(chart_clock, instant, when, sigma, (year, term)))
    return warnings


def _term_warning(
    chart_clock: ChartClock,
    instant: float,
    jie_instant: float,
    sigma: float,
    jie: tuple[int, int],
) -> BoundaryWarning:
    """Chart the birth as if the jie fell on its other side of the birth."""
    if instant >= jie_instant:
        start, end, side = jie_instant, jie_instant + sigma, jie_instant - 1.0
    else:
        start, end, side = jie_instant - sigma, jie_instant, jie_instant + 1.0

    alternatives = _other_side_spans(chart_clock, start, end, side)
    local = civil_at(jie_instant, chart_clock.tz)
    message = (
        f"the jie {TERM_NAMES[jie[1]]} of {jie[0]} at {format_time(local, ' ')} is "
        f"known only to ±{sigma:g} s and the birth time reaches into that span; if "
        f"the jie fell on the other side of the birth, the chart is "
        f"{alternatives[0].pillars.chars}"
    )
    return BoundaryWarning(
        WarningKind.TERM_UNCERTAINTY,
        WarningCause.TERM_UNCERTAINTY,
        message,
        jie_instant,
        local,
        sigma,
        tuple(alternatives),
    )


def _other_side_spans(
    chart_clock: ChartClock, start: float, end: float, side: float
) -> list[ChartSpan]:
    """Chart ``[start, end)`` with the year and month in force at ``side``."""
    year, month = pillars_at(side, chart_clock.clock_at(side), chart_clock.zi)[:2]
    spans = []
    for span in chart_spans(chart_clock, start, end):
        day, hour = day_hour_at(
            chart_clock.clock_at((span.start + span.end) / 2), chart_clock.zi
        )
        pillars = Pillars(year, month, day, hour)
        spans.append(
            ChartSpan(pillars, span.start, span.end, span.start_local, span.end_local)
        )
    return spans
