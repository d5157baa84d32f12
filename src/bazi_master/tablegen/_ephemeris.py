"""Ephemeris sources: JPL DE421 (SPK file) and JPL DE406 (legacy jplephem package).

Both sources are exposed as Skyfield vector functions, so the apparent longitudes of
the Sun and the Moon come from one code path (Skyfield's light time, deflection,
aberration, precession and nutation) whatever the source.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from jplephem.ephem import Ephemeris
from skyfield.api import Loader
from skyfield.constants import AU_KM
from skyfield.vectorlib import VectorFunction
from skyfield_data import get_skyfield_data_path

# Coverage of DE421 as shipped in skyfield-data 7.0.0 (TDB Julian dates).
DE421_FIRST_JD = 2414864.5  # 1899-07-29
DE421_LAST_JD = 2471184.5  # 2053-10-09


@dataclass(frozen=True)
class Source:
    """One ephemeris: Earth, Sun and Moon as seen from the solar-system barycenter."""

    name: str
    earth: Any
    sun: Any
    moon: Any
    first_jd: float
    last_jd: float


def load_de421() -> Source:
    """Load DE421 from the copy that the skyfield-data package ships."""
    with warnings.catch_warnings():
        # skyfield-data warns that its finals2000A.all has expired; the generator
        # never reads that file (it uses Skyfield's built-in time scale).
        warnings.simplefilter("ignore", RuntimeWarning)
        kernel = Loader(get_skyfield_data_path())("de421.bsp")
    return Source(
        "DE421",
        kernel["earth"],
        kernel["sun"],
        kernel["moon"],
        DE421_FIRST_JD,
        DE421_LAST_JD,
    )


class _LegacySegment(VectorFunction):  # type: ignore[misc]
    """One body of a legacy ephemeris package, relative to the body it is stored for.

    DE406 stores the Sun and the planets relative to the solar-system barycenter and
    the Moon relative to the Earth. ``scale`` turns that Earth-Moon vector into the
    offset of the Earth or of the Moon from the Earth-Moon barycenter.
    """

    def __init__(self, owner: _LegacyKernel, center: int, target: int, body: str):
        self.ephemeris = owner
        self.center = center
        self.target = target
        self._body = body
        self._scale = 1.0

    def scaled(self, scale: float) -> _LegacySegment:
        self._scale = scale
        return self

    def _at(self, t: Any) -> tuple[Any, Any, None, None]:
        ephemeris = self.ephemeris.legacy
        bundle = ephemeris.compute_bundle(self._body, t.whole, t.tdb_fraction)
        position = ephemeris.position_from_bundle(bundle) * self._scale
        velocity = ephemeris.velocity_from_bundle(bundle) * self._scale
        return position / AU_KM, velocity / AU_KM, None, None


class _LegacyKernel:
    """The subset of Skyfield's kernel interface that ``observe`` and ``apparent`` use.

    Codes follow NAIF: 0 barycenter, 3 Earth-Moon barycenter, 5 and 6 the Jupiter and
    Saturn barycenters, 10 Sun, 301 Moon, 399 Earth.
    """

    def __init__(self, legacy: Any):
        self.legacy = legacy
        moon_share = legacy.moon_share
        earth_moon = _LegacySegment(self, 0, 3, "earthmoon")
        self.bodies: dict[int, Any] = {
            3: earth_moon,
            5: _LegacySegment(self, 0, 5, "jupiter"),
            6: _LegacySegment(self, 0, 6, "saturn"),
            10: _LegacySegment(self, 0, 10, "sun"),
            301: earth_moon + _LegacySegment(self, 3, 301, "moon").scaled(moon_share),
            399: earth_moon
            + _LegacySegment(self, 3, 399, "moon").scaled(moon_share - 1.0),
        }

    def __contains__(self, code: object) -> bool:
        return code in self.bodies

    def __getitem__(self, code: int) -> Any:
        return self.bodies[code]


def load_de406() -> Source:
    """Load DE406 from the ``de406`` package through jplephem's legacy reader.

    The package (178 MB) is imported here, not at the top, so that DE421 work needs
    only the dev extra.
    """
    import de406

    legacy = Ephemeris(de406)
    kernel = _LegacyKernel(legacy)
    return Source(
        "DE406",
        kernel[399],
        kernel[10],
        kernel[301],
        float(legacy.jalpha),
        float(legacy.jomega),
    )


def covered(source: Source, jd: Any, margin_days: float = 2.0) -> Any:
    """Return a mask of the TDB Julian dates that ``source`` covers with a margin."""
    jd = np.asarray(jd)
    return (jd >= source.first_jd + margin_days) & (jd <= source.last_jd - margin_days)
