"""``compute_pillars``: a full four-pillar chart with zone, solar time and warnings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from . import _terms
from ._boundary import MINUTE, ChartClock, boundary_warnings, clear_of_boundaries
from ._errors import BaziInputError
from ._model import (
    BirthInput,
    BoundaryWarning,
    ChartSpan,
    JieInfo,
    Location,
    PillarChart,
    SolarTime,
    WarningCause,
    WarningKind,
)
from ._pillars import Pillars, pillars_at, pillars_at_jie
from ._solar_time import clock_longitude, solar_clock, solar_time
from ._symbols import (
    BRANCH_ANIMALS,
    BRANCH_CHARS,
    BRANCH_ELEMENTS,
    BRANCH_PINYIN,
    ELEMENT_CHARS,
    ELEMENT_NAMES,
    STEM_CHARS,
    STEM_ELEMENTS,
    STEM_PINYIN,
    TERM_NAMES,
    GanZhi,
)
from ._time import (
    TZDATA_VERSION,
    CivilInstant,
    Zone,
    check_range,
    civil_at,
    format_offset,
    format_time,
    is_disputed_1988,
    naive_to_seconds,
    resolve_zone,
    to_instant,
    utc_datetime,
)
from ._zone_links import linked_zone_warning

# The offset that published lists other than tzdata give to 1988-04-10..04-17.
_DISPUTED_OFFSET = timezone(timedelta(hours=9))


def compute_pillars(birth: BirthInput) -> PillarChart:
    """Chart a birth: four pillars, the clocks used, the jie around it and warnings.

    >>> from datetime import datetime
    >>> chart = compute_pillars(BirthInput(datetime(1990, 5, 15, 14, 0), tz="+08:00"))
    >>> chart.pillars.chars
    '庚午 辛巳 庚辰 癸未'
    """
    check_range(birth.birth)
    location = _resolve_location(birth)
    zone = resolve_zone(_zone_name(birth, location))
    placed = to_instant(birth.birth, zone.tzinfo, birth.fold)
    longitude = _solar_longitude(birth, location, placed.utc_offset)

    chart_clock = _chart_clock(birth.birth, placed, longitude)
    jie_index = _terms.jie_index_at(placed.instant)
    pillars = pillars_at_jie(jie_index, chart_clock, birth.zi)
    solar = (
        None
        if longitude is None
        else solar_time(placed.instant, _given_longitude(location), placed.civil)
    )

    jie, next_jie = _jie_infos()[jie_index : jie_index + 2]
    clock = ChartClock(zone.tzinfo, birth.zi, longitude)
    warnings = _warnings(birth, zone, clock, placed, (chart_clock, jie, next_jie))
    return PillarChart(
        birth=birth,
        pillars=pillars,
        instant=placed.instant,
        civil=placed.civil,
        tzinfo=zone.tzinfo,
        zone_label=zone.label,
        zone_is_fixed_offset=zone.is_fixed_offset,
        utc_offset_seconds=placed.utc_offset,
        dst_seconds=placed.dst,
        fold=placed.fold,
        chart_clock=chart_clock,
        solar_time=solar,
        location=location,
        jie=jie,
        next_jie=next_jie,
        warnings=tuple(warnings),
        tzdata_version=TZDATA_VERSION,
    )


def _resolve_location(birth: BirthInput) -> Location | None:
    """Look up the place, if any; coordinates given by the caller take precedence."""
    if birth.place is None:
        if birth.latitude is None or birth.longitude is None:
            return None
        return Location(birth.latitude, birth.longitude, None, "coordinates")

    from ._places import resolve_place

    place = resolve_place(birth.place)
    if birth.latitude is not None and birth.longitude is not None:
        return Location(
            birth.latitude,
            birth.longitude,
            None,
            "coordinates",
            place.name,
            place.country,
            place.alternatives,
        )
    return Location(
        place.latitude,
        place.longitude,
        place.zone,
        "place",
        place.name,
        place.country,
        place.alternatives,
    )


def _zone_name(birth: BirthInput, location: Location | None) -> str:
    """Return the caller's zone, else the place's, else the one at the coordinates."""
    if birth.tz is not None:
        return birth.tz
    if location is None:
        raise BaziInputError("missing time zone: give tz, a place, or coordinates")
    if location.zone is not None:
        return location.zone

    from ._places import zone_at

    return zone_at(location.latitude, location.longitude)


def _solar_longitude(
    birth: BirthInput, location: Location | None, utc_offset: int
) -> float | None:
    """Return the longitude the solar clock is read at, or None when it is off.

    The longitude is shifted by 360° where the zone lies across the date line
    (``clock_longitude``), so the solar clock keeps the zone's calendar date.
    """
    if not birth.true_solar_time:
        return None
    return clock_longitude(_given_longitude(location), utc_offset)


def _given_longitude(location: Location | None) -> float:
    """Return the birth longitude, or raise when true solar time has none."""
    if location is None:
        raise BaziInputError(
            "true solar time needs the birth longitude: give latitude and longitude "
            "or a place, or turn true_solar_time off"
        )
    return location.longitude


def _chart_clock(
    local: datetime, placed: CivilInstant, longitude: float | None
) -> datetime:
    """Return the clock the day and hour are read from: standard or solar time."""
    if longitude is not None:
        return solar_clock(placed.instant, longitude)
    return local - timedelta(seconds=placed.dst)


@cache
def _jie_infos() -> tuple[JieInfo, ...]:
    """Describe every stored jie, in the order of ``_terms.jie_instants()``."""
    infos = []
    for index, instant in enumerate(_terms.jie_instants()):
        year, term = _terms.jie_year_term(index)
        infos.append(JieInfo(year, term, instant, _terms.term_uncertainty(year, term)))
    return tuple(infos)


def _warnings(
    birth: BirthInput,
    zone: Zone,
    clock: ChartClock,
    placed: CivilInstant,
    around: tuple[datetime, JieInfo, JieInfo],
) -> list[BoundaryWarning]:
    """Collect the boundary warnings and the zone warnings (disputed DST, link).

    ``around`` is the chart-clock reading at the birth, the jie in force and the next.
    """
    precision = 1.0 if birth.has_seconds else MINUTE
    warnings = _boundary_warnings(birth, clock, placed.instant, precision, around)
    if is_disputed_1988(birth.birth, zone):
        warnings.append(_disputed_warning(birth, clock, precision))
    start = placed.instant - birth.uncertainty_seconds
    linked = linked_zone_warning(zone.label, start, placed.utc_offset)
    if linked is not None:
        warnings.append(linked)
    return warnings


def _boundary_warnings(
    birth: BirthInput,
    clock: ChartClock,
    instant: float,
    precision: float,
    around: tuple[datetime, JieInfo, JieInfo],
) -> list[BoundaryWarning]:
    """Return ``boundary_warnings`` for the birth, without walking the birth window
    when ``clear_of_boundaries`` shows that it contains no boundary (most births)."""
    reading, jie, next_jie = around
    jies = (
        (jie.instant, jie.uncertainty_seconds),
        (next_jie.instant, next_jie.uncertainty_seconds),
    )
    uncertainty = birth.uncertainty_seconds
    if clear_of_boundaries(clock, instant, reading, uncertainty, precision, jies):
        return []
    return boundary_warnings(clock, instant, uncertainty, precision)


def _disputed_warning(
    birth: BirthInput, clock: ChartClock, precision: float
) -> BoundaryWarning:
    """Chart the birth as if DST (UTC+9) had started on 1988-04-10."""
    instant = naive_to_seconds(birth.birth) - 9 * 3600
    if clock.solar_longitude is not None:
        chart_clock = solar_clock(instant, clock.solar_longitude)
    else:
        chart_clock = birth.birth - timedelta(hours=1)
    pillars = pillars_at(instant, chart_clock, clock.zi)

    span = ChartSpan(
        pillars,
        instant,
        instant + precision,
        civil_at(instant, _DISPUTED_OFFSET),
        civil_at(instant + precision, _DISPUTED_OFFSET),
    )
    message = (
        "tzdata starts 1988 daylight saving time in China on 04-17, but other "
        "published lists give 04-10; if the birth was recorded on DST (UTC+09:00), "
        f"the chart is {pillars.chars}. Give the offset '+09:00' to chart it that way"
    )
    return BoundaryWarning(
        WarningKind.DISPUTED_DST,
        WarningCause.ZONE_RULES,
        message,
        None,
        None,
        0.0,
        (span,),
    )


def chart_to_dict(chart: PillarChart) -> dict[str, Any]:
    """Return ``chart`` as JSON-ready data; every key is snake_case."""
    return {
        "input": _input_dict(chart.birth),
        "conventions": _conventions_dict(chart),
        "pillars": pillars_dict(chart.pillars),
        "eight_characters": chart.pillars.chars,
        "instant": _instant_dict(chart.instant, chart),
        "civil_time": format_time(chart.civil),
        "chart_clock": format_time(chart.chart_clock),
        "solar_time": _solar_dict(chart.solar_time),
        "location": _location_dict(chart.location),
        "jie": {
            "current": _jie_dict(chart.jie, chart),
            "next": _jie_dict(chart.next_jie, chart),
        },
        "warnings": [_warning_dict(warning) for warning in chart.warnings],
    }


def _input_dict(birth: BirthInput) -> dict[str, Any]:
    """Echo the input as given."""
    return {
        "birth": birth.birth.isoformat(),
        "has_seconds": birth.has_seconds,
        "tz": birth.tz,
        "place": birth.place,
        "latitude": birth.latitude,
        "longitude": birth.longitude,
        "true_solar_time": birth.true_solar_time,
        "zi": birth.zi.value,
        "fold": None if birth.fold is None else birth.fold.value,
        "uncertainty_seconds": birth.uncertainty_seconds,
        "gender": None if birth.gender is None else birth.gender.value,
    }


def _conventions_dict(chart: PillarChart) -> dict[str, Any]:
    """Echo every convention and zone fact that the chart depends on."""
    solar = chart.solar_time is not None
    return {
        "zi": chart.birth.zi.value,
        "year_boundary": "lichun_instant",
        "month_boundary": "jie_instant",
        "day_rule": "jdn_of_chart_date",
        "chart_clock": "apparent_solar_time" if solar else "standard_time",
        "zone": chart.zone_label,
        "zone_is_fixed_offset": chart.zone_is_fixed_offset,
        "utc_offset": format_offset(chart.utc_offset_seconds),
        "utc_offset_seconds": chart.utc_offset_seconds,
        "dst": chart.dst_seconds != 0,
        "dst_seconds": chart.dst_seconds,
        "fold": None if chart.fold is None else chart.fold.value,
        "true_solar_time": solar,
        "within_term_uncertainty": chart.within_term_uncertainty,
        "tzdata_version": chart.tzdata_version,
    }


def pillars_dict(pillars: Pillars) -> dict[str, Any]:
    """Return the four pillars keyed year, month, day, hour."""
    return {
        name: _ganzhi_dict(pillar)
        for name, pillar in zip(Pillars._fields, pillars, strict=True)
    }


def _ganzhi_dict(pillar: GanZhi) -> dict[str, Any]:
    """Describe one pillar: the pair, its stem and its branch."""
    stem, branch = pillar.stem, pillar.branch
    return {
        "ganzhi": pillar.chars,
        "index": pillar.index,
        "stem": _STEM_DICTS[stem].copy(),
        "branch": _BRANCH_DICTS[branch].copy(),
    }


def _stem_dict(stem: int) -> dict[str, Any]:
    return {
        "char": STEM_CHARS[stem],
        "pinyin": STEM_PINYIN[stem],
        "element": ELEMENT_NAMES[STEM_ELEMENTS[stem]],
        "element_char": ELEMENT_CHARS[STEM_ELEMENTS[stem]],
        "yin_yang": "yang" if stem % 2 == 0 else "yin",
    }


def _branch_dict(branch: int) -> dict[str, Any]:
    return {
        "char": BRANCH_CHARS[branch],
        "pinyin": BRANCH_PINYIN[branch],
        "element": ELEMENT_NAMES[BRANCH_ELEMENTS[branch]],
        "element_char": ELEMENT_CHARS[BRANCH_ELEMENTS[branch]],
        "yin_yang": "yang" if branch % 2 == 0 else "yin",
        "animal": BRANCH_ANIMALS[branch],
    }


# Built once; ``_ganzhi_dict`` hands out shallow copies, so callers may edit theirs.
_STEM_DICTS = tuple(_stem_dict(stem) for stem in range(10))
_BRANCH_DICTS = tuple(_branch_dict(branch) for branch in range(12))


def _instant_dict(instant: float, chart: PillarChart) -> dict[str, Any]:
    """Describe a UT instant in seconds, in UTC and on the birth's civil clock."""
    return {
        "utc": _utc_text(instant),
        "unix_seconds": round(instant, 3),
        "local": format_time(civil_at(instant, chart.tzinfo)),
    }


