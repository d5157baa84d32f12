"""Agreement with lunar-python 1.4.8 on random charts, conventions matched.

lunar-python reads clock times as UTC+8 without DST, rolls the day at 23:00 with
``setSect(1)``, and counts the luck start by days and 时辰 with ``getYun(g, 1)``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from lunar_python import Solar

from bazi_master.engine._full import Chart, compute_chart
from bazi_master.engine._model import BirthInput
from bazi_master.engine._options import Gender
from bazi_master.engine._time import civil_at
from bazi_master.engine.analysis import AnalysisOptions, LuckStartRule

CHARTS = 5000
CST = timezone(timedelta(hours=8))
OPTIONS = AnalysisOptions(luck_rule=LuckStartRule.TRADITIONAL, luck_count=10)


def _random_birth(rng: random.Random) -> datetime:
    return datetime(
        rng.randint(1901, 2099),
        rng.randint(1, 12),
        rng.randint(1, 28),
        rng.randint(0, 23),
        rng.randint(0, 59),
    )


def _theirs(when: datetime, gender: Gender) -> dict[str, Any]:
    solar = Solar.fromYmdHms(when.year, when.month, when.day, when.hour, when.minute, 0)
    chart = solar.getLunar().getEightChar()
    chart.setSect(1)
    yun = chart.getYun(1 if gender is Gender.MALE else 0, 1)
    names = ("Year", "Month", "Day", "Time")
    return {
        "pillars": [getattr(chart, f"get{n}")() for n in names],
        "hidden": [getattr(chart, f"get{n}HideGan")() for n in names],
        "stem_gods": [getattr(chart, f"get{n}ShiShenGan")() for n in names],
        "branch_gods": [getattr(chart, f"get{n}ShiShenZhi")() for n in names],
        "nayin": [getattr(chart, f"get{n}NaYin")() for n in names],
        "stages": [getattr(chart, f"get{n}DiShi")() for n in names],
        "void": [getattr(chart, f"get{n}XunKong")() for n in names],
        "palaces": [
            chart.getTaiYuan(),
            chart.getTaiXi(),
            chart.getMingGong(),
            chart.getShenGong(),
        ],
        "luck": [d.getGanZhi() for d in yun.getDaYun(11)[1:]],
        "start": yun.getStartSolar().toYmd(),
    }


def _ours(data: dict[str, Any]) -> dict[str, Any]:
    details = [data["pillar_details"][n] for n in ("year", "month", "day", "hour")]
    palaces = data["palaces"]
    return {
        "pillars": data["eight_characters"].split(),
        "hidden": [[h["char"] for h in d["hidden_stems"]] for d in details],
        "stem_gods": [d["stem_ten_god"]["char"] for d in details],
        "branch_gods": [
            [h["ten_god"]["char"] for h in d["hidden_stems"]] for d in details
        ],
        "nayin": [d["nayin"]["chars"] for d in details],
        "stages": [d["stage_of_day_master"]["char"] for d in details],
        "void": [d["void_branches"] for d in details],
        "palaces": [
            palaces[k]["ganzhi"]
            for k in ("conception", "breath", "life_palace", "body_palace")
        ],
        "luck": [p["ganzhi"] for p in data["luck"]["pillars"]],
        "start": data["luck"]["start"]["date"][:10],
    }


def _near_clock_boundary(jie_instant: float, margin: float) -> bool:
    """Tell whether a jie lies within ``margin`` seconds of a 时辰 or date boundary
    (an odd hour or midnight in UTC+8), where a tiny difference in the jie instant
    moves the traditional count by 10 days."""
    local = civil_at(jie_instant, CST).replace(tzinfo=None)
    for hour in (*range(1, 24, 2), 0, 24):
        boundary = local.replace(hour=0, minute=0, second=0, microsecond=0)
        boundary += timedelta(hours=hour)
        if abs((local - boundary).total_seconds()) <= margin:
            return True
    return False


def _near_any_jie(chart: Chart, margin: float) -> bool:
    pillars = chart.pillars
    before = pillars.instant - pillars.jie.instant
    after = pillars.next_jie.instant - pillars.instant
    return min(before, after) < margin


def _luck_jie_near_clock_boundary(chart: Chart) -> bool:
    forward = chart.analysis.luck is not None and chart.analysis.luck.forward
    jie = chart.pillars.next_jie if forward else chart.pillars.jie
    return _near_clock_boundary(jie.instant, jie.uncertainty_seconds + 5)


@pytest.mark.slow
def test_agrees_with_lunar_python() -> None:
    rng = random.Random(20261204)
    compared = skipped = 0
    for _ in range(CHARTS):
        when = _random_birth(rng)
        gender = rng.choice((Gender.MALE, Gender.FEMALE))
        chart = compute_chart(BirthInput(when, tz="+08:00", gender=gender), OPTIONS)
        if _near_any_jie(chart, 60):
            skipped += 1
            continue

        ours, theirs = _ours(chart.to_dict()), _theirs(when, gender)
        start_may_differ = _luck_jie_near_clock_boundary(chart)
        for key in ours:
            if key == "start" and start_may_differ:
                continue
            assert ours[key] == theirs[key], (when, gender.value, key)
        compared += 1

    assert compared >= CHARTS * 0.99
    assert skipped <= CHARTS * 0.01
