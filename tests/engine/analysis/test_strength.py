"""Element scoring and the day master's strength."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bazi_master.engine._symbols import GanZhi
from bazi_master.engine.analysis._strength import (
    PILLAR_WEIGHTS,
    SEASON_FACTORS,
    STRENGTH_CLASSES,
    _pillar_scores,
    assess_strength,
)


def _chart(*pairs: str) -> list[GanZhi]:
    return [GanZhi.parse(pair) for pair in pairs]


def test_raw_scores_of_worked_chart() -> None:
    strength = assess_strength(_chart("庚午", "辛巳", "壬午", "乙巳"))

    # Wood 乙; Fire 午 0.7 ×2 + 巳 0.6 ×3 (month doubled); Metal 庚 + 辛 ×2 + 巳 庚.
    assert strength.raw == pytest.approx((1.0, 3.2, 0.9, 3.9, 1.0))


def test_seasonal_states_in_si_month() -> None:
    strength = assess_strength(_chart("庚午", "辛巳", "壬午", "乙巳"))

    # Fire is in season (旺), Earth 相, Wood 休, Water 囚, Metal 死.
    assert strength.states == (2, 0, 1, 4, 3)
    assert strength.weighted[1] == pytest.approx(3.2 * SEASON_FACTORS[0])


def test_support_share_and_class() -> None:
    strength = assess_strength(_chart("庚午", "辛巳", "壬午", "乙巳"))

    assert strength.support == pytest.approx(3.9 * 0.6 + 1.0 * 0.8)
    assert strength.share == pytest.approx(strength.support / sum(strength.weighted))
    assert STRENGTH_CLASSES[strength.strength_class][0] == "weak"
    assert strength.favourable == (3, 4)
    assert strength.climate_need == 4


def test_strong_day_master_wants_output() -> None:
    strength = assess_strength(_chart("壬寅", "壬寅", "甲寅", "甲子"))

    assert STRENGTH_CLASSES[strength.strength_class][0] == "very_strong"
    assert strength.favourable == (1, 2, 3)
    assert strength.in_season


@given(st.lists(st.integers(0, 59), min_size=4, max_size=4))
def test_raw_scores_total_ten(indexes: list[int]) -> None:
    strength = assess_strength([GanZhi(i) for i in indexes])

    assert sum(strength.raw) == pytest.approx(10.0)
    assert 0 < strength.share <= 1
    assert set(strength.favourable).isdisjoint(strength.unfavourable)
    assert len(strength.favourable) + len(strength.unfavourable) == 5


@given(st.lists(st.integers(0, 59), min_size=4, max_size=4))
def test_raw_scores_follow_pillar_weights(indexes: list[int]) -> None:
    pillars = [GanZhi(i) for i in indexes]

    strength = assess_strength(pillars)

    for element in range(5):
        expected = 0.0
        for pillar, weight in zip(pillars, PILLAR_WEIGHTS, strict=True):
            expected += _pillar_scores(pillar)[element] * weight
        assert strength.raw[element] == expected
