"""Zone names that the pinned tzdata package stores as links to another zone.

The ``tzdata`` package on PyPI is built without the IANA ``backzone`` file, so every
name whose zone agrees with another since 1970 is a link: its file is a byte-for-byte
copy of the target zone's file, pre-1970 history included. Europe/Amsterdam thus
carries Europe/Brussels's clocks and loses its +00:20 of 1937, and Asia/Harbin carries
Asia/Shanghai's. The package also links plain renames (Asia/Calcutta to Asia/Kolkata,
US/Eastern to America/New_York). Its data does not say which link is a rename and
which merged a zone that had a history of its own. So every link gets the same notice,
except links to the constant Etc zones.

The links are the ``L target name`` lines of the package's ``tzdata.zi``, read once
per process on the first chart of a birth before 1970 (a few milliseconds), never at
import.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Final

from ._model import BoundaryWarning, WarningCause, WarningKind
from ._time import TZDATA_VERSION, format_offset

# Links to the Etc zones (UTC, GMT, Zulu, Greenwich and their spellings) name a
# constant offset, so they have no history that a link could lose.
_CONSTANT_PREFIX: Final = "Etc/"


@cache
def zone_links() -> dict[str, str]:
    """Return each linked zone name with the name of the zone whose data it copies."""
    path = resources.files("tzdata.zoneinfo").joinpath("tzdata.zi")
    links = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("L "):
            _, target, name = line.split()
            links[name] = target
    return links


def linked_zone(name: str) -> str | None:
    """Return the zone whose history ``name`` uses, or None if it has its own.

    None also for names linked to an Etc zone and for anything that is not a zone
    name, such as a UTC offset.
    """
    target = zone_links().get(name)
    if target is None or target.startswith(_CONSTANT_PREFIX):
        return None
    return target


def linked_zone_warning(
    name: str, start: float, utc_offset: int
) -> BoundaryWarning | None:
    """Warn that a birth before 1970 in a linked zone uses the target's history.

    ``start`` is the earliest UT instant the birth could be (seconds since 1970) and
    ``utc_offset`` the offset in seconds the chart used. Returns None when ``start``
    is in 1970 or later, where the IANA data links only zones that agree.
    """
    if start >= 0:
        return None
    target = linked_zone(name)
    if target is None:
        return None

    offset = format_offset(utc_offset)
    message = (
        f"tzdata {TZDATA_VERSION} stores {name} as a link to {target}, so this chart "
        f"uses the clock history of {target} (UTC{offset} at this birth). Some linked "
        "names had clocks of their own before 1970 that this data leaves out; if the "
        "birth clock showed a different UTC offset, give that offset as tz, in the "
        "form '+08:30'"
    )
    return BoundaryWarning(
        WarningKind.LINKED_ZONE, WarningCause.ZONE_RULES, message, None, None, 0.0
    )
