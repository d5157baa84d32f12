"""Root finding for solar-term and new-moon instants, and the TT to UT1 conversion.

Every instant is the moment when the Sun's apparent geocentric ecliptic longitude (true
ecliptic and equinox of date) reaches a multiple of 15°, or when the Moon's apparent
longitude equals the Sun's. Roots are found for all instants at once with a secant
iteration on numpy arrays of TT Julian dates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from skyfield.api import load
from skyfield.framelib import ecliptic_frame

from bazi_master.tablegen._ephemeris import Source

UNIX_EPOCH_JD = 2440587.5
MEAN_SUN_RATE = 360.0 / 365.2422  # degrees per day
MEAN_ELONGATION_RATE = 360.0 / 29.530589  # degrees per day
SYNODIC_MONTH = 29.530588861  # days
NEW_MOON_EPOCH_JD = 2451550.09766  # mean new moon of 2000-01-06, TT
TOLERANCE_DAYS = 1e-8  # about 1 ms
MAX_ITERATIONS = 30


def timescale() -> Any:
    """Return Skyfield's built-in time scale, whose ΔT model the tables use."""
    return load.timescale(builtin=True)


def apparent_longitude(source: Source, body: Any, t: Any) -> Any:
    """Return the apparent geocentric ecliptic longitude of ``body`` in degrees."""
    apparent = source.earth.at(t).observe(body).apparent()
    _, longitude, _ = apparent.frame_latlon(ecliptic_frame)
    return longitude.degrees


def _wrap(degrees: Any) -> Any:
    return (degrees + 180.0) % 360.0 - 180.0


def solve(offset: Any, jd_guess: Any, rate: float) -> Any:
    """Return the TT Julian dates near ``jd_guess`` where ``offset(jd)`` is 0°.

    ``offset`` returns a signed angle in degrees that grows at about ``rate`` degrees
    per day. Raises ``RuntimeError`` if some root does not converge.
    """
    jd0 = np.asarray(jd_guess, dtype=float)
    f0 = offset(jd0)
    jd1 = jd0 - f0 / rate
    for _ in range(MAX_ITERATIONS):
        f1 = offset(jd1)
        step_days = jd1 - jd0
        moved = np.abs(step_days) > 1e-12
        slope = np.where(moved, (f1 - f0) / np.where(moved, step_days, 1.0), rate)
        jd0, f0 = jd1, f1
        jd1 = jd1 - f1 / slope
        if np.max(np.abs(jd1 - jd0)) < TOLERANCE_DAYS:
            return jd1
    raise RuntimeError("solar-term or new-moon search did not converge")


def term_targets(years: Any) -> Any:
    """Return the longitude of each term of each year, shaped (len(years), 24)."""
    terms = np.arange(24)
    return np.broadcast_to((285.0 + 15.0 * terms) % 360.0, (len(years), 24))


def term_jd(source: Source, ts: Any, years: Any) -> Any:
    """Return TT Julian dates of the 24 terms of each year, shaped (len(years), 24).

    Term ``k`` is where the Sun's apparent longitude is ``(285 + 15 k) % 360``.
    """
    years = np.asarray(years)
    january_first = ts.tt(years, 1, 1).tt
    guess = january_first[:, None] + 5.5 + np.arange(24)[None, :] * (365.2422 / 24)
    return sun_longitude_jd(source, ts, guess, term_targets(years))


def sun_longitude_jd(source: Source, ts: Any, guess: Any, target: Any) -> Any:
    """Return the TT Julian dates near ``guess`` when the Sun reaches ``target``°."""

    def offset(jd: Any) -> Any:
        longitude = apparent_longitude(source, source.sun, ts.tt_jd(jd.ravel()))
        return _wrap(longitude.reshape(jd.shape) - target)

    return solve(offset, guess, MEAN_SUN_RATE)


def new_moon_jd(source: Source, ts: Any, first_jd: float, last_jd: float) -> Any:
    """Return TT Julian dates of the new moons between two TT Julian dates."""
    first = np.ceil((first_jd - NEW_MOON_EPOCH_JD) / SYNODIC_MONTH) - 1
    last = np.floor((last_jd - NEW_MOON_EPOCH_JD) / SYNODIC_MONTH) + 1
    guess = NEW_MOON_EPOCH_JD + np.arange(first, last + 1) * SYNODIC_MONTH
    found = conjunction_jd(source, ts, guess)
    return found[(found >= first_jd) & (found < last_jd)]


def conjunction_jd(source: Source, ts: Any, guess: Any) -> Any:
    """Return the TT Julian dates near ``guess`` when the Moon's apparent longitude
    equals the Sun's."""

    def offset(jd: Any) -> Any:
        t = ts.tt_jd(jd)
        moon = apparent_longitude(source, source.moon, t)
        return _wrap(moon - apparent_longitude(source, source.sun, t))

    return solve(offset, guess, MEAN_ELONGATION_RATE)


def unix_ut1(ts: Any, jd_tt: Any) -> Any:
    """Convert TT Julian dates to UT1 seconds since 1970-01-01 00:00.

    UT1 = TT − ΔT with ΔT from Skyfield's built-in model. Skyfield's ``utc`` is not
    used because before 1972 it follows TAI, not the Earth's rotation.
    """
    t = ts.tt_jd(np.asarray(jd_tt))
    return (t.ut1 - UNIX_EPOCH_JD) * 86400.0


def tdb_jd(ts: Any, jd_tt: Any) -> Any:
    """Return the TDB Julian dates of TT Julian dates (they differ by under 2 ms)."""
    return ts.tt_jd(np.asarray(jd_tt)).tdb
