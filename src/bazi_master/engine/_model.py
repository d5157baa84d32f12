"""The birth input and the parts of a four-pillar chart."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any, Final

from ._errors import BaziInputError
from ._options import Fold, Gender, ZiConvention
from ._pillars import Pillars
from ._symbols import TERM_NAMES

# The largest birth-time uncertainty accepted: one day either side of the birth.
MAX_UNCERTAINTY_SECONDS: Final = 86400


@dataclass(frozen=True, slots=True)
class BirthInput:
    """A birth as the caller knows it.

    ``birth`` is the naive local civil time, read on the clock of ``tz`` (an IANA name
    or a UTC offset such as ``+08:00``). Without ``tz`` the zone comes from ``place``
    or from ``latitude`` and ``longitude``. ``has_seconds=False`` means the time was
    given to the minute: it is charted as hh:mm:00 but covers the whole minute, so a
    jie inside that minute raises a warning. ``uncertainty_seconds`` widens the birth
    time to ± that many seconds for the boundary warnings.
    """

    birth: datetime
    tz: str | None = None
    place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    true_solar_time: bool = False
    zi: ZiConvention = ZiConvention.ROLL
    fold: Fold | None = None
    uncertainty_seconds: float = 0
    gender: Gender | None = None
    has_seconds: bool = False

    def __post_init__(self) -> None:
        _check_types(self)
        _check_birth(self.birth, self.has_seconds)
        _check_coordinates(self.latitude, self.longitude)
        _check_uncertainty(self.uncertainty_seconds)
        _coerce_enums(self)
        if self.tz is None and self.place is None and self.longitude is None:
            raise BaziInputError(
                "missing time zone: give tz (an IANA name or a UTC offset such as "
                "'+08:00'), a place, or latitude and longitude"
            )


def _check_types(birth: BirthInput) -> None:
    """Reject fields of the wrong type before any range check compares them."""
    for name in ("tz", "place"):
        value = getattr(birth, name)
        if value is not None and not isinstance(value, str):
            raise BaziInputError(f"invalid {name} {value!r}: expected a string")
    for name in ("latitude", "longitude", "uncertainty_seconds"):
        value = getattr(birth, name)
        if value is None and name != "uncertainty_seconds":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BaziInputError(f"invalid {name} {value!r}: expected a number")
    for name in ("true_solar_time", "has_seconds"):
        value = getattr(birth, name)
        if not isinstance(value, bool):
            raise BaziInputError(f"invalid {name} {value!r}: expected True or False")


def _check_birth(birth: object, has_seconds: bool) -> None:
    """Reject a non-datetime, an aware datetime, or seconds without has_seconds."""
    if not isinstance(birth, datetime):
        raise BaziInputError(f"invalid birth {birth!r}: expected a datetime")
    if birth.tzinfo is not None:
        raise BaziInputError(
            f"invalid birth {birth.isoformat()}: expected a naive local time; "
            "pass the zone in tz instead of attaching it to the datetime"
        )
    if not has_seconds and (birth.second or birth.microsecond):
        raise BaziInputError(
            f"birth {birth.isoformat()} has seconds but has_seconds is False; "
            "set has_seconds=True or give the time to the minute"
        )


def _check_coordinates(latitude: float | None, longitude: float | None) -> None:
    """Reject coordinates out of range or given one without the other."""
    if latitude is not None and longitude is None:
        raise BaziInputError(
            f"missing longitude: latitude {latitude!r} was given without a longitude; "
            "give both or neither"
        )
    if latitude is None and longitude is not None:
        raise BaziInputError(
            f"missing latitude: longitude {longitude!r} was given without a latitude; "
            "give both or neither"
        )
    if latitude is not None and not -90 <= latitude <= 90:
        raise BaziInputError(
            f"invalid latitude {latitude!r}: expected degrees from -90 to 90"
        )
    if longitude is not None and not -180 <= longitude <= 180:
        raise BaziInputError(
            f"invalid longitude {longitude!r}: expected degrees from -180 (west) to "
            "180 (east)"
        )


def _check_uncertainty(seconds: float) -> None:
    """Reject a negative, infinite or absurdly large birth-time uncertainty."""
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_UNCERTAINTY_SECONDS:
        raise BaziInputError(
            f"invalid uncertainty_seconds {seconds!r}: expected 0 to "
            f"{MAX_UNCERTAINTY_SECONDS} seconds"
        )


def _coerce_enums(birth: BirthInput) -> None:
    """Accept convention names given as plain strings, such as ``"stay-next"``."""
    if not isinstance(birth.zi, ZiConvention):
        object.__setattr__(birth, "zi", ZiConvention.parse(str(birth.zi)))
    if birth.fold is not None and not isinstance(birth.fold, Fold):
        object.__setattr__(birth, "fold", Fold.parse(str(birth.fold)))
    if birth.gender is not None and not isinstance(birth.gender, Gender):
        object.__setattr__(birth, "gender", Gender.parse(str(birth.gender)))


@dataclass(frozen=True, slots=True)
class Location:
    """The place whose longitude and zone a chart used.

    ``source`` is ``"place"`` for a gazetteer match and ``"coordinates"`` for
    latitude and longitude given by the caller. ``alternatives`` lists the labels of
    the other cities that the place name also matched, most relevant first.
    """

    latitude: float
    longitude: float
    zone: str | None
    source: str
    name: str | None = None
    country: str | None = None
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SolarTime:
    """The correction from the civil clock to apparent solar time.

    Minutes are signed, positive when the solar clock is ahead. The longitude
    correction takes the civil clock to local mean time: ``4 min × longitude`` minus
    the civil UTC offset, DST included. The equation of time then takes local mean
    time to apparent solar time. ``mean_time_offset_minutes`` is local mean time
    minus UT.
    """

    longitude: float
    longitude_correction_minutes: float
    equation_of_time_minutes: float
    total_correction_minutes: float
    mean_time_offset_minutes: float
    civil: datetime
    mean_solar: datetime
    apparent_solar: datetime


@dataclass(frozen=True, slots=True)
class JieInfo:
    """One jie (节): the term that starts a BaZi month, with its UT instant."""

    year: int
    term: int
    instant: float
    uncertainty_seconds: float

    @property
    def name(self) -> str:
        return TERM_NAMES[self.term]


@dataclass(frozen=True, slots=True)
class ChartSpan:
    """A chart that applies to every instant from ``start`` up to ``end`` (UT)."""

    pillars: Pillars
    start: float
    end: float
    start_local: datetime
    end_local: datetime


class WarningKind(StrEnum):
    """The kind of boundary a warning is about."""

    JIE = "jie"
    HOUR = "hour"
    DAY = "day"
    TERM_UNCERTAINTY = "term_uncertainty"
    DISPUTED_DST = "disputed_dst"
    LINKED_ZONE = "linked_zone"


class WarningCause(StrEnum):
    """The reason a boundary matters for this birth."""

    BIRTH_TIME_UNCERTAINTY = "birth_time_uncertainty"
    MINUTE_PRECISION = "minute_precision"
    TERM_UNCERTAINTY = "term_uncertainty"
    ZONE_RULES = "zone_rules"


@dataclass(frozen=True, slots=True)
class BoundaryWarning:
    """A boundary near the birth, with each chart that applies on its other side.

    ``boundary`` is the UT instant of the jie or of the clock boundary, or None for a
    warning about zone rules. ``alternatives`` gives each other chart with the exact
    span of birth instants it applies to.
    """

    kind: WarningKind
    cause: WarningCause
    message: str
    boundary: float | None
    boundary_local: datetime | None
    uncertainty_seconds: float
    alternatives: tuple[ChartSpan, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class PillarChart:
    """A four-pillar chart and everything it was computed from.

    ``instant`` is the birth in UT seconds since 1970 and ``civil`` the aware civil
    time. ``chart_clock`` is the naive reading (standard time, or apparent solar time)
    that the day and hour pillars come from. ``jie`` is the jie in force at the birth
    and ``next_jie`` the one after it.
    """

    birth: BirthInput
    pillars: Pillars
    instant: float
    civil: datetime
    tzinfo: tzinfo
    zone_label: str
    zone_is_fixed_offset: bool
    utc_offset_seconds: int
    dst_seconds: int
    fold: Fold | None
    chart_clock: datetime
    solar_time: SolarTime | None
    location: Location | None
    jie: JieInfo
    next_jie: JieInfo
    warnings: tuple[BoundaryWarning, ...]
    tzdata_version: str

    @property
    def within_term_uncertainty(self) -> bool:
        """Whether a jie's own uncertainty reaches the birth."""
        return any(w.kind is WarningKind.TERM_UNCERTAINTY for w in self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """Return the chart as JSON-ready data with snake_case keys."""
        from ._chart import chart_to_dict

        return chart_to_dict(self)
