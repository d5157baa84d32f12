"""胎元 (conception pillar), 胎息, 命宫 (life palace) and 身宫 (body palace).

The stems of both palaces follow 五虎遁 from the year stem, as a month pillar of the
same branch would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .._symbols import GanZhi, month_stem

METHODS: Final = {
    "conception": "month stem + 1, month branch + 3 (胎元: 月干进一位, 月支进三位)",
    "breath": "the stem and branch that combine with the day pillar (胎息: 日柱干支合)",
    "life_palace": (
        "with 寅 = 1 … 丑 = 12, branch number = 14 − (month + hour), plus 12 when "
        "not positive; stem by 五虎遁 from the year stem (命宫)"
    ),
    "body_palace": (
        "branch number (寅 = 1 … 丑 = 12) = month number (寅 = 1) + hour number "
        "(子 = 1), minus 12 when above 12; stem by 五虎遁 from the year stem (身宫)"
    ),
}


@dataclass(frozen=True, slots=True)
class Palaces:
    """The four derived pillars of a chart."""

    conception: GanZhi
    breath: GanZhi
    life_palace: GanZhi
    body_palace: GanZhi


def _from_tiger_number(year_stem: int, number: int) -> GanZhi:
    """Return the pillar of branch number ``number`` (寅 = 1) with the 五虎遁 stem."""
    branch = (number + 1) % 12
    return GanZhi.from_parts(month_stem(year_stem, branch), branch)


def _tiger_number(branch: int) -> int:
    return (branch - 2) % 12 + 1


def life_palace(year_stem: int, month_branch: int, hour_branch: int) -> GanZhi:
    """Return 命宫 by the method in ``METHODS["life_palace"]``."""
    number = 14 - (_tiger_number(month_branch) + _tiger_number(hour_branch))
    if number <= 0:
        number += 12
    return _from_tiger_number(year_stem, number)


def body_palace(year_stem: int, month_branch: int, hour_branch: int) -> GanZhi:
    """Return 身宫 by the method in ``METHODS["body_palace"]``."""
    number = _tiger_number(month_branch) + hour_branch + 1
    if number > 12:
        number -= 12
    return _from_tiger_number(year_stem, number)


def _build_palace_table(
    method: Callable[[int, int, int], GanZhi],
) -> tuple[GanZhi, ...]:
    """Tabulate a palace by year stem (mod 5), month branch and hour branch."""
    return tuple(
        method(year_stem, month_branch, hour_branch)
        for year_stem in range(5)
        for month_branch in range(12)
        for hour_branch in range(12)
    )


_LIFE: Final = _build_palace_table(life_palace)
_BODY: Final = _build_palace_table(body_palace)
_CONCEPTION: Final = tuple(
    GanZhi.from_parts((p.stem + 1) % 10, (p.branch + 3) % 12)
    for p in map(GanZhi, range(60))
)
_BREATH: Final = tuple(
    GanZhi.from_parts((p.stem + 5) % 10, (1 - p.branch) % 12)
    for p in map(GanZhi, range(60))
)


def find_palaces(year: GanZhi, month: GanZhi, day: GanZhi, hour: GanZhi) -> Palaces:
    """Return 胎元, 胎息, 命宫 and 身宫 of the four pillars."""
    key = ((year.index % 10) % 5 * 12 + month.index % 12) * 12 + hour.index % 12
    return Palaces(_CONCEPTION[month.index], _BREATH[day.index], _LIFE[key], _BODY[key])
