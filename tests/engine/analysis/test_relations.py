"""Stem and branch relations."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from bazi_master.engine._symbols import BRANCH_CHARS, STEM_CHARS
from bazi_master.engine.analysis._relations import (
    Relation,
    branch_relations,
    natal_relations,
    relations_with,
    stem_relations,
)


def _stems(chars: str) -> list[int]:
    return [STEM_CHARS.index(c) for c in chars]


def _branches(chars: str) -> list[int]:
    return [BRANCH_CHARS.index(c) for c in chars]


def _kinds(relations: list[Relation]) -> list[str]:
    return [r.kind for r in relations]


def test_jia_ji_combine_to_earth() -> None:
    found = stem_relations(_stems("甲己"), month_branch_element=2)

    assert _kinds(found) == ["stem_combination"]
    assert found[0].element == 2


def test_jia_geng_clash_and_wu_ji_nothing() -> None:
    assert _kinds(stem_relations(_stems("甲庚"), 0)) == ["stem_clash"]
    assert stem_relations(_stems("戊己"), 0) == []


def test_stem_relations_positions() -> None:
    found = stem_relations(_stems("甲己丙壬"), month_branch_element=0)

    assert [(r.kind, r.positions) for r in found] == [
        ("stem_combination", (0, 1)),
        ("stem_clash", (2, 3)),
    ]


def test_combination_transforms_when_conditions_hold() -> None:
    held = stem_relations(_stems("甲己丙丙"), month_branch_element=2)[0]
    apart = stem_relations(_stems("甲丙己丙"), month_branch_element=2)[0]
    opposed = stem_relations(_stems("甲己乙丙"), month_branch_element=2)[0]

    assert held.transforms is True
    assert apart.transforms is False
    assert dict(apart.conditions)["adjacent"] is False
    assert opposed.transforms is False
    assert dict(opposed.conditions)["no_controlling_stem"] is False


def test_triple_combination_with_extra_branch() -> None:
    found = branch_relations(_branches("申子辰午"))
    combos = [r for r in found if r.kind.endswith("combination")]

    assert [(r.kind, r.element, r.positions) for r in combos] == [
        ("triple_combination", 4, (0, 1, 2))
    ]


def test_half_combination_needs_centre() -> None:
    assert "half_combination" in _kinds(branch_relations(_branches("申子")))
    assert _kinds(branch_relations(_branches("申辰"))) == []


def test_directional_wood() -> None:
    found = [r for r in branch_relations(_branches("寅卯辰")) if r.element == 0]

    assert _kinds(found) == ["directional_combination"]


def test_branch_pair_vectors() -> None:
    assert _kinds(branch_relations(_branches("子午"))) == ["clash"]
    assert _kinds(branch_relations(_branches("子丑"))) == ["six_combination"]
    assert branch_relations(_branches("子丑"))[0].element == 2
    assert _kinds(branch_relations(_branches("子未"))) == ["harm"]
    assert _kinds(branch_relations(_branches("子酉"))) == ["destruction"]


def test_punishment_vectors() -> None:
    assert "triple_punishment" in _kinds(branch_relations(_branches("寅巳申")))
    assert "partial_punishment" in _kinds(branch_relations(_branches("寅巳")))
    assert branch_relations(_branches("辰")) == []
    assert _kinds(branch_relations(_branches("辰辰"))) == ["self_punishment"]
    assert _kinds(branch_relations(_branches("子卯"))) == ["mutual_punishment"]


def test_triple_punishment_replaces_pairs() -> None:
    kinds = _kinds(branch_relations(_branches("寅巳申")))

    assert "partial_punishment" not in kinds


def test_relations_with_added_pillar() -> None:
    stems_found, branches_found = relations_with(
        _stems("甲乙丙丁"), _branches("子丑寅卯"), 6, 6, month_branch_element=2
    )

    assert [(r.kind, r.positions) for r in stems_found] == [
        ("stem_clash", (0, 4)),
        ("stem_combination", (1, 4)),
    ]
    assert ("clash", (0, 4)) in [(r.kind, r.positions) for r in branches_found]
    assert all(4 in r.positions for r in branches_found)


def _pair_kinds(relations: list[Relation]) -> list[tuple[str, str | None]]:
    return sorted(
        (r.kind, None if r.element is None else str(r.element)) for r in relations
    )


@given(st.integers(0, 11), st.integers(0, 11))
def test_branch_pair_relations_symmetric(a: int, b: int) -> None:
    assert _pair_kinds(branch_relations([a, b])) == _pair_kinds(
        branch_relations([b, a])
    )


@given(st.integers(0, 9), st.integers(0, 9))
def test_stem_pair_relations_symmetric(a: int, b: int) -> None:
    forward = stem_relations([a, b], month_branch_element=0)
    backward = stem_relations([b, a], month_branch_element=0)

    assert _pair_kinds(forward) == _pair_kinds(backward)


@given(st.lists(st.integers(0, 11), min_size=4, max_size=4), st.permutations(range(4)))
def test_branch_relations_independent_of_order(
    branches: list[int], order: list[int]
) -> None:
    shuffled = [branches[i] for i in order]

    assert _pair_kinds(branch_relations(branches)) == _pair_kinds(
        branch_relations(shuffled)
    )


def test_natal_stems_match_general_loop() -> None:
    for stems in itertools.product(range(10), repeat=4):
        for element in range(5):
            natal, _ = natal_relations(
                stems, (0, 0, 0, 0), month_branch_element=element
            )
            general = stem_relations(stems, month_branch_element=element)

            assert natal == tuple(general), (stems, element)


def test_natal_branches_match_general_loop() -> None:
    for branches in itertools.product(range(12), repeat=4):
        _, natal = natal_relations((0, 0, 0, 0), branches, month_branch_element=0)

        assert natal == tuple(branch_relations(branches)), branches


def test_combination_conditions_by_position() -> None:
    found = stem_relations(_stems("丙甲己乙"), month_branch_element=2)
    combination = next(r for r in found if r.kind == "stem_combination")

    assert combination.positions == (1, 2)
    assert combination.chars == "甲己"
    assert combination.conditions == (
        ("adjacent", True),
        ("month_branch_of_element", True),
        ("no_controlling_stem", False),
    )
