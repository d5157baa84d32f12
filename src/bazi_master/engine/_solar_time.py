"""Apparent solar time at the birth place.

Apparent solar time = UT + longitude / 15 h + equation of time, where the equation of
time (apparent minus mean solar time) comes from the term table's solar longitude,
accurate to about a second. It moves only the clock of the day and hour pillars.
Year and month stay decided by the UT instant against the jie instants, because an
apparent-solar reading in the far west of a zone runs hours behind the zone's clock
and would slide past a jie.
"""

from __future__ import annotations

from datetime import datetime

from ._equation_of_time import equation_of_time
from ._model import SolarTime
from ._time import seconds_to_naive

SECONDS_PER_DEGREE = 240.0
_HALF_DAY = 43200.0


def clock_longitude(longitude: float, utc_offset_seconds: float) -> float:
    """Return ``longitude`` shifted by 360° so that its mean time stays within 12 h
    of the civil clock.

    Places across the date line from their zone's side (Samoa, Tonga and Kiribati
    east of 180°, Chatham at 176.6°W on +12:45, the western Aleutians on -10:00) keep
    the calendar date of their zone. Their local mean time from the plain longitude
    would run about 24 h away from the civil clock and land on another date, so
    176.6°W is read as 183.4°E there. Other places are returned unchanged.
    """
    difference = longitude * SECONDS_PER_DEGREE - utc_offset_seconds
    if difference > _HALF_DAY:
        return longitude - 360.0
    if difference < -_HALF_DAY:
        return longitude + 360.0
    return longitude


def solar_clock_seconds(instant: float, longitude: float) -> float:
    """Return apparent solar time at ``longitude`` as seconds on a naive clock."""
    mean = instant + longitude * SECONDS_PER_DEGREE
    return mean + equation_of_time(instant)


def solar_clock(instant: float, longitude: float) -> datetime:
    """Return the naive apparent-solar clock reading at the UT ``instant``."""
    return seconds_to_naive(solar_clock_seconds(instant, longitude))


def instant_at_solar_seconds(seconds: float, longitude: float) -> float:
    """Return the UT instant at which the apparent-solar clock reads ``seconds``.

    The equation of time changes by under 30 s a day, so two fixed-point steps reach
    well under a millisecond.
    """
    instant = seconds - longitude * SECONDS_PER_DEGREE
    for _ in range(3):
        instant += seconds - solar_clock_seconds(instant, longitude)
    return instant


def solar_time(instant: float, longitude: float, civil: datetime) -> SolarTime:
    """Describe the correction from the aware ``civil`` time to apparent solar time.

    ``longitude`` is echoed as given; the correction uses ``clock_longitude``.
    """
    offset = civil.utcoffset()
    offset_minutes = offset.total_seconds() / 60 if offset is not None else 0.0
    given_longitude = longitude
    longitude = clock_longitude(longitude, offset_minutes * 60)
    equation = equation_of_time(instant)
    mean_seconds = instant + longitude * SECONDS_PER_DEGREE

    return SolarTime(
        longitude=given_longitude,
        longitude_correction_minutes=longitude * 4 - offset_minutes,
        equation_of_time_minutes=equation / 60,
        total_correction_minutes=longitude * 4 - offset_minutes + equation / 60,
        mean_time_offset_minutes=longitude * 4,
        civil=civil,
        mean_solar=seconds_to_naive(mean_seconds),
        apparent_solar=seconds_to_naive(mean_seconds + equation),
    )
