"""The equation of time from the solar-term table, without an ephemeris.

The Sun's apparent longitude is interpolated from the term instants (one every 15°),
turned into apparent right ascension with the true obliquity, and compared with
Greenwich apparent sidereal time. Sidereal time uses the Earth rotation angle and the
IAU 2006 polynomial; nutation keeps the leading terms of IAU 2000B (about 0.1″).
"""

from __future__ import annotations

import bisect
import math
from typing import Final

from ._errors import OutOfRangeError
from ._terms import FIRST_YEAR, LAST_YEAR, all_term_instants, new_moon_instants
from ._time import utc_datetime

_DAY: Final = 86400.0
_J2000_UNIX: Final = 946728000.0  # 2000-01-01 12:00 in seconds since 1970
_ARCSEC: Final = math.pi / (180.0 * 3600.0)
_POINTS: Final = 6  # Lagrange interpolation over six terms (75° of longitude)
# Mean Earth to Earth-Moon barycenter distance (4,671 km) over 1 au, in degrees.
_BARYCENTER_SHIFT_DEGREES: Final = math.degrees(4671.0 / 149597870.7)


def equation_of_time(ts: float) -> float:
    """Return apparent minus mean solar time at UT1 instant ``ts``, in seconds.

    Accurate to about 0.5 s over the table (checked against DE421). Raises
    ``OutOfRangeError`` within three terms of either end of the 1799–2201 table.
    """
    centuries = (ts - _J2000_UNIX) / (_DAY * 36525.0)
    nutation_longitude, nutation_obliquity = _nutation(centuries)
    obliquity = _mean_obliquity(centuries) + nutation_obliquity
    longitude = math.radians(apparent_solar_longitude(ts))
    right_ascension = math.atan2(
        math.sin(longitude) * math.cos(obliquity), math.cos(longitude)
    )

    sidereal = _mean_sidereal(ts, centuries) + nutation_longitude * math.cos(obliquity)
    solar_hour_angle = sidereal - right_ascension + math.pi
    mean_hour_angle = 2.0 * math.pi * ((ts / _DAY) % 1.0)
    difference = (solar_hour_angle - mean_hour_angle + math.pi) % (2.0 * math.pi)
    return (difference - math.pi) * _DAY / (2.0 * math.pi)


def apparent_solar_longitude(ts: float) -> float:
    """Return the Sun's apparent longitude in degrees (not reduced to 0–360).

    Interpolates the term table after taking out the monthly shift of the Sun caused
    by the Earth's motion around the Earth-Moon barycenter, which 15° samples cannot
    follow, and adds that shift back at ``ts``.
    """
    instants = all_term_instants()
    start = bisect.bisect_right(instants, ts) - _POINTS // 2
    if start < 0 or start + _POINTS > len(instants):
        raise OutOfRangeError(
            f"instant {utc_datetime(ts).isoformat()} is too close to the ends of the "
            f"solar-term table ({FIRST_YEAR}–{LAST_YEAR}) to interpolate the Sun"
        )

    nodes = range(start, start + _POINTS)
    days = [(instants[j] - ts) / _DAY for j in nodes]
    smooth = [285.0 + 15.0 * j - _barycenter_shift(instants[j]) for j in nodes]
    return _lagrange(days, smooth) + _barycenter_shift(ts)


def _lagrange(days: list[float], values: list[float]) -> float:
    """Return the interpolating polynomial through (days, values) at day 0."""
    total = 0.0
    for j, value in enumerate(values):
        weight = 1.0
        for m, other in enumerate(days):
            if m != j:
                weight *= other / (other - days[j])
        total += weight * value
    return total


def _barycenter_shift(ts: float) -> float:
    """Return the Sun's apparent longitude shift, in degrees, from the Earth's orbit
    around the Earth-Moon barycenter: about 6.4″ times the sine of the Moon's
    elongation, which is taken as uniform between the new moons of the table.
    """
    moons = new_moon_instants()
    index = bisect.bisect_right(moons, ts) - 1
    if index < 0 or index + 1 >= len(moons):
        return 0.0
    phase = (ts - moons[index]) / (moons[index + 1] - moons[index])
    return _BARYCENTER_SHIFT_DEGREES * math.sin(2.0 * math.pi * phase)


def _mean_sidereal(ts: float, centuries: float) -> float:
    """Return Greenwich mean sidereal time in radians (IAU 2006, UT1 for TT)."""
    days = ts / _DAY - 10957.5
    rotation = 2.0 * math.pi * ((0.7790572732640 + 1.00273781191135448 * days) % 1.0)
    polynomial = (
        0.014506
        + 4612.156534 * centuries
        + 1.3915817 * centuries**2
        - 0.00000044 * centuries**3
    )
    return rotation + polynomial * _ARCSEC


def _mean_obliquity(centuries: float) -> float:
    arcseconds = 84381.406 - 46.836769 * centuries - 0.0001831 * centuries**2
    return arcseconds * _ARCSEC


def _nutation(centuries: float) -> tuple[float, float]:
    """Return nutation in longitude and obliquity, in radians (leading terms)."""
    t = centuries
    sun_anomaly = math.radians(357.52910918 + 35999.0502911389 * t)
    moon_anomaly = math.radians(134.96340251 + 477198.8675605 * t)
    latitude = math.radians(93.27209062 + 483202.0175273 * t)
    elongation = math.radians(297.85019547 + 445267.1114469 * t)
    node = math.radians(125.04455501 - 1934.1362619 * t)

    semiannual = 2.0 * (latitude - elongation + node)
    fortnightly = 2.0 * (latitude + node)
    longitude = (
        (-17.2064161 - 0.0174666 * t) * math.sin(node)
        - 1.3170907 * math.sin(semiannual)
        - 0.2276413 * math.sin(fortnightly)
        + 0.2074554 * math.sin(2.0 * node)
        + 0.1475877 * math.sin(sun_anomaly)
        + 0.0711159 * math.sin(moon_anomaly)
        - 0.0516821 * math.sin(sun_anomaly + semiannual)
    )
    obliquity = (
        9.2052331 * math.cos(node)
        + 0.5730336 * math.cos(semiannual)
        + 0.0978459 * math.cos(fortnightly)
        - 0.0897492 * math.cos(2.0 * node)
        + 0.0224386 * math.cos(sun_anomaly + semiannual)
    )
    return longitude * _ARCSEC, obliquity * _ARCSEC
