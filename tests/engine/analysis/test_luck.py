"""Luck pillars, their start, 小运 and 流月 on real charts."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bazi_master.engine._errors import BaziInputError, OutOfRangeError
from bazi_master.engine._full import compute_chart
from bazi_master.engine._model import BirthInput
from bazi_master.engine._symbols import GanZhi
from bazi_master.engine._terms import term_instant
from bazi_master.engine.analysis._analysis import AnalysisOptions
from bazi_master.engine.analysis._luck import add_calendar, flow_months

# (birth in UTC+8, gender, chart, direction, first pillars, traditional start and
# elapsed, seconds-rule start as reported by tyme4py or None)
VECTORS = [
    ((1990, 5, 17, 10, 30), "male", "庚午 辛巳 壬午 乙巳", "forward", "壬午 癸未 甲申",
     "1996-12-27", (6, 7, 10), "1996-12-28T19:06"),
    ((1993, 1, 1, 0, 30), "male", "壬申 壬子 壬午 庚子", "forward", "癸丑 甲寅 乙卯",
     "1994-07-21", (1, 6, 20), "1994-07-18T05:32"),
    ((1993, 12, 20, 10, 0), "male", "癸酉 甲子 乙亥 辛巳", "backward", "癸亥 壬戌 辛酉",
     "1998-04-20", (4, 4, 0), "1998-04-16T14:22"),
    ((1986, 2, 5, 12, 0), "male", "丙寅 庚寅 庚辰 壬午", "forward", "辛卯 壬辰 癸巳",
     "1995-09-05", (9, 7, 0), "1995-08-31T12:16"),
    ((2012, 12, 18, 12, 0), "female", "壬辰 壬子 癸丑 戊午", "backward",
     "辛亥 庚戌 己酉", "2016-10-08", (3, 9, 20), "2016-10-11T22:08"),
    ((1981, 1, 29, 23, 37), "female", None, "backward", "戊子", "1989-02-18",
     (8, 0, 20), None),
    ((2020, 1, 6, 11, 22), "male", "己亥 丁丑 戊申 戊午", "backward", "丙子",
     "2020-02-06", (0, 1, 0), None),
    ((2022, 3, 9, 20, 51), "male", "壬寅 癸卯 辛酉 戊戌", "forward", "甲辰",
     "2030-12-19", (8, 9, 10), None),
]  # fmt: skip


def _luck(when: tuple[int, ...], gender: str | None, **options: Any) -> dict[str, Any]:
    birth = BirthInput(datetime(*when), tz="+08:00", gender=gender)  # type: ignore[arg-type]
    return compute_chart(birth, AnalysisOptions(**options)).to_dict()


@pytest.mark.parametrize("vector", VECTORS, ids=[str(v[0][:3]) for v in VECTORS])
def test_luck_vectors_traditional(vector: tuple[Any, ...]) -> None:
    when, gender, chart, direction, first, start, elapsed, _ = vector

    data = _luck(when, gender, luck_rule="traditional")

    luck = data["luck"]
    if chart is not None:
        assert data["eight_characters"] == chart
    assert luck["start"]["direction"] == direction
    pillars = [p["ganzhi"] for p in luck["pillars"]]
    assert pillars[: len(first.split())] == first.split()
    assert luck["start"]["date"][:10] == start
    e = luck["start"]["elapsed"]
    assert (e["years"], e["months"], e["days"]) == elapsed


@pytest.mark.parametrize(
    "vector", [v for v in VECTORS if v[7]], ids=[str(v[0][:3]) for v in VECTORS if v[7]]
)
def test_luck_vectors_seconds(vector: tuple[Any, ...]) -> None:
    when, gender, *_, expected = vector

    start = _luck(when, gender)["luck"]["start"]

    # tyme4py's term instants differ from ours by about a second: 2 minutes of start.
    got = datetime.fromisoformat(start["date"]).replace(tzinfo=None)
    delta = abs((got - datetime.fromisoformat(expected)).total_seconds())
    assert delta <= 240, start["date"]
    assert start["rule"] == "seconds"


def test_worked_example_seconds_exact() -> None:
    start = _luck((1990, 5, 17, 10, 30), "male")["luck"]["start"]

    assert start["elapsed"] == {
        "years": 6,
        "months": 7,
        "days": 11,
        "hours": 8,
        "minutes": 36,
    }
    assert start["zhousui"] == 6
    assert start["xusui"] == 7


def test_ages_of_l2() -> None:
    start = _luck((1993, 1, 1, 0, 30), "male", luck_rule="traditional")["luck"]["start"]

    # Born in the BaZi year 壬申 (1992); the start in mid-1994 is in its third year.
    assert start["zhousui"] == 1
    assert start["xusui"] == 3


def test_male_forward_school() -> None:
    by_stem = _luck((1993, 12, 20, 10, 0), "male")["luck"]
    school = _luck((1993, 12, 20, 10, 0), "male", luck_school="male-forward")["luck"]

    assert by_stem["start"]["direction"] == "backward"
    assert school["start"]["direction"] == "forward"
    assert school["pillars"][0]["ganzhi"] == "乙丑"


@pytest.mark.parametrize("when", [v[0] for v in VECTORS])
@pytest.mark.parametrize("gender", ["male", "female"])
def test_luck_sequence_steps_by_one(when: tuple[int, ...], gender: str) -> None:
    data = _luck(when, gender, luck_count=9)

    luck = data["luck"]
    step = 1 if luck["start"]["direction"] == "forward" else -1
    month = GanZhi.parse(data["pillars"]["month"]["ganzhi"])
    pillars = [GanZhi.parse(p["ganzhi"]) for p in luck["pillars"]]
    assert len(pillars) == 9
    assert pillars[0] == month.shift(step)
    for earlier, later in itertools.pairwise(pillars):
        assert later == earlier.shift(step)


def test_luck_pillar_years_follow_start() -> None:
    luck = _luck((1990, 5, 17, 10, 30), "male")["luck"]

    second = luck["pillars"][1]
    assert second["begins"].startswith("2006-12-28")
    assert [y["year"] for y in second["years"]] == list(range(2006, 2016))
    assert second["years"][0]["ganzhi"] == "丙戌"
    assert second["years"][0]["xusui"] == 2006 - 1990 + 1


def test_minor_luck_starts_next_to_hour() -> None:
    luck = _luck((1990, 5, 17, 10, 30), "male")["luck"]

    minor = [m["ganzhi"] for m in luck["minor_luck"]]
    assert minor[:2] == ["丙午", "丁未"]
    assert len(minor) == luck["start"]["xusui"]


@pytest.mark.parametrize("gender", ["Male", "FEMALE", "female"])
def test_gender_any_case(gender: str) -> None:
    assert _luck((1990, 5, 17, 10, 30), gender)["luck"] is not None


@pytest.mark.parametrize("gender", ["m", "", "man", "unknown", "男"])
def test_bad_gender_rejected(gender: str) -> None:
    with pytest.raises(BaziInputError, match="invalid gender"):
        _luck((1990, 5, 17, 10, 30), gender)


def test_missing_gender_omits_luck() -> None:
    data = _luck((1990, 5, 17, 10, 30), None)

    assert data["luck"] is None
    assert "gender" in data["luck_omitted_reason"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"luck_count": 7}, "luck_count"),
        ({"luck_count": 11}, "luck_count"),
        ({"luck_index": 11}, "luck_index"),
        ({"annual_year": 1799}, "annual_year"),
        ({"luck_rule": "minutes"}, "luck start rule"),
        ({"luck_school": "female-forward"}, "direction school"),
    ],
)
def test_bad_options_rejected(options: dict[str, Any], message: str) -> None:
    with pytest.raises(BaziInputError, match=message):
        AnalysisOptions(**options)


def test_birth_near_jie_warns() -> None:
    # 立春 2024 falls at 16:27:07.6 (UTC+8); a minute-only birth at 16:27 is
    # within a minute of it, so the luck section carries a warning.
    near = _luck((2024, 2, 4, 16, 27), "male")["luck"]
    far = _luck((2024, 2, 4, 10, 0), "male")["luck"]

    assert len(near["warnings"]) == 1
    assert "jie" in near["warnings"][0]
    assert far["warnings"] == []


def test_start_uncertainty_grows_with_year() -> None:
    early = _luck((2000, 3, 1, 12, 0), "male")["luck"]["start"]
    late = _luck((2150, 3, 1, 12, 0), "male")["luck"]["start"]

    assert early["uncertainty_seconds"] < late["uncertainty_seconds"]


def test_flow_months_of_2024() -> None:
    months = flow_months(2024)

    assert [m.pillar.chars for m in months][:3] == ["丙寅", "丁卯", "戊辰"]
    assert months[-1].pillar.chars == "丁丑"
    assert months[0].instant == term_instant(2024, 2)
    assert (months[-1].year, months[-1].term) == (2025, 0)


def test_flow_months_range() -> None:
    with pytest.raises(OutOfRangeError, match="1800 to 2200"):
        flow_months(2201)


def test_annual_options_add_comparison() -> None:
    data = _luck((1990, 5, 17, 10, 30), "male", annual_year=2024, luck_index=2)

    compared = data["relations"]["with_pillars"]
    assert [c["with"] for c in compared] == ["luck", "annual"]
    assert compared[1]["ganzhi"] == "甲辰"
    assert len(data["flow_months"]) == 12


def test_add_calendar_clamps_month_end() -> None:
    assert add_calendar(datetime(2023, 1, 31), 0, 1) == datetime(2023, 2, 28)
    assert add_calendar(datetime(2020, 2, 29), 1, 0) == datetime(2021, 2, 28)
    assert add_calendar(datetime(2020, 11, 15), 0, 3, 20) == datetime(2021, 3, 7)


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(min_value=datetime(1801, 1, 1), max_value=datetime(2199, 12, 31)),
    st.sampled_from(["male", "female"]),
)
def test_luck_direction_and_steps_property(when: datetime, gender: str) -> None:
    data = _luck(when.timetuple()[:5], gender)

    year = GanZhi.parse(data["pillars"]["year"]["ganzhi"])
    month = GanZhi.parse(data["pillars"]["month"]["ganzhi"])
    forward = (year.stem % 2 == 0) == (gender == "male")
    assert data["luck"]["start"]["direction"] == ("forward" if forward else "backward")
    step = 1 if forward else -1
    pillars = [GanZhi.parse(p["ganzhi"]) for p in data["luck"]["pillars"]]
    assert pillars == [month.shift(step * k) for k in range(1, 11)]
    assert data["luck"]["start"]["span_seconds"] >= 0
