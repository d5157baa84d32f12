"""Boundary warnings: the other charts near a birth, with exact time spans."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from bazi_master.engine import _terms
from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._model import (
    BirthInput,
    PillarChart,
    WarningCause,
    WarningKind,
)
from bazi_master.engine._options import ZiConvention

ROLL, STAY_NEXT, STAY_SAME = ZiConvention
MILLISECOND = timedelta(milliseconds=1)


def chart_at(local: datetime, tz: str, zi: ZiConvention = ROLL, **extra: object) -> str:
    birth = BirthInput(local, tz=tz, zi=zi, has_seconds=True, **extra)  # type: ignore[arg-type]
    return compute_pillars(birth).pillars.chars


def kinds(result: PillarChart) -> list[str]:
    return [warning.kind.value for warning in result.warnings]


def test_quiet_birth_has_no_warnings() -> None:
    result = compute_pillars(BirthInput(datetime(1990, 5, 15, 14, 0), tz="+08:00"))

    assert result.warnings == ()
    assert result.within_term_uncertainty is False


@pytest.mark.parametrize(
    ("zi", "kind", "alternative"),
    [
        (ROLL, "day", "甲辰 戊辰 壬寅 庚子"),
        (STAY_NEXT, "hour", "甲辰 戊辰 辛丑 庚子"),
        (STAY_SAME, "hour", "甲辰 戊辰 辛丑 戊子"),
    ],
)
def test_late_zi_change_by_convention(
    zi: ZiConvention, kind: str, alternative: str
) -> None:
    birth = BirthInput(
        datetime(2024, 4, 7, 22, 50), tz="+08:00", zi=zi, uncertainty_seconds=900
    )

    result = compute_pillars(birth)

    assert result.pillars.chars == "甲辰 戊辰 辛丑 己亥"
    assert kinds(result) == [kind]
    span = result.warnings[0].alternatives[0]
    assert span.pillars.chars == alternative
    assert span.start_local.replace(tzinfo=None) == datetime(2024, 4, 7, 23, 0)
    assert span.end_local.replace(tzinfo=None) == datetime(2024, 4, 7, 23, 6)


@pytest.mark.parametrize(
    ("zi", "expected"),
    [(ROLL, []), (STAY_NEXT, ["day"]), (STAY_SAME, ["day"])],
)
def test_midnight_change_only_when_day_stays(
    zi: ZiConvention, expected: list[str]
) -> None:
    birth = BirthInput(
        datetime(2024, 4, 7, 23, 50), tz="+08:00", zi=zi, uncertainty_seconds=900
    )

    result = compute_pillars(birth)

    assert kinds(result) == expected


def test_uncertain_birth_crosses_lichun() -> None:
    birth = BirthInput(
        datetime(2022, 2, 4, 4, 50), tz="+08:00", uncertainty_seconds=300
    )

    result = compute_pillars(birth)

    jie = [w for w in result.warnings if w.kind is WarningKind.JIE]
    assert len(jie) == 1
    assert jie[0].cause is WarningCause.BIRTH_TIME_UNCERTAINTY
    assert jie[0].boundary == _terms.term_instant(2022, 2)
    span = jie[0].alternatives[0]
    assert span.pillars.chars == "壬寅 壬寅 戊子 甲寅"
    assert span.start == _terms.term_instant(2022, 2)
    assert span.end_local.replace(tzinfo=None) == datetime(2022, 2, 4, 4, 56)


def test_minute_containing_jie_flagged() -> None:
    result = compute_pillars(BirthInput(datetime(2024, 2, 4, 16, 27), tz="+08:00"))

    jie = [w for w in result.warnings if w.kind is WarningKind.JIE]

    assert result.pillars.chars == "癸卯 乙丑 戊戌 庚申"
    assert len(jie) == 1
    assert jie[0].cause is WarningCause.MINUTE_PRECISION
    assert jie[0].alternatives[0].pillars.chars == "甲辰 丙寅 戊戌 庚申"


def test_minute_before_jie_minute_quiet() -> None:
    result = compute_pillars(BirthInput(datetime(2024, 2, 4, 16, 26), tz="+08:00"))

    assert result.warnings == ()


def test_birth_inside_term_uncertainty() -> None:
    lichun = _terms.term_instant(2022, 2)
    sigma = _terms.term_uncertainty(2022, 2)
    birth = BirthInput(datetime(2022, 2, 4, 4, 50, 46), tz="+08:00", has_seconds=True)

    result = compute_pillars(birth)

    assert kinds(result) == ["term_uncertainty"]
    warning = result.warnings[0]
    assert warning.uncertainty_seconds == sigma
    assert result.within_term_uncertainty is True
    assert result.pillars.chars == "辛丑 辛丑 戊子 甲寅"
    span = warning.alternatives[0]
    assert span.pillars.chars == "壬寅 壬寅 戊子 甲寅"
    assert span.start == lichun - sigma
    assert span.end == lichun


def test_birth_outside_term_uncertainty() -> None:
    birth = BirthInput(datetime(2022, 2, 4, 4, 50, 40), tz="+08:00", has_seconds=True)

    assert compute_pillars(birth).warnings == ()


def test_solar_hour_boundary_inside_minute() -> None:
    # At 87.6°E on a +08:00 clock, apparent 09:00 falls near civil 11:05:55.
    birth = BirthInput(
        datetime(1990, 5, 12, 11, 5),
        tz="+08:00",
        latitude=43.8,
        longitude=87.6,
        true_solar_time=True,
    )

    result = compute_pillars(birth)

    assert kinds(result) == ["hour"]
    warning = result.warnings[0]
    assert warning.cause is WarningCause.MINUTE_PRECISION
    assert warning.alternatives[0].pillars.hour.chars == "乙巳"
    assert result.pillars.hour.chars == "甲辰"


@pytest.mark.parametrize(
    ("local", "tz", "zi"),
    [
        (datetime(2024, 4, 7, 23, 10), "+08:00", ROLL),
        (datetime(2024, 4, 7, 23, 50), "+08:00", STAY_SAME),
        (datetime(2022, 2, 4, 4, 40), "+08:00", STAY_NEXT),
        (datetime(1990, 9, 16, 0, 50), "Asia/Shanghai", ROLL),
        (datetime(2024, 2, 4, 3, 20), "America/New_York", ROLL),
    ],
)
def test_spans_match_charts_at_edges(
    local: datetime, tz: str, zi: ZiConvention
) -> None:
    birth = BirthInput(local, tz=tz, zi=zi, uncertainty_seconds=5400)

    result = compute_pillars(birth)

    assert result.warnings
    for warning in result.warnings:
        span = warning.alternatives[0]
        start = span.start_local.replace(tzinfo=None)
        assert chart_at(start + MILLISECOND, tz, zi, fold="later") == span.pillars.chars
        end = span.end_local.replace(tzinfo=None)
        assert chart_at(end - MILLISECOND, tz, zi, fold="later") == span.pillars.chars


def test_spans_tile_the_window() -> None:
    birth = BirthInput(
        datetime(2024, 4, 7, 22, 30), tz="+08:00", uncertainty_seconds=4 * 3600
    )

    result = compute_pillars(birth)

    spans = sorted(
        (w.alternatives[0] for w in result.warnings), key=lambda span: span.start
    )
    assert spans[0].start == result.instant - 4 * 3600
    assert spans[-1].end == result.instant + 4 * 3600 + 60
    assert len({span.pillars for span in spans}) == len(spans)
    assert result.pillars not in {span.pillars for span in spans}


def test_warnings_are_json_ready() -> None:
    birth = BirthInput(
        datetime(2022, 2, 4, 4, 50), tz="+08:00", uncertainty_seconds=300
    )

    data = compute_pillars(birth).to_dict()

    text = json.dumps(data, ensure_ascii=False)
    assert "壬寅" in text
    warning = next(w for w in data["warnings"] if w["kind"] == "jie")
    assert warning["boundary"]["utc"] == "2022-02-03T20:50:47.500Z"
    assert warning["alternatives"][0]["start_local"] == "2022-02-04T04:50:47.500+08:00"
    assert warning["alternatives"][0]["eight_characters"] == "壬寅 壬寅 戊子 甲寅"


def test_far_future_term_uncertainty() -> None:
    lichun = _terms.term_instant(2150, 2)
    sigma = _terms.term_uncertainty(2150, 2)
    inside = datetime(1970, 1, 1) + timedelta(seconds=round(lichun - sigma / 2) + 28800)
    outside = inside - timedelta(seconds=round(sigma))

    near = compute_pillars(BirthInput(inside, tz="+08:00", has_seconds=True))
    far = compute_pillars(BirthInput(outside, tz="+08:00", has_seconds=True))

    assert sigma > 60
    assert kinds(near) == ["term_uncertainty"]
    assert near.warnings[0].alternatives[0].pillars.year != near.pillars.year
    assert kinds(far) == []
