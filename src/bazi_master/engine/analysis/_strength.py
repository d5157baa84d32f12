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
# _ROOTED[element][branch]: 1 when the branch hides a stem of that element, else 0.
_ROOTED: Final = tuple(
    tuple(int(any(STEM_ELEMENTS[s] == e for s in HIDDEN_STEMS[b])) for b in range(12))
    for e in range(5)
)


# Month pillar scores times PILLAR_WEIGHTS[1] (2, so the products are exact).
_MONTH_SCORES: Final = tuple(
    tuple(score * PILLAR_WEIGHTS[1] for score in scores) for scores in _PILLAR_SCORES
)


def _raw_scores(pillars: Sequence[GanZhi]) -> list[float]:
    """Sum the weighted pillar scores of each element.

    The year, day and hour weights are 1, so their products are left out, which
    leaves every sum bit for bit the same.
    """
    year, month, day, hour = pillars
    y0, y1, y2, y3, y4 = _PILLAR_SCORES[year.index]
    m0, m1, m2, m3, m4 = _MONTH_SCORES[month.index]
    d0, d1, d2, d3, d4 = _PILLAR_SCORES[day.index]
    h0, h1, h2, h3, h4 = _PILLAR_SCORES[hour.index]
    return [
        y0 + m0 + d0 + h0,
        y1 + m1 + d1 + h1,
        y2 + m2 + d2 + h2,
        y3 + m3 + d3 + h3,
        y4 + m4 + d4 + h4,
    ]


def _split_elements(
    day_element: int, leaning_strong: bool
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Split the elements by 扶抑: a weak day master wants its resource and companions,
    a strong one wants output, wealth and officers (in that order)."""
    companion, resource = day_element, (day_element + 4) % 5
    output, wealth, officer = (
        (day_element + 1) % 5,
        (day_element + 2) % 5,
        (day_element + 3) % 5,
    )
    if not leaning_strong:
        return (resource, companion), (officer, output, wealth)
    return (output, wealth, officer), (resource, companion)


# _FAVOURABLE[day element][leaning strong]: the favourable and unfavourable elements.
_FAVOURABLE: Final = tuple(
    (_split_elements(element, False), _split_elements(element, True))
    for element in range(5)
)
# _SUPPORTS[day element][stem]: 1 when the stem is a companion or a resource.
_SUPPORTS: Final = tuple(
    tuple(int(STEM_ELEMENTS[stem] in (e, (e + 4) % 5)) for stem in range(10))
    for e in range(5)
)
# _IN_SEASON[day element][month branch]: whether the month's main qi supports it.
_IN_SEASON: Final = tuple(
    tuple(STEM_ELEMENTS[HIDDEN_STEMS[b][0]] in (e, (e + 4) % 5) for b in range(12))
    for e in range(5)
)


def _supporting_stems(pillars: Sequence[GanZhi], day_element: int) -> int:
    supports = _SUPPORTS[day_element]
    year, month, _, hour = pillars
    return (
        supports[year.index % 10]
        + supports[month.index % 10]
        + supports[hour.index % 10]
    )


def _roots(pillars: Sequence[GanZhi], day_element: int) -> int:
    """Count the branches that hide a stem of the day master's element."""
    rooted = _ROOTED[day_element]
    year, month, day, hour = pillars
    return (
        rooted[year.index % 12]
        + rooted[month.index % 12]
        + rooted[day.index % 12]
        + rooted[hour.index % 12]
    )


def assess_strength(pillars: Sequence[GanZhi]) -> Strength:
    """Score the five elements of the four ``pillars`` and classify the day master."""
    raw = _raw_scores(pillars)
    month_branch = pillars[1].index % 12
    season = BRANCH_ELEMENTS[month_branch]
    f0, f1, f2, f3, f4 = _FACTORS[season]
    weighted = (raw[0] * f0, raw[1] * f1, raw[2] * f2, raw[3] * f3, raw[4] * f4)

    day_element = STEM_ELEMENTS[pillars[2].index % 10]
    support = weighted[day_element] + weighted[(day_element + 4) % 5]
    share = support / sum(weighted)
    strength_class = 0
    while share >= STRENGTH_CLASSES[strength_class][2]:
        strength_class += 1

    favourable, unfavourable = _FAVOURABLE[day_element][share >= BALANCE_POINT]
    return Strength(
        raw=tuple(raw),
        states=_STATES[season],
        weighted=weighted,
        support=support,
        share=share,
        strength_class=strength_class,
        in_season=_IN_SEASON[day_element][month_branch],
        roots=_roots(pillars, day_element),
        supporting_stems=_supporting_stems(pillars, day_element),
        favourable=favourable,
        unfavourable=unfavourable,
        climate_need=CLIMATE_NEEDS[month_branch],
    )
