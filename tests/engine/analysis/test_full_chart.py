"""compute_chart, Chart.to_dict and the readable analysis view."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from rich.cells import cell_len
from rich.console import Console

from bazi_master.cli._analysis_view import render_analysis
from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._errors import BaziInputError
from bazi_master.engine._full import compute_chart
from bazi_master.engine._model import BirthInput
from bazi_master.engine.analysis import AnalysisOptions, LuckStartRule, analyze

BIRTH = BirthInput(datetime(1990, 5, 17, 10, 30), tz="+08:00", gender="male")  # type: ignore[arg-type]


def test_chart_dict_is_json() -> None:
    data = compute_chart(BIRTH, AnalysisOptions(annual_year=2024, luck_index=1))

    text = json.dumps(data.to_dict(), ensure_ascii=False)

    assert json.loads(text)["eight_characters"] == "庚午 辛巳 壬午 乙巳"


def test_chart_dict_keeps_pillar_chart() -> None:
    pillar_dict = compute_pillars(BIRTH).to_dict()
    full = compute_chart(BIRTH).to_dict()

    for key, value in pillar_dict.items():
        assert full[key] == value, key
    for section in ("pillar_details", "relations", "shen_sha", "strength", "luck"):
        assert section in full


def test_pillar_details_of_worked_chart() -> None:
    details = compute_chart(BIRTH).to_dict()["pillar_details"]

    assert details["day"]["stem_ten_god"]["char"] == "日主"
    assert details["year"]["stem_ten_god"]["char"] == "偏印"
    assert [h["char"] for h in details["month"]["hidden_stems"]] == ["丙", "庚", "戊"]
    assert details["month"]["hidden_stems"][0]["ten_god"]["char"] == "偏财"
    assert details["hour"]["nayin"]["chars"] == "覆灯火"
    assert details["day"]["stage_of_own_stem"]["char"] == "胎"
    assert details["day"]["void_branches"] == "申酉"


def test_analyze_matches_compute_chart() -> None:
    options = AnalysisOptions(luck_rule=LuckStartRule.TRADITIONAL)

    direct = analyze(compute_pillars(BIRTH), options).to_dict()

    assert direct == compute_chart(BIRTH, options).analysis.to_dict()


def test_view_fits_100_columns() -> None:
    data = compute_chart(BIRTH, AnalysisOptions(annual_year=2024, luck_index=3))
    console = Console(width=100, record=True, color_system=None)

    for section in render_analysis(data.to_dict()):
        console.print(section)

    lines = console.export_text().splitlines()
    assert max(cell_len(line) for line in lines) <= 100
    assert any("命宫 癸未" in line for line in lines)
    assert any("壬午" in line for line in lines)


def test_view_skips_pillar_chart() -> None:
    assert list(render_analysis(compute_pillars(BIRTH).to_dict())) == []


def test_view_explains_missing_luck() -> None:
    birth = BirthInput(datetime(1990, 5, 17, 10, 30), tz="+08:00")
    console = Console(width=100, record=True, color_system=None)

    for section in render_analysis(compute_chart(birth).to_dict()):
        console.print(section)

    assert "need a gender" in console.export_text()


def test_luck_index_without_gender_raises() -> None:
    birth = BirthInput(datetime(1990, 5, 17, 10, 30), tz="+08:00")

    with pytest.raises(BaziInputError, match="invalid luck_index 2: a chart without"):
        compute_chart(birth, AnalysisOptions(luck_index=2))
    with pytest.raises(BaziInputError, match="leave luck_index out"):
        analyze(compute_pillars(birth), AnalysisOptions(luck_index=2))


def test_annual_year_without_gender_compares() -> None:
    birth = BirthInput(datetime(1990, 5, 17, 10, 30), tz="+08:00")

    data = compute_chart(birth, AnalysisOptions(annual_year=2026)).to_dict()

    assert data["luck"] is None
    assert [c["with"] for c in data["relations"]["with_pillars"]] == ["annual"]
