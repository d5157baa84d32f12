"""The ten gods (十神): how each stem relates to the day master.

The god depends on the five-element relation between the day master and the other
stem (same, produced by the day master, controlled by it, controlling it, producing
it) and on whether the two stems share polarity. Same polarity gives the first god
of each pair.
"""

from __future__ import annotations

from typing import Final

from .._symbols import STEM_ELEMENTS

TEN_GOD_KEYS: Final = (
    "friend",
    "rob_wealth",
    "eating_god",
    "hurting_officer",
    "indirect_wealth",
    "direct_wealth",
    "seven_killings",
    "direct_officer",
    "indirect_resource",
    "direct_resource",
)
TEN_GOD_CHARS: Final = (
    "比肩",
    "劫财",
    "食神",
    "伤官",
    "偏财",
    "正财",
    "七杀",
    "正官",
    "偏印",
    "正印",
)
TEN_GOD_ENGLISH: Final = (
    "Friend",
    "Rob Wealth",
    "Eating God",
    "Hurting Officer",
    "Indirect Wealth",
    "Direct Wealth",
    "Seven Killings",
    "Direct Officer",
    "Indirect Resource",
    "Direct Resource",
)
DAY_MASTER_CHARS: Final = "日主"


def _relation(day_stem: int, stem: int) -> int:
    """Return 0 same element, 1 produced by, 2 controlled by, 3 controlling, 4 producing
    the day master's element, which is also the index of the pair of gods."""
    return (STEM_ELEMENTS[stem] - STEM_ELEMENTS[day_stem]) % 5


def _build() -> tuple[tuple[int, ...], ...]:
    table = []
    for day_stem in range(10):
        row = []
        for stem in range(10):
            relation = _relation(day_stem, stem)
            same_polarity = day_stem % 2 == stem % 2
            row.append(relation * 2 + (0 if same_polarity else 1))
        table.append(tuple(row))
    return tuple(table)


# TEN_GODS[day_stem][stem] is an index into TEN_GOD_KEYS.
TEN_GODS: Final = _build()


def ten_god(day_stem: int, stem: int) -> int:
    """Return the ten-god index of ``stem`` seen from the day master ``day_stem``."""
    return TEN_GODS[day_stem][stem]
