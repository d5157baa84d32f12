"""Reference values computed directly from an ephemeris, for checking the runtime."""

from __future__ import annotations

from typing import Any

import numpy as np

from bazi_master.tablegen._ephemeris import Source
from bazi_master.tablegen._search import UNIX_EPOCH_JD, timescale


def equation_of_time_reference(source: Source, seconds: Any) -> Any:
    """Return apparent minus mean solar time, in seconds, at UT1 ``seconds``.

    Apparent solar time is the Greenwich hour angle of the apparent Sun (true equator
    and equinox of date, Skyfield's sidereal time) plus 12 hours. Mean solar time is
    UT1.
    """
    seconds = np.asarray(seconds, dtype=float)
    t = timescale().ut1_jd(seconds / 86400.0 + UNIX_EPOCH_JD)
    apparent = source.earth.at(t).observe(source.sun).apparent()
    right_ascension, _, _ = apparent.radec(epoch="date")
    hour_angle = t.gast - right_ascension.hours
    mean_hours = (seconds / 3600.0) % 24.0
    difference = (hour_angle + 12.0 - mean_hours + 12.0) % 24.0 - 12.0
    return difference * 3600.0
