"""The full analysis of a four-pillar chart: ``analyze`` and its options.

``analyze`` does the work that depends on more than one pillar: relations, shen sha,
strength, palaces and luck. The per-pillar facts (hidden stems, ten gods, na yin,
growth stages, void branches) are one table lookup per pillar (``_details``), and
``to_dict`` writes them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Protocol

from .._errors import BaziInputError
from .._options import Gender
from .._symbols import BRANCH_ELEMENTS, LICHUN_TERM, GanZhi
from ._details import PillarDetail, pillar_details
from ._luck import (
    FlowMonth,
    Luck,
    LuckDirectionSchool,
    LuckStartRule,
    annual_pillar,
    bazi_year_at,
    flow_months,
    is_forward,
    luck_pillars,
    luck_start,
    minor_luck,
)
from ._palaces import Palaces, find_palaces
from ._relations import Relation, natal_relations, relations_with
from ._shensha import ShenShaHit, shensha_hits
from ._strength import Strength, assess_strength

MIN_LUCK_PILLARS = 8
MAX_LUCK_PILLARS = 10
NO_GENDER_REASON = (
    "luck pillars need a gender, because their direction depends on it; "
    "give gender 'male' or 'female'"
)


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """Choices that change the analysis.

    ``luck_rule`` converts the span to the jie into the luck start; ``luck_school``
    sets the direction; ``luck_count`` is 8 to 10 pillars. ``luck_index`` (1-based)
    and ``annual_year`` choose a luck pillar and a year, and the output adds their
    relations and stars with the natal chart. ``annual_year`` also adds its 流月.
    """

    luck_rule: LuckStartRule = LuckStartRule.SECONDS
    luck_school: LuckDirectionSchool = LuckDirectionSchool.YEAR_STEM
    luck_count: int = MAX_LUCK_PILLARS
    luck_index: int | None = None
    annual_year: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.luck_rule, LuckStartRule):
            object.__setattr__(self, "luck_rule", LuckStartRule.parse(self.luck_rule))
        if not isinstance(self.luck_school, LuckDirectionSchool):
            school = LuckDirectionSchool.parse(self.luck_school)
            object.__setattr__(self, "luck_school", school)
        _check_int("luck_count", self.luck_count, MIN_LUCK_PILLARS, MAX_LUCK_PILLARS)
        if self.luck_index is not None:
            _check_int("luck_index", self.luck_index, 1, self.luck_count)
        if self.annual_year is not None:
            _check_int("annual_year", self.annual_year, 1800, 2200)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise BaziInputError(
            f"invalid {name} {value!r}: expected a whole number from {low} to {high}"
        )


class ChartSource(Protocol):
    """Attributes of a four-pillar chart (a ``PillarChart``) that ``analyze`` reads."""

    @property
    def pillars(self) -> Any: ...
    @property
    def instant(self) -> float: ...
    @property
    def civil(self) -> Any: ...
    @property
    def birth(self) -> Any: ...
    @property
    def jie(self) -> Any: ...
    @property
    def next_jie(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Comparison:
    """Relations and stars between the natal chart and one added pillar."""

    label: str
    pillar: GanZhi
    stem_relations: tuple[Relation, ...]
    branch_relations: tuple[Relation, ...]
    shensha: tuple[ShenShaHit, ...]


@dataclass(frozen=True, slots=True)
class Analysis:
    """The analysis of one chart; ``to_dict`` gives the JSON-ready sections."""

    pillars: tuple[GanZhi, GanZhi, GanZhi, GanZhi]
    details: tuple[PillarDetail, PillarDetail, PillarDetail, PillarDetail]
    options: AnalysisOptions
    palaces: Palaces
    stem_relations: tuple[Relation, ...]
    branch_relations: tuple[Relation, ...]
    shensha: tuple[ShenShaHit, ...]
    strength: Strength
    luck: Luck | None
    luck_omitted_reason: str | None
    comparisons: tuple[Comparison, ...]
    flow_months: tuple[FlowMonth, ...] | None
    zone: Any

    def to_dict(self) -> dict[str, Any]:
        """Return the analysis sections as JSON-ready data."""
        from ._render import analysis_to_dict

        return analysis_to_dict(self)


def _gender(birth: Any) -> Gender | None:
    gender = birth.gender
    if gender is None or isinstance(gender, Gender):
        return gender
    return Gender.parse(gender)


def _luck(chart: ChartSource, options: AnalysisOptions, gender: Gender) -> Luck:
    year, month, _, hour = chart.pillars
    forward = is_forward(year.index % 10, gender, options.luck_school)
    birth_jie = chart.jie
    jie = chart.next_jie if forward else birth_jie
    start = luck_start(
        chart.civil,
        chart.instant,
        jie.instant,
        forward=forward,
        rule=options.luck_rule,
        jie_uncertainty=jie.uncertainty_seconds,
    )

    # The jie in force at the birth fixes its BaZi year: 小寒 still belongs to the
    # year before.
    birth_year = birth_jie.year if birth_jie.term >= LICHUN_TERM else birth_jie.year - 1
    start_year = bazi_year_at(start.start_instant, start.start.year)
    minor_count = 1 if start_year is None else max(1, start_year - birth_year + 1)
    return Luck(
        forward=forward,
        school=options.luck_school,
        start=start,
        pillars=luck_pillars(month, forward, options.luck_count),
        birth_year=birth_year,
        start_bazi_year=start_year,
        minor=minor_luck(hour, forward, minor_count),
        near_jie_seconds=_near_jie(chart),
    )


def _near_jie(chart: ChartSource) -> float | None:
    """Return the distance to the nearer jie when the birth's own uncertainty, the
    minute precision of the input, or the jie's uncertainty could reach across it."""
    birth = chart.birth
    margin = float(birth.uncertainty_seconds) + (0.0 if birth.has_seconds else 60.0)
    before = float(chart.instant - chart.jie.instant)
    after = float(chart.next_jie.instant - chart.instant)
    if before <= margin + chart.jie.uncertainty_seconds:
        return before
    if after <= margin + chart.next_jie.uncertainty_seconds:
        return after
    return None


