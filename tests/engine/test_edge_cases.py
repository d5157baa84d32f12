"""Edge cases of the chart: far zones, odd DST, the date line and the range ends."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from bazi_master.engine._boundary import ChartClock, chart_spans
from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._errors import (
    BaziInputError,
    NonexistentTimeError,
    OutOfRangeError,
)
from bazi_master.engine._model import BirthInput, PillarChart, WarningCause
from bazi_master.engine._options import ZiConvention
from bazi_master.engine._pillars import four_pillars
from bazi_master.engine._time import resolve_zone

HOUR = 3600


def chart(local: datetime, tz: str, **extra: object) -> PillarChart:
    return compute_pillars(BirthInput(local, tz=tz, **extra))  # type: ignore[arg-type]


# 2024 立春 is 2024-02-04 08:27:07.6 UTC; each pair is the local minute before and
# the local minute after it.
@pytest.mark.parametrize(
    ("tz", "before", "after"),
    [
        ("America/New_York", datetime(2024, 2, 4, 3, 27), datetime(2024, 2, 4, 3, 28)),
        (
            "America/Los_Angeles",
            datetime(2024, 2, 4, 0, 27),
            datetime(2024, 2, 4, 0, 28),
        ),
        ("Asia/Kolkata", datetime(2024, 2, 4, 13, 57), datetime(2024, 2, 4, 13, 58)),
        ("Asia/Kathmandu", datetime(2024, 2, 4, 14, 12), datetime(2024, 2, 4, 14, 13)),
        ("Pacific/Chatham", datetime(2024, 2, 4, 22, 12), datetime(2024, 2, 4, 22, 13)),
        (
            "Pacific/Kiritimati",
            datetime(2024, 2, 4, 22, 27),
            datetime(2024, 2, 4, 22, 28),
        ),
        ("Asia/Urumqi", datetime(2024, 2, 4, 14, 27), datetime(2024, 2, 4, 14, 28)),
    ],
)
def test_lichun_instant_in_far_zones(
    tz: str, before: datetime, after: datetime
) -> None:
    assert chart(before, tz).pillars.year.chars == "癸卯"
    assert chart(before, tz).pillars.month.chars == "乙丑"
    assert chart(after, tz).pillars.year.chars == "甲辰"
    assert chart(after, tz).pillars.month.chars == "丙寅"


@pytest.mark.parametrize(
    ("tz", "local", "dst_hours", "hour_branch"),
    [
        # British double summer time (GMT+2): standard time is GMT, 10:00 is 巳.
        ("Europe/London", datetime(1941, 6, 1, 12, 0), 2, "巳"),
        ("Europe/London", datetime(1947, 6, 1, 12, 0), 2, "巳"),
        # Plain British summer time kept through the winter of 1940-1941.
        ("Europe/London", datetime(1941, 1, 1, 12, 0), 1, "午"),
        # Berlin 1945 and Lisbon 1944 also had double summer time.
        ("Europe/Berlin", datetime(1945, 6, 1, 12, 0), 2, "巳"),
        ("Europe/Lisbon", datetime(1944, 6, 1, 12, 0), 2, "巳"),
        # Kyiv in 1943 kept CEST (+2) over CET (+1) before moving to Moscow time.
        ("Europe/Kyiv", datetime(1943, 6, 1, 12, 0), 1, "午"),
        # Hong Kong winter time 1941 (+08:30) is 30 min over HKT (+08:00), and the
        # Japanese occupation time of 1942 (+09:00) was standard time.
        ("Asia/Hong_Kong", datetime(1941, 11, 1, 12, 0), 0.5, "午"),
        ("Asia/Hong_Kong", datetime(1942, 6, 1, 12, 0), 0, "午"),
        # Negative winter DST in Dublin counts as no DST; summer counts as +1 h,
        # in April and October too, before and after the last listed transition.
        ("Europe/Dublin", datetime(2020, 1, 1, 12, 0), 0, "午"),
        ("Europe/Dublin", datetime(2020, 7, 1, 12, 0), 1, "午"),
        ("Europe/Dublin", datetime(1990, 4, 1, 13, 30), 1, "午"),
        ("Europe/Dublin", datetime(2020, 4, 1, 13, 30), 1, "午"),
        ("Europe/Dublin", datetime(2150, 10, 20, 13, 30), 1, "午"),
        # Windhoek's negative-DST winters ran 1994-2017; +02:00 before and after.
        ("Africa/Windhoek", datetime(1995, 1, 1, 13, 30), 1, "午"),
        ("Africa/Windhoek", datetime(1994, 1, 1, 13, 30), 0, "未"),
        ("Africa/Windhoek", datetime(2017, 12, 1, 13, 30), 0, "未"),
        # Casablanca keeps +01:00 as standard time outside Ramadan.
        ("Africa/Casablanca", datetime(2019, 10, 20, 13, 30), 0, "未"),
        ("Africa/Casablanca", datetime(2020, 5, 1, 13, 30), 0, "未"),
        # German-occupied Kyiv, 1941: CEST is CET + 1 h.
        ("Europe/Kyiv", datetime(1942, 6, 1, 13, 30), 1, "午"),
    ],
)
def test_daylight_saving_amount(
    tz: str, local: datetime, dst_hours: float, hour_branch: str
) -> None:
    result = chart(local, tz)

    assert result.dst_seconds == dst_hours * HOUR
    assert result.chart_clock == local - timedelta(hours=dst_hours)
    assert result.pillars.hour.chars[1] == hour_branch


def test_samoa_skipped_day_names_both_sides() -> None:
    with pytest.raises(NonexistentTimeError) as error:
        chart(datetime(2011, 12, 30, 12, 0), "Pacific/Apia")

    assert "2011-12-29 23:59:59" in str(error.value)
    assert "2011-12-31 00:00:00" in str(error.value)


@pytest.mark.parametrize(
    ("tz", "latitude", "longitude"),
    [
        ("Pacific/Chatham", -43.95, -176.56),
        ("Pacific/Apia", -13.83, -171.76),
        ("Pacific/Tongatapu", -21.13, -175.2),
        ("Pacific/Kiritimati", 1.87, -157.4),
        ("America/Adak", 52.93, 173.2),  # Attu Island, west of 180°
        ("+12:00", 0.0, 180.0),
        ("-12:00", 0.0, -180.0),
        ("-12:00", 0.0, 180.0),
    ],
)
def test_solar_date_across_date_line(
    tz: str, latitude: float, longitude: float
) -> None:
    local = datetime(2020, 6, 15, 12, 0)

    result = chart(
        local, tz, latitude=latitude, longitude=longitude, true_solar_time=True
    )

    assert result.chart_clock.date() == local.date()
    assert result.solar_time is not None
    assert abs(result.solar_time.total_correction_minutes) < 12 * 60
    assert result.solar_time.longitude == longitude


def test_warning_kind_describes_its_edge() -> None:
    result = chart(datetime(2024, 4, 7, 22, 30), "+08:00", uncertainty_seconds=3 * HOUR)

    kinds = [warning.kind.value for warning in result.warnings]

    # 21:00 is an hour change, 23:00 the day change (roll), 01:00 an hour change.
    assert kinds == ["hour", "day", "hour"]


def test_edge_at_uncertainty_limit_is_uncertainty() -> None:
    result = chart(datetime(2024, 4, 7, 12, 0), "+08:00", uncertainty_seconds=3 * HOUR)

    last = result.warnings[-1]

    assert last.boundary_local is not None
    assert last.boundary_local.replace(tzinfo=None) == datetime(2024, 4, 7, 15, 0)
    assert last.cause is WarningCause.BIRTH_TIME_UNCERTAINTY


def test_seconds_input_warning_says_second() -> None:
    # 2024 立春 is at 16:27:07.6 China Standard Time.
    result = chart(datetime(2024, 2, 4, 16, 27, 7), "+08:00", has_seconds=True)

    crossing = result.warnings[0]

    assert crossing.kind.value == "jie"
    assert "birth time's second" in crossing.message


@pytest.mark.parametrize(
    ("tz", "local", "longitude"),
    [
        # Local mean time (+08:05:43) ends at 1901-01-01 00:00 in Shanghai.
        ("Asia/Shanghai", datetime(1900, 12, 31, 23, 50), None),
        ("Asia/Kathmandu", datetime(1986, 1, 1, 0, 30), None),
        ("Europe/London", datetime(1941, 5, 4, 3, 30), None),
        ("Asia/Shanghai", datetime(2024, 2, 5, 1, 0), 75.99),
        ("Asia/Urumqi", datetime(2024, 2, 4, 20, 0), 75.99),
    ],
)
def test_span_edges_are_exact(
    tz: str, local: datetime, longitude: float | None
) -> None:
    solar = {} if longitude is None else {"latitude": 39.47, "longitude": longitude}
    result = chart(
        local,
        tz,
        fold="earlier",
        uncertainty_seconds=3 * HOUR,
        true_solar_time=longitude is not None,
        **solar,
    )
    clock = ChartClock(
        resolve_zone(tz).tzinfo, ZiConvention.ROLL, result.birth.longitude
    )

    spans = chart_spans(clock, result.instant - 3 * HOUR, result.instant + 3 * HOUR)

    assert len(spans) >= 3
    for span in spans[1:]:
        assert clock.pillars(span.start + 0.01) == span.pillars
    for span in spans[:-1]:
        assert clock.pillars(span.end - 0.01) == span.pillars


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", "39.9"),
        ("longitude", "116.4"),
        ("tz", 8),
        ("place", 1),
        ("uncertainty_seconds", "900"),
        ("uncertainty_seconds", True),
        ("true_solar_time", "yes"),
        ("has_seconds", 1),
    ],
)
def test_wrong_field_type_is_input_error(field: str, value: object) -> None:
    fields: dict[str, object] = {"tz": "+08:00", "latitude": 39.9, "longitude": 116.4}
    fields[field] = value

    with pytest.raises(BaziInputError, match=f"invalid {field}"):
        BirthInput(datetime(2000, 1, 1), **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "local", [datetime(1800, 1, 1, 0, 0), datetime(2200, 12, 31, 23, 59)]
)
@pytest.mark.parametrize("tz", ["+14:00", "-12:00", "Pacific/Kiritimati", "-15:00"])
@pytest.mark.parametrize("longitude", [-180.0, 180.0])
def test_range_ends_chart_to_valid_json(
    local: datetime, tz: str, longitude: float
) -> None:
    result = chart(
        local,
        tz,
        latitude=0.0,
        longitude=longitude,
        true_solar_time=True,
        uncertainty_seconds=86400,
    )

    text = json.dumps(result.to_dict(), allow_nan=False, ensure_ascii=False)

    assert result.warnings
    assert '"zi": "roll"' in text


@pytest.mark.parametrize(
    "local", [datetime(1799, 12, 31, 23, 59), datetime(2201, 1, 1, 0, 0)]
)
def test_outside_range_states_range(local: datetime) -> None:
    with pytest.raises(OutOfRangeError, match="1800-01-01 to 2200-12-31"):
        chart(local, "+08:00")


@pytest.mark.parametrize(
    ("birth", "tz"),
    [
        (date(2000, 1, 1), "+08:00"),
        ("2000-01-01T00:00", "+08:00"),
        (datetime(2000, 1, 1), 8),
        (datetime(2000, 1, 1), None),
    ],
)
def test_four_pillars_rejects_wrong_types(birth: object, tz: object) -> None:
    with pytest.raises(BaziInputError, match="invalid"):
        four_pillars(birth, tz)  # type: ignore[arg-type]


# Kashgar (39.47°N 75.99°E) on 2024-02-05 02:40 China Standard Time, which is 00:40
# on the Urumqi clock: apparent solar time is about 23:30 on 2024-02-04 (戊戌 day),
# after 立春 (2024-02-04 16:27:07.6 CST), so the year is 甲辰 and the month 丙寅.
@pytest.mark.parametrize(
    ("tz", "local"),
    [
        ("Asia/Shanghai", datetime(2024, 2, 5, 2, 40)),
        ("Asia/Urumqi", datetime(2024, 2, 5, 0, 40)),
    ],
)
@pytest.mark.parametrize(
    ("zi", "day_hour"),
    [
        (ZiConvention.ROLL, "己亥 甲子"),
        (ZiConvention.STAY_NEXT, "戊戌 甲子"),
        (ZiConvention.STAY_SAME, "戊戌 壬子"),
    ],
)
def test_kashgar_solar_late_zi(
    tz: str, local: datetime, zi: ZiConvention, day_hour: str
) -> None:
    result = chart(
        local, tz, latitude=39.47, longitude=75.99, true_solar_time=True, zi=zi
    )

    assert result.chart_clock.date() == date(2024, 2, 4)
    assert result.chart_clock.hour == 23
    assert result.pillars.chars == f"甲辰 丙寅 {day_hour}"
