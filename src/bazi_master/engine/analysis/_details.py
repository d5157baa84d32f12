"""Per-pillar facts read against the day master, tabulated for every combination.

A pillar's hidden stems, ten gods, na yin, growth stages and void branches depend only
on the pillar and the day stem. All 600 combinations, and the 60 day pillars (whose
stem is the day master), are built at import in a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .._symbols import GanZhi
from ._hidden import HIDDEN_STEMS
from ._nayin import nayin
from ._stages import growth_stage, void_branches
from ._ten_gods import ten_god


@dataclass(frozen=True, slots=True)
class PillarDetail:
    """One pillar read against the day master.

    Gods and stages are indexes into the tables of ``_ten_gods`` and ``_stages``.
    ``stem_ten_god`` is None for the day pillar, whose stem is the day master.
    """

    pillar: GanZhi
    stem_ten_god: int | None
    hidden_stems: tuple[int, ...]
    hidden_ten_gods: tuple[int, ...]
    nayin: int
    stage_of_day_master: int
    stage_of_own_stem: int
    void_branches: tuple[int, int]


def _detail(pillar: GanZhi, day_stem: int, *, is_day: bool) -> PillarDetail:
    hidden = HIDDEN_STEMS[pillar.branch]
    return PillarDetail(
        pillar=pillar,
        stem_ten_god=None if is_day else ten_god(day_stem, pillar.stem),
        hidden_stems=hidden,
        hidden_ten_gods=tuple(ten_god(day_stem, stem) for stem in hidden),
        nayin=nayin(pillar),
        stage_of_day_master=growth_stage(day_stem, pillar.branch),
        stage_of_own_stem=growth_stage(pillar.stem, pillar.branch),
        void_branches=void_branches(pillar),
    )


# _DETAILS[day_stem * 60 + index]: a year, month or hour pillar under that day stem.
_DETAILS: Final = tuple(
    _detail(GanZhi(index), day_stem, is_day=False)
    for day_stem in range(10)
    for index in range(60)
)
_DAY_DETAILS: Final = tuple(
    _detail(GanZhi(index), index % 10, is_day=True) for index in range(60)
)


def pillar_details(
    pillars: tuple[GanZhi, GanZhi, GanZhi, GanZhi],
) -> tuple[PillarDetail, PillarDetail, PillarDetail, PillarDetail]:
    """Return the details of the year, month, day and hour pillars."""
    year, month, day, hour = pillars
    row = day.index % 10 * 60
    return (
        _DETAILS[row + year.index],
        _DETAILS[row + month.index],
        _DAY_DETAILS[day.index],
        _DETAILS[row + hour.index],
    )
