"""Element balance, the day master's strength, and favourable elements.

Scoring: each stem scores 1 for its element, and each branch scores 1 split over its
hidden stems by the weights in ``_hidden``. The month stem and month branch count
twice, so a chart totals 10. Each element's total is then multiplied by its seasonal
state in the month branch (旺相休囚死). The day master's support is the share of the
weighted total held by its own element (比劫) and the element that produces it (印).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .._symbols import BRANCH_ELEMENTS, STEM_ELEMENTS, GanZhi
from ._hidden import HIDDEN_STEMS, HIDDEN_WEIGHTS

PILLAR_WEIGHTS: Final = (1.0, 2.0, 1.0, 1.0)

SEASON_STATE_KEYS: Final = ("prosperous", "strong", "resting", "trapped", "dead")
SEASON_STATE_CHARS: Final = ("旺", "相", "休", "囚", "死")
SEASON_FACTORS: Final = (1.4, 1.2, 1.0, 0.8, 0.6)
# State index by (element - season element) % 5. The season's own element is 旺, the
# element it produces 相, the one producing it 休, the one controlling it 囚, and the
# one it controls 死.
SEASON_OFFSETS: Final = (0, 1, 4, 3, 2)

# Strength classes by support share: the upper bound of each class.
STRENGTH_CLASSES: Final[tuple[tuple[str, str, float], ...]] = (
    ("very_weak", "极弱", 0.25),
    ("weak", "身弱", 0.40),
    ("balanced", "中和", 0.55),
    ("strong", "身强", 0.70),
    ("very_strong", "极强", 1.01),
)
# Below this share a balanced chart is treated as leaning weak for 扶抑.
BALANCE_POINT: Final = 0.475

# 调候 by the month branch: winter months (亥子丑) want Fire, summer months (巳午未)
# want Water; spring and autumn months need no climate adjustment.
CLIMATE_NEEDS: Final = (1, 1, None, None, None, 4, 4, 4, None, None, None, 1)
CLIMATE_REASONS: Final = (
    "cold",
    "cold",
    None,
    None,
    None,
    "hot",
    "hot",
    "hot",
    None,
    None,
    None,
    "cold",
)


@dataclass(frozen=True, slots=True)
class Strength:
    """Element scores and the day master's strength with the numbers behind it.

    ``raw`` and ``weighted`` are indexed by element (0 Wood … 4 Water); ``states``
    gives each element's seasonal state as an index into ``SEASON_STATE_KEYS``.
    """

    raw: tuple[float, ...]
    states: tuple[int, ...]
    weighted: tuple[float, ...]
    support: float
    share: float
    strength_class: int
    in_season: bool
    roots: int
    supporting_stems: int
    favourable: tuple[int, ...]
    unfavourable: tuple[int, ...]
    climate_need: int | None


def _pillar_scores(pair: GanZhi) -> tuple[float, ...]:
    """Score a pillar of weight 1: its stem, and its branch split over hidden stems."""
    raw = [0.0] * 5
    raw[STEM_ELEMENTS[pair.stem]] += 1.0
    branch = pair.branch
    for stem, share in zip(HIDDEN_STEMS[branch], HIDDEN_WEIGHTS[branch], strict=True):
        raw[STEM_ELEMENTS[stem]] += share
    return tuple(raw)


# Seasonal state and factor of each element, by the season's element.
_STATES: Final = tuple(
    tuple(SEASON_OFFSETS[(element - season) % 5] for element in range(5))
    for season in range(5)
)
_FACTORS: Final = tuple(
    tuple(SEASON_FACTORS[state] for state in states) for states in _STATES
)
_PILLAR_SCORES: Final = tuple(_pillar_scores(GanZhi(i)) for i in range(60))
# _ROOTED[element][branch]: whether the branch hides a stem of that element.
_ROOTED: Final = tuple(
    tuple(any(STEM_ELEMENTS[s] == e for s in HIDDEN_STEMS[b]) for b in range(12))
    for e in range(5)
)


def _raw_scores(pillars: Sequence[GanZhi]) -> list[float]:
    year, month, day, hour = (_PILLAR_SCORES[p.index] for p in pillars)
    weights = PILLAR_WEIGHTS
    return [
        year[e] * weights[0]
        + month[e] * weights[1]
        + day[e] * weights[2]
        + hour[e] * weights[3]
        for e in range(5)
    ]


def _favourable(
    day_element: int, share: float
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Split the elements by 扶抑: a weak day master wants its resource and companions,
    a strong one wants output, wealth and officers (in that order)."""
    companion, resource = day_element, (day_element + 4) % 5
    output, wealth, officer = (
        (day_element + 1) % 5,
        (day_element + 2) % 5,
        (day_element + 3) % 5,
    )
    if share < BALANCE_POINT:
        return (resource, companion), (officer, output, wealth)
    return (output, wealth, officer), (resource, companion)


def _supporting_stems(pillars: Sequence[GanZhi], day_element: int) -> int:
    resource = (day_element + 4) % 5
    return sum(
        1
        for position, pillar in enumerate(pillars)
        if position != 2 and STEM_ELEMENTS[pillar.stem] in (day_element, resource)
    )


def assess_strength(pillars: Sequence[GanZhi]) -> Strength:
    """Score the five elements of the four ``pillars`` and classify the day master."""
    raw = _raw_scores(pillars)
    season = BRANCH_ELEMENTS[pillars[1].branch]
    states = _STATES[season]
    factors = _FACTORS[season]
    weighted = tuple(raw[e] * factors[e] for e in range(5))

    day_element = STEM_ELEMENTS[pillars[2].stem]
    support = weighted[day_element] + weighted[(day_element + 4) % 5]
    share = support / sum(weighted)
    strength_class = 0
    while share >= STRENGTH_CLASSES[strength_class][2]:
        strength_class += 1

    month_main = STEM_ELEMENTS[HIDDEN_STEMS[pillars[1].branch][0]]
    rooted = _ROOTED[day_element]
    roots = sum(1 for pillar in pillars if rooted[pillar.branch])
    favourable, unfavourable = _favourable(day_element, share)
    return Strength(
        raw=tuple(raw),
        states=states,
        weighted=weighted,
        support=support,
        share=share,
        strength_class=strength_class,
        in_season=month_main in (day_element, (day_element + 4) % 5),
        roots=roots,
        supporting_stems=_supporting_stems(pillars, day_element),
        favourable=favourable,
        unfavourable=unfavourable,
        climate_need=CLIMATE_NEEDS[pillars[1].branch],
    )
