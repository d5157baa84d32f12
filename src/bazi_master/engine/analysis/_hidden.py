"""Hidden stems (藏干) of the twelve branches, with the weights used for scoring.

Each branch hides one to three stems: the main qi (本气) first, then the middle qi
(中气) and the residual qi (余气). The weights of one branch add up to 1 and follow the
common 60/30/10 split (70/30 for the two-stem branches 午 and 亥).
"""

from __future__ import annotations

from typing import Final

# Stems as indexes (0 甲 … 9 癸), weights in the same order.
_HIDDEN: Final = (
    ((9, 1.0),),
    ((5, 0.6), (9, 0.3), (7, 0.1)),
    ((0, 0.6), (2, 0.3), (4, 0.1)),
    ((1, 1.0),),
    ((4, 0.6), (1, 0.3), (9, 0.1)),
    ((2, 0.6), (6, 0.3), (4, 0.1)),
    ((3, 0.7), (5, 0.3)),
    ((5, 0.6), (3, 0.3), (1, 0.1)),
    ((6, 0.6), (8, 0.3), (4, 0.1)),
    ((7, 1.0),),
    ((4, 0.6), (7, 0.3), (3, 0.1)),
    ((8, 0.7), (0, 0.3)),
)

QI_ROLES: Final = ("main", "middle", "residual")
QI_ROLE_CHARS: Final = ("本气", "中气", "余气")

HIDDEN_STEMS: Final[tuple[tuple[int, ...], ...]] = tuple(
    tuple(stem for stem, _ in entries) for entries in _HIDDEN
)
HIDDEN_WEIGHTS: Final[tuple[tuple[float, ...], ...]] = tuple(
    tuple(weight for _, weight in entries) for entries in _HIDDEN
)


def hidden_stems(branch: int) -> tuple[int, ...]:
    """Return the stems hidden in ``branch``, main qi first."""
    return HIDDEN_STEMS[branch]


def main_qi(branch: int) -> int:
    """Return the main-qi stem of ``branch`` (子 → 癸, 酉 → 辛)."""
    return HIDDEN_STEMS[branch][0]
