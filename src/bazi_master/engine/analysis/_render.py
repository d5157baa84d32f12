"""JSON-ready sections of an ``Analysis``: every key snake_case, every value plain."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from .._symbols import (
    BRANCH_CHARS,
    ELEMENT_CHARS,
    ELEMENT_NAMES,
    STEM_CHARS,
    STEM_ELEMENTS,
    GanZhi,
)
from .._time import civil_at, format_time
from ._details import PillarDetail
from ._hidden import HIDDEN_STEMS, HIDDEN_WEIGHTS, QI_ROLE_CHARS, QI_ROLES
from ._luck import (
    START_SECONDS_PER_SPAN_SECOND,
    TROPICAL_YEAR_SECONDS,
    FlowMonth,
    Luck,
    add_calendar,
    annual_pillar_index,
)
from ._nayin import NAYIN_CHARS, NAYIN_ELEMENTS, NAYIN_ENGLISH, nayin
from ._palaces import METHODS, Palaces
from ._relations import RELATION_NAMES, Relation
from ._shensha import BASIS_CHARS, RULES, ShenShaHit
from ._stages import STAGE_CHARS, STAGE_ENGLISH, STAGE_KEYS, growth_stage, void_branches
from ._strength import (
    BALANCE_POINT,
    CLIMATE_REASONS,
    PILLAR_WEIGHTS,
    SEASON_FACTORS,
    SEASON_STATE_CHARS,
    SEASON_STATE_KEYS,
    STRENGTH_CLASSES,
    Strength,
)
from ._ten_gods import (
    DAY_MASTER_CHARS,
    TEN_GOD_CHARS,
    TEN_GOD_ENGLISH,
    TEN_GOD_KEYS,
    ten_god,
)

if TYPE_CHECKING:
    from ._analysis import Analysis, Comparison

POSITIONS = ("year", "month", "day", "hour")
# The two characters of each pair of the sexagenary cycle, by index.
_PAIR_CHARS = tuple(GanZhi(index).chars for index in range(60))
# The pair of each year by ``year % 60``: the annual pillar repeats every 60 years.
_YEAR_CHARS = tuple(_PAIR_CHARS[annual_pillar_index(year)] for year in range(60))
# Leaf sections that depend on one small index are built once here. Each use returns
# a shallow copy, so every chart still gets a tree of its own that a caller may edit.
_ELEMENTS = tuple(
    {"name": ELEMENT_NAMES[e], "char": ELEMENT_CHARS[e]}
    for e in range(len(ELEMENT_NAMES))
)
_GODS = tuple(
    {"key": TEN_GOD_KEYS[g], "char": TEN_GOD_CHARS[g], "english": TEN_GOD_ENGLISH[g]}
    for g in range(len(TEN_GOD_KEYS))
)
_STAGES = tuple(
    {"key": STAGE_KEYS[s], "char": STAGE_CHARS[s], "english": STAGE_ENGLISH[s]}
    for s in range(len(STAGE_KEYS))
)
_NAYINS = tuple(
    {
        "chars": NAYIN_CHARS[n],
        "english": NAYIN_ENGLISH[n],
        "element": ELEMENT_NAMES[NAYIN_ELEMENTS[n]],
    }
    for n in range(len(NAYIN_CHARS))
)


def _element(element: int) -> dict[str, Any]:
    return _ELEMENTS[element].copy()


def _ten_god(day_stem: int, stem: int) -> dict[str, Any]:
    return _GODS[ten_god(day_stem, stem)].copy()


def _god(god: int) -> dict[str, Any]:
    return _GODS[god].copy()


def _stage(stem: int, branch: int) -> dict[str, Any]:
    return _STAGES[growth_stage(stem, branch)].copy()


def _stage_of(stage: int) -> dict[str, Any]:
    return _STAGES[stage].copy()


def _hidden(detail: PillarDetail) -> list[dict[str, Any]]:
    weights = HIDDEN_WEIGHTS[detail.pillar.branch]
    return [
        {
            "char": STEM_CHARS[stem],
            "role": QI_ROLES[k],
            "role_char": QI_ROLE_CHARS[k],
            "weight": weights[k],
            "element": ELEMENT_NAMES[STEM_ELEMENTS[stem]],
            "ten_god": _god(god),
        }
        for k, (stem, god) in enumerate(
            zip(detail.hidden_stems, detail.hidden_ten_gods, strict=True)
        )
    ]


def _nayin(pillar: GanZhi) -> dict[str, Any]:
    return _NAYINS[nayin(pillar)].copy()


def _nayin_of(index: int) -> dict[str, Any]:
    return _NAYINS[index].copy()


def pillar_detail(detail: PillarDetail) -> dict[str, Any]:
    """Describe one pillar relative to the day master."""
    stem_god = (
        {"key": "day_master", "char": DAY_MASTER_CHARS, "english": "Day Master"}
        if detail.stem_ten_god is None
        else _god(detail.stem_ten_god)
    )
    return {
        "ganzhi": detail.pillar.chars,
        "stem_ten_god": stem_god,
        "hidden_stems": _hidden(detail),
        "nayin": _nayin_of(detail.nayin),
        "stage_of_day_master": _stage_of(detail.stage_of_day_master),
        "stage_of_own_stem": _stage_of(detail.stage_of_own_stem),
        "void_branches": "".join(BRANCH_CHARS[b] for b in detail.void_branches),
    }


def _relation(relation: Relation, labels: tuple[str, ...]) -> dict[str, Any]:
    chinese, english = RELATION_NAMES[relation.kind]
    found: dict[str, Any] = {
        "kind": relation.kind,
        "chinese": chinese,
        "english": english,
        "chars": relation.chars,
        "positions": [labels[p] for p in relation.positions],
        "element": None
        if relation.element is None
        else ELEMENT_NAMES[relation.element],
    }
    if relation.kind == "stem_combination":
        found["transforms"] = relation.transforms
        found["conditions"] = dict(relation.conditions)
    return found


def _shensha(hit: ShenShaHit, labels: tuple[str, ...]) -> dict[str, Any]:
    rule = RULES[hit.rule]
    return {
        "key": rule.key,
        "chinese": rule.chinese,
        "english": rule.english,
        "basis": rule.basis,
        "basis_chinese": BASIS_CHARS[rule.basis],
        "pillar": labels[hit.position],
        "target": hit.target,
    }


def _palaces(palaces: Palaces) -> dict[str, Any]:
    return {
        name: {"ganzhi": getattr(palaces, name).chars, "method": METHODS[name]}
        for name in ("conception", "breath", "life_palace", "body_palace")
    }


def _strength(strength: Strength, day_stem: int, month_branch: int) -> dict[str, Any]:
    total = sum(strength.weighted)
    key, chinese, _ = STRENGTH_CLASSES[strength.strength_class]
    climate = strength.climate_need
    return {
        "scoring": {
            "pillar_weights": dict(zip(POSITIONS, PILLAR_WEIGHTS, strict=True)),
            "season_factors": dict(zip(SEASON_STATE_KEYS, SEASON_FACTORS, strict=True)),
        },
        "elements": [
            {
                **_element(e),
                "raw": round(strength.raw[e], 3),
                "season_state": SEASON_STATE_KEYS[strength.states[e]],
                "season_state_char": SEASON_STATE_CHARS[strength.states[e]],
                "factor": SEASON_FACTORS[strength.states[e]],
                "weighted": round(strength.weighted[e], 3),
                "percent": round(100 * strength.weighted[e] / total, 1),
            }
            for e in range(5)
        ],
        "day_master": _element(STEM_ELEMENTS[day_stem]),
        "support": round(strength.support, 3),
        "total": round(total, 3),
        "support_share": round(strength.share, 4),
        "class": key,
        "class_char": chinese,
        "class_bounds": {k: bound for k, _, bound in STRENGTH_CLASSES[:-1]},
        "in_season": strength.in_season,
        "rooted_branches": strength.roots,
        "supporting_stems": strength.supporting_stems,
        "fu_yi": {
            "method": "扶抑: support a weak day master, drain or restrain a strong one",
            "leaning": "weak" if strength.share < BALANCE_POINT else "strong",
            "favourable": [ELEMENT_NAMES[e] for e in strength.favourable],
            "unfavourable": [ELEMENT_NAMES[e] for e in strength.unfavourable],
        },
        "tiao_hou": {
            "method": "调候 by the month branch: winter months want Fire, summer Water",
            "need": None if climate is None else ELEMENT_NAMES[climate],
            "reason": CLIMATE_REASONS[month_branch],
        },
    }


def _date_text(moment: datetime) -> str:
    return format_time(moment.replace(microsecond=0))


def _luck_pillars(luck: Luck, day_stem: int) -> list[dict[str, Any]]:
    """Describe each luck pillar, computing what all of them share once."""
    start = luck.start.start.replace(microsecond=0)
    first_xusui = None
    if luck.start_bazi_year is not None:
        first_xusui = luck.start_bazi_year - luck.birth_year + 1
    return [
        _luck_pillar(luck, k, day_stem, _begins(start, k), first_xusui)
        for k in range(len(luck.pillars))
    ]


def _begins(start: datetime, k: int) -> str:
    """Format the start of luck pillar ``k`` (0-based): the first start + 10 k years.

    ``add_calendar`` works on the wall clock and keeps ``start``'s zone, so the
    offset written is the one in force on the new date.
    """
    return add_calendar(start, 10 * k, 0).isoformat(timespec="seconds")


def _luck_pillar(
    luck: Luck, k: int, day_stem: int, begins: str, first_xusui: int | None
) -> dict[str, Any]:
    pillar = luck.pillars[k]
    first_year = luck.start.start.year + 10 * k
    born = luck.birth_year
    return {
        "number": k + 1,
        "ganzhi": _PAIR_CHARS[pillar.index],
        "stem_ten_god": _ten_god(day_stem, pillar.stem),
        "branch_ten_god": _ten_god(day_stem, HIDDEN_STEMS[pillar.branch][0]),
        "stage_of_day_master": _stage(day_stem, pillar.branch),
        "nayin": _nayin(pillar),
        "begins": begins,
        "zhousui": luck.start.elapsed[0] + 10 * k,
        "xusui": None if first_xusui is None else first_xusui + 10 * k,
        "years": [
            {
                "year": year,
                "ganzhi": _YEAR_CHARS[year % 60],
                "xusui": year - born + 1,
            }
            for year in range(first_year, first_year + 10)
        ],
    }


def _luck_start(luck: Luck, zone: tzinfo) -> dict[str, Any]:
    start = luck.start
    years, months, days, hours, minutes = start.elapsed
    xusui = None
    if luck.start_bazi_year is not None:
        xusui = luck.start_bazi_year - luck.birth_year + 1
    return {
        "rule": start.rule.value,
        "direction": "forward" if start.forward else "backward",
        "school": luck.school.value,
        "jie": format_time(civil_at(round(start.jie_instant), zone)),
        "span_seconds": round(start.span_seconds, 1),
        "elapsed": {
            "years": years,
            "months": months,
            "days": days,
            "hours": hours,
            "minutes": minutes,
        },
        "date": _date_text(start.start),
        "zhousui": years,
        "age_years": round(
            (start.start_instant - start.birth_instant) / TROPICAL_YEAR_SECONDS, 3
        ),
        "xusui": xusui,
        "xusui_rule": (
            "1 in the BaZi year of the birth, plus 1 at each 立春 (the year boundary "
            "of the chart), up to the start"
        ),
        "uncertainty_seconds": round(start.uncertainty_seconds, 1),
    }


def _luck_warnings(luck: Luck) -> list[str]:
    if luck.near_jie_seconds is None:
        return []
    return [
        f"the birth lies {luck.near_jie_seconds:.0f} s from a jie, within the "
        "uncertainty of the birth time or of the jie instant; on the other side of "
        "that jie the month pillar, the luck pillars and their start all change"
    ]


def _luck(luck: Luck, day_stem: int, zone: tzinfo) -> dict[str, Any]:
    return {
        "start": _luck_start(luck, zone),
        "start_uncertainty_note": (
            f"each second of error in the jie instant moves the start by "
            f"{START_SECONDS_PER_SPAN_SECOND} s"
        ),
        "birth_bazi_year": luck.birth_year,
        "pillars": _luck_pillars(luck, day_stem),
        "minor_luck": [
            {
                "xusui": k + 1,
                "year": luck.birth_year + k,
                "ganzhi": _PAIR_CHARS[pillar.index],
            }
            for k, pillar in enumerate(luck.minor)
        ],
        "warnings": _luck_warnings(luck),
    }


def _flow_month(month: FlowMonth, day_stem: int, zone: tzinfo) -> dict[str, Any]:
    return {
        "ganzhi": month.pillar.chars,
        "stem_ten_god": _ten_god(day_stem, month.pillar.stem),
        "jie_year": month.year,
        "jie_term": month.term,
        "begins": format_time(civil_at(round(month.instant), zone)),
    }


def _comparison(comparison: Comparison) -> dict[str, Any]:
    labels = (*POSITIONS, comparison.label)
    return {
        "with": comparison.label,
        "ganzhi": comparison.pillar.chars,
        "stems": [_relation(r, labels) for r in comparison.stem_relations],
        "branches": [_relation(r, labels) for r in comparison.branch_relations],
        "shen_sha": [_shensha(hit, labels) for hit in comparison.shensha],
    }


def analysis_to_dict(analysis: Analysis) -> dict[str, Any]:
    """Return the analysis sections that ``Chart.to_dict`` adds to a chart."""
    pillars = analysis.pillars
    day_stem = pillars[2].stem
    zone = analysis.zone
    return {
        "analysis_options": {
            "luck_rule": analysis.options.luck_rule.value,
            "luck_school": analysis.options.luck_school.value,
            "luck_count": analysis.options.luck_count,
            "luck_index": analysis.options.luck_index,
            "annual_year": analysis.options.annual_year,
        },
        "day_master": {
            "char": STEM_CHARS[day_stem],
            **_element(STEM_ELEMENTS[day_stem]),
            "yin_yang": "yang" if day_stem % 2 == 0 else "yin",
        },
        "pillar_details": {
            name: pillar_detail(detail)
            for name, detail in zip(POSITIONS, analysis.details, strict=True)
        },
        "void": {
            "by_day_pillar": _void_text(pillars[2]),
            "by_year_pillar": _void_text(pillars[0]),
        },
        "palaces": _palaces(analysis.palaces),
        "relations": {
            "stems": [_relation(r, POSITIONS) for r in analysis.stem_relations],
            "branches": [_relation(r, POSITIONS) for r in analysis.branch_relations],
            "with_pillars": [_comparison(c) for c in analysis.comparisons],
        },
        "shen_sha": [_shensha(hit, POSITIONS) for hit in analysis.shensha],
        "strength": _strength(analysis.strength, day_stem, pillars[1].branch),
        "luck": None if analysis.luck is None else _luck(analysis.luck, day_stem, zone),
        "luck_omitted_reason": analysis.luck_omitted_reason,
        "flow_months": None
        if analysis.flow_months is None
        else [_flow_month(m, day_stem, zone) for m in analysis.flow_months],
    }


def _void_text(pillar: GanZhi) -> str:
    return "".join(BRANCH_CHARS[b] for b in void_branches(pillar))
