"""The twelve growth stages (十二长生) and the void branches (旬空).

Each stem is born (长生) on one branch and moves one stage per branch: yang stems run
forward through the branches, yin stems backward. The Earth stems lodge with Fire, so
戊 follows 丙 and 己 follows 丁.
"""

from __future__ import annotations

from typing import Final

from .._symbols import GanZhi

STAGE_KEYS: Final = (
    "birth",
    "bath",
    "crown",
    "official",
    "peak",
    "decline",
    "sickness",
    "death",
    "tomb",
    "extinction",
    "conception",
    "nurture",
)
STAGE_CHARS: Final = (
    "长生",
    "沐浴",
    "冠带",
    "临官",
    "帝旺",
    "衰",
    "病",
    "死",
    "墓",
    "绝",
    "胎",
    "养",
)
STAGE_ENGLISH: Final = (
    "Birth",
    "Bath",
    "Crown Belt",
    "Coming of Age",
    "Peak",
    "Decline",
    "Sickness",
    "Death",
    "Tomb",
    "Extinction",
    "Conception",
    "Nurture",
)

# Branch of the 长生 stage of each stem: 甲 亥, 乙 午, 丙 寅, 丁 酉, 戊 寅, 己 酉,
# 庚 巳, 辛 子, 壬 申, 癸 卯.
BIRTH_BRANCH: Final = (11, 6, 2, 9, 2, 9, 5, 0, 8, 3)


def _stage(stem: int, branch: int) -> int:
    if stem % 2 == 0:
        return (branch - BIRTH_BRANCH[stem]) % 12
    return (BIRTH_BRANCH[stem] - branch) % 12


# STAGES[stem][branch] is an index into STAGE_KEYS.
STAGES: Final = tuple(tuple(_stage(s, b) for b in range(12)) for s in range(10))


def growth_stage(stem: int, branch: int) -> int:
    """Return the growth-stage index of ``stem`` on ``branch``."""
    return STAGES[stem][branch]


def void_branches(pair: GanZhi) -> tuple[int, int]:
    """Return the two void branches of the decade (旬) of ``pair``.

    A decade pairs ten stems with ten branches starting at its 甲 pair, so the two
    branches after its last pair stay empty: the 甲子 decade leaves 戌 and 亥.
    """
    first_branch = (pair.index - pair.stem) % 12
    return ((first_branch + 10) % 12, (first_branch + 11) % 12)


def decade_head(pair: GanZhi) -> GanZhi:
    """Return the 甲 pair that opens the decade of ``pair`` (乙丑 → 甲子)."""
    return GanZhi(pair.index - pair.stem)