def _utc_text(instant: float) -> str:
    """Format an instant as ISO 8601 UTC with a ``Z``, to the millisecond."""
    return format_time(utc_datetime(round(instant, 3)).replace(tzinfo=None)) + "Z"


def _solar_dict(solar: SolarTime | None) -> dict[str, Any] | None:
    """Describe the true-solar-time correction, minutes rounded to 0.01."""
    if solar is None:
        return None
    return {
        "longitude": solar.longitude,
        "longitude_correction_minutes": round(solar.longitude_correction_minutes, 2),
        "equation_of_time_minutes": round(solar.equation_of_time_minutes, 2),
        "total_correction_minutes": round(solar.total_correction_minutes, 2),
        "mean_time_offset_minutes": round(solar.mean_time_offset_minutes, 2),
        "civil_time": format_time(solar.civil),
        "mean_solar_time": format_time(solar.mean_solar),
        "apparent_solar_time": format_time(solar.apparent_solar),
    }


def _location_dict(location: Location | None) -> dict[str, Any] | None:
    """Describe the place or coordinates used."""
    if location is None:
        return None
    return {
        "name": location.name,
        "country": location.country,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "zone": location.zone,
        "source": location.source,
        "alternatives": list(location.alternatives),
    }


def _jie_dict(jie: JieInfo, chart: PillarChart) -> dict[str, Any]:
    """Describe a jie with its instant and uncertainty."""
    return {
        "name": TERM_NAMES[jie.term],
        "year": jie.year,
        "term": jie.term,
        "instant": _instant_dict(jie.instant, chart),
        "uncertainty_seconds": jie.uncertainty_seconds,
    }


def _warning_dict(warning: BoundaryWarning) -> dict[str, Any]:
    """Describe a warning and the alternative charts with their spans."""
    boundary = None
    if warning.boundary is not None and warning.boundary_local is not None:
        boundary = {
            "utc": _utc_text(warning.boundary),
            "local": format_time(warning.boundary_local),
        }
    return {
        "kind": warning.kind.value,
        "cause": warning.cause.value,
        "message": warning.message,
        "boundary": boundary,
        "uncertainty_seconds": warning.uncertainty_seconds,
        "alternatives": [_span_dict(span) for span in warning.alternatives],
    }


def _span_dict(span: ChartSpan) -> dict[str, Any]:
    """Describe an alternative chart and the span of birth times it applies to."""
    return {
        "pillars": pillars_dict(span.pillars),
        "eight_characters": span.pillars.chars,
        "start_utc": _utc_text(span.start),
        "end_utc": _utc_text(span.end),
        "start_local": format_time(span.start_local),
        "end_local": format_time(span.end_local),
    }
