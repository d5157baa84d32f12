"""Shen sha rules and their lookup."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bazi_master.engine._symbols import GanZhi
from bazi_master.engine.analysis._shensha import (
    BASES,
    RULES,
    ShenShaHit,
    find_shensha,
    shensha_hits,
)


def _chart(*pairs: str) -> list[GanZhi]:
    return [GanZhi.parse(pair) for pair in pairs]


def _named(hits: list[ShenShaHit], key: str) -> list[tuple[str, int]]:
    return [(RULES[h.rule].basis, h.position) for h in hits if RULES[h.rule].key == key]


def test_rules_cover_thirty_stars() -> None:
    keys = {rule.key for rule in RULES}

    assert len(keys) >= 30
    for required in (
        "tianyi",
        "wenchang",
        "lushen",
        "yangren",
        "yima",
        "taohua",
        "huagai",
        "jiangxing",
        "guchen",
        "guasu",
        "kuigang",
        "tiande",
        "yuede",
        "hongluan",
        "tianxi",
        "jiesha",
        "wangshen",
        "jinyu",
        "xuetang",
        "kongwang",
    ):
        assert required in keys


def test_rule_key_and_basis_unique() -> None:
    pairs = [(rule.key, rule.basis) for rule in RULES]

    assert len(pairs) == len(set(pairs))


def test_tianyi_for_jia_day_on_chou_and_wei() -> None:
    hits = find_shensha(_chart("丙子", "丁丑", "甲子", "辛未"))

    assert _named(hits, "tianyi") == [("day_stem", 1), ("day_stem", 3)]


def test_yangren_for_yang_day_only() -> None:
    jia = find_shensha(_chart("丙子", "丁卯", "甲子", "丙寅"))
    yi = find_shensha(_chart("丙子", "丁卯", "乙丑", "丙子"))

    assert _named(jia, "yangren") == [("day_stem", 1)]
    assert _named(yi, "yangren") == []


def test_kuigang_on_geng_chen_only() -> None:
    kuigang = find_shensha(_chart("甲子", "丙寅", "庚辰", "丙子"))
    plain = find_shensha(_chart("甲子", "丙寅", "庚午", "丙子"))

    assert _named(kuigang, "kuigang") == [("day_pillar", 2)]
    assert _named(plain, "kuigang") == []


def test_taohua_by_year_and_day_branch() -> None:
    hits = find_shensha(_chart("甲子", "丁卯", "丙午", "丁酉"))

    assert _named(hits, "taohua") == [("year_branch", 3), ("day_branch", 1)]


def test_void_by_day_and_year_pillar() -> None:
    hits = find_shensha(_chart("甲子", "甲戌", "甲辰", "乙卯"))

    assert _named(hits, "kongwang") == [("day_pillar", 3), ("year_pillar", 1)]


def test_added_pillar_is_target_only() -> None:
    natal = _chart("丙子", "丁丑", "甲子", "辛未")
    with_extra = find_shensha(natal, GanZhi.parse("乙丑"))

    extra_hits = [h for h in with_extra if h.position == 4]
    assert ("day_stem", 4) in _named(with_extra, "tianyi")
    assert [h for h in with_extra if h.position < 4] == find_shensha(natal)
    assert all(
        RULES[h.rule].basis != "day_pillar" or RULES[h.rule].key == "kongwang"
        for h in extra_hits
    )


@given(st.lists(st.integers(0, 59), min_size=5, max_size=5))
def test_hits_ordered_by_basis_then_pillar(indexes: list[int]) -> None:
    *natal, extra = [GanZhi(index) for index in indexes]

    hits = shensha_hits(natal, extra)

    order = [(BASES.index(RULES[h.rule].basis), h.position) for h in hits]
    assert order == sorted(order)