def _compare(label: str, pillar: GanZhi, natal: tuple[GanZhi, ...]) -> Comparison:
    stems = [p.stem for p in natal]
    branches = [p.branch for p in natal]
    stem_found, branch_found = relations_with(
        stems,
        branches,
        pillar.stem,
        pillar.branch,
        month_branch_element=BRANCH_ELEMENTS[natal[1].branch],
    )
    hits = [hit for hit in shensha_hits(natal, pillar) if hit.position == 4]
    return Comparison(
        label, pillar, tuple(stem_found), tuple(branch_found), tuple(hits)
    )


def _comparisons(
    natal: tuple[GanZhi, ...], options: AnalysisOptions, luck: Luck | None
) -> tuple[Comparison, ...]:
    found = []
    if options.luck_index is not None and luck is not None:
        found.append(_compare("luck", luck.pillars[options.luck_index - 1], natal))
    if options.annual_year is not None:
        found.append(_compare("annual", annual_pillar(options.annual_year), natal))
    return tuple(found)


def analyze(chart: ChartSource, options: AnalysisOptions | None = None) -> Analysis:
    """Analyse a four-pillar chart; see ``AnalysisOptions`` for the choices.

    Luck pillars are left out, with the reason in ``luck_omitted_reason``, when the
    birth has no gender. Raises ``BaziInputError`` for an invalid gender, and for a
    ``luck_index`` without a gender, which has no luck pillar to choose.
    """
    if options is None:
        options = _DEFAULT_OPTIONS
    gender = _gender(chart.birth)
    if gender is None and options.luck_index is not None:
        raise BaziInputError(
            f"invalid luck_index {options.luck_index}: a chart without gender has no "
            "luck pillars, because their direction depends on it; give gender 'male' "
            "or 'female', or leave luck_index out"
        )
    natal = year, month, day, hour = chart.pillars
    stem_found, branch_found = natal_relations(
        (year.index % 10, month.index % 10, day.index % 10, hour.index % 10),
        (year.index % 12, month.index % 12, day.index % 12, hour.index % 12),
        month_branch_element=BRANCH_ELEMENTS[month.index % 12],
    )

    luck = None if gender is None else _luck(chart, options, gender)
    compared = options.luck_index is not None or options.annual_year is not None
    flow = None if options.annual_year is None else flow_months(options.annual_year)
    return Analysis(
        pillars=(year, month, day, hour),
        details=pillar_details(natal),
        options=options,
        palaces=find_palaces(year, month, day, hour),
        stem_relations=stem_found,
        branch_relations=branch_found,
        shensha=shensha_hits(natal),
        strength=assess_strength(natal),
        luck=luck,
        luck_omitted_reason=NO_GENDER_REASON if gender is None else None,
        comparisons=_comparisons(natal, options, luck) if compared else (),
        flow_months=flow,
        zone=chart.civil.tzinfo,
    )


_DEFAULT_OPTIONS: Final = AnalysisOptions()
