"""Generator of the packaged solar-term and new-moon tables.

Run ``python -m bazi_master.tablegen`` to recompute the tables from JPL DE421 and DE406.
It needs the ``tables`` extra: skyfield, skyfield-data, jplephem, numpy and the
``de406`` ephemeris package. The runtime engine never imports this package.
"""

from bazi_master.tablegen._build import (
    Series,
    build_new_moons,
    build_terms,
    write_tables,
)

__all__ = ["Series", "build_new_moons", "build_terms", "write_tables"]
