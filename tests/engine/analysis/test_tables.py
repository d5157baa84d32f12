"""Hidden stems, ten gods, na yin, growth stages and void branches."""

from __future__ import annotations

import pytest

from bazi_master.engine._symbols import BRANCH_CHARS, STEM_CHARS, GanZhi
from bazi_master.engine.analysis._details import pillar_details
from bazi_master.engine.analysis._hidden import (
    HIDDEN_WEIGHTS,
    hidden_stems,
    main_qi,
)
from bazi_master.engine.analysis._nayin import (
    NAYIN_CHARS,
    NAYIN_ELEMENTS,
    nayin,
)
from bazi_master.engine.analysis._stages import (
    STAGE_CHARS,
    decade_head,
    growth_stage,
    void_branches,
)
from bazi_master.engine.analysis._ten_gods import TEN_GOD_CHARS, ten_god


def _stem(char: str) -> int:
    return STEM_CHARS.index(char)


def _branch(char: str) -> int:
    return BRANCH_CHARS.index(char)


def _hidden_chars(branch: str) -> str:
    return "".join(STEM_CHARS[s] for s in hidden_stems(_branch(branch)))


def test_hidden_stems_of_yin_and_xu() -> None:
    assert _hidden_chars("寅") == "甲丙戊"
    assert _hidden_chars("戌") == "戊辛丁"


def test_hidden_stems_main_qi_and_counts() -> None:
    assert STEM_CHARS[main_qi(_branch("子"))] == "癸"
    assert STEM_CHARS[main_qi(_branch("酉"))] == "辛"
    assert _hidden_chars("卯") == "乙"
    assert _hidden_chars("午") == "丁己"


def test_hidden_weights_sum_to_one() -> None:
    for branch, weights in enumerate(HIDDEN_WEIGHTS):
        assert sum(weights) == pytest.approx(1.0), BRANCH_CHARS[branch]


def test_ten_gods_of_jia() -> None:
    gods = [TEN_GOD_CHARS[ten_god(0, stem)] for stem in range(10)]

    assert gods == [
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
    ]


@pytest.mark.parametrize("day_stem", range(10))
def test_ten_gods_are_a_bijection(day_stem: int) -> None:
    gods = {ten_god(day_stem, stem) for stem in range(10)}

    assert gods == set(range(10))


@pytest.mark.parametrize(
    ("pair", "expected", "element"),
    [("甲子", "海中金", 3), ("壬戌", "大海水", 4), ("戊午", "天上火", 1)],
)
def test_nayin_vectors(pair: str, expected: str, element: int) -> None:
    index = nayin(GanZhi.parse(pair))

    assert NAYIN_CHARS[index] == expected
    assert NAYIN_ELEMENTS[index] == element


def test_nayin_rejects_mismatched_pair() -> None:
    with pytest.raises(ValueError, match="甲丑"):
        GanZhi.parse("甲丑")


@pytest.mark.parametrize(
    ("stem", "branch", "stage"),
    [
        ("甲", "亥", "长生"),
        ("甲", "寅", "临官"),
        ("甲", "卯", "帝旺"),
        ("甲", "未", "墓"),
        ("乙", "午", "长生"),
        ("乙", "卯", "临官"),
        ("乙", "寅", "帝旺"),
    ],
)
def test_growth_stage_vectors(stem: str, branch: str, stage: str) -> None:
    assert STAGE_CHARS[growth_stage(_stem(stem), _branch(branch))] == stage


def test_earth_stems_lodge_with_fire() -> None:
    for branch in range(12):
        assert growth_stage(_stem("戊"), branch) == growth_stage(_stem("丙"), branch)
        assert growth_stage(_stem("己"), branch) == growth_stage(_stem("丁"), branch)


def test_growth_stages_cover_all_branches() -> None:
    for stem in range(10):
        assert {growth_stage(stem, b) for b in range(12)} == set(range(12))


@pytest.mark.parametrize(
    ("pair", "void"), [("甲子", "戌亥"), ("甲辰", "寅卯"), ("乙丑", "戌亥")]
)
def test_void_branches(pair: str, void: str) -> None:
    branches = void_branches(GanZhi.parse(pair))

    assert "".join(BRANCH_CHARS[b] for b in branches) == void


def test_decade_head_of_yi_chou() -> None:
    assert decade_head(GanZhi.parse("乙丑")).chars == "甲子"


def test_void_branches_never_in_own_decade() -> None:
    for index in range(60):
        pair = GanZhi(index)
        head = decade_head(pair)
        decade = {head.shift(k).branch for k in range(10)}
        assert decade.isdisjoint(void_branches(pair)), pair.chars


@pytest.mark.parametrize("day", range(60))
def test_pillar_details_match_lookups(day: int) -> None:
    day_stem = day % 10
    for index in range(60):
        pillars = (GanZhi(index), GanZhi(index), GanZhi(day), GanZhi(index))
        detail = pillar_details(pillars)[0]

        assert detail.pillar == GanZhi(index)
        assert detail.stem_ten_god == ten_god(day_stem, index % 10)
        assert detail.hidden_stems == hidden_stems(index % 12)
        gods = tuple(ten_god(day_stem, stem) for stem in hidden_stems(index % 12))
        assert detail.hidden_ten_gods == gods
        assert detail.nayin == nayin(GanZhi(index))
        assert detail.stage_of_day_master == growth_stage(day_stem, index % 12)
        assert detail.stage_of_own_stem == growth_stage(index % 10, index % 12)
        assert detail.void_branches == void_branches(GanZhi(index))


def test_day_pillar_detail_has_no_stem_god() -> None:
    pillars = (GanZhi(0), GanZhi(2), GanZhi.parse("庚辰"), GanZhi(4))

    day = pillar_details(pillars)[2]

    assert day.stem_ten_god is None
    assert day.pillar == GanZhi.parse("庚辰")
    assert STAGE_CHARS[day.stage_of_own_stem] == "养"
