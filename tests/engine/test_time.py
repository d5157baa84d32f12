"""Zones, offsets, DST gaps and repeats, the supported range and input checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._errors import (
    AmbiguousTimeError,
    BaziInputError,
    NonexistentTimeError,
    OutOfRangeError,
    UnknownZoneError,
)
from bazi_master.engine._model import BirthInput, WarningKind
from bazi_master.engine._options import Fold, ZiConvention
from bazi_master.engine._time import (
    TZDATA_VERSION,
    quote_input,
    resolve_zone,
    zone_names,
)


def shanghai(birth: datetime, **options: object) -> BirthInput:
    return BirthInput(birth, tz="Asia/Shanghai", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("zi", list(ZiConvention))
def test_dst_summer_1988_reads_standard_time(zi: ZiConvention) -> None:
    result = compute_pillars(shanghai(datetime(1988, 7, 1, 23, 30), zi=zi))

    assert result.pillars.chars == "戊辰 戊午 丁巳 辛亥"
    assert result.dst_seconds == 3600
    assert result.chart_clock == datetime(1988, 7, 1, 22, 30)


def test_fixed_offset_differs_from_zone_in_dst() -> None:
    result = compute_pillars(BirthInput(datetime(1988, 7, 1, 23, 30), tz="+08:00"))

    assert result.pillars.chars == "戊辰 戊午 戊午 壬子"
    assert result.dst_seconds == 0


def test_disputed_1988_window_flagged() -> None:
    result = compute_pillars(shanghai(datetime(1988, 4, 12, 11, 30)))

    disputed = [w for w in result.warnings if w.kind is WarningKind.DISPUTED_DST]

    assert result.utc_offset_seconds == 8 * 3600
    assert result.pillars.chars == "戊辰 丙辰 丁酉 丙午"
    assert len(disputed) == 1
    assert disputed[0].alternatives[0].pillars.chars == "戊辰 丙辰 丁酉 乙巳"
    assert disputed[0].alternatives[0].start == result.instant - 3600


def test_disputed_window_ends_at_tzdata_start() -> None:
    result = compute_pillars(shanghai(datetime(1988, 4, 17, 12, 0)))

    kinds = [w.kind for w in result.warnings]

    assert WarningKind.DISPUTED_DST not in kinds
    assert result.dst_seconds == 3600


def test_spring_forward_gap_raises() -> None:
    with pytest.raises(NonexistentTimeError) as caught:
        compute_pillars(shanghai(datetime(1990, 4, 15, 2, 30)))

    message = str(caught.value)
    assert "1990-04-15 02:30:00" in message
    assert "1990-04-15 01:59:59" in message
    assert "1990-04-15 03:00:00" in message


def test_fall_back_repeat_needs_fold() -> None:
    with pytest.raises(AmbiguousTimeError) as caught:
        compute_pillars(shanghai(datetime(1990, 9, 16, 1, 30)))

    assert "+09:00" in str(caught.value)
    assert "+08:00" in str(caught.value)


def test_fall_back_fold_chooses_offset() -> None:
    birth = datetime(1990, 9, 16, 1, 30)

    earlier = compute_pillars(shanghai(birth, fold=Fold.EARLIER))
    later = compute_pillars(shanghai(birth, fold="later"))

    assert earlier.utc_offset_seconds == 9 * 3600
    assert later.utc_offset_seconds == 8 * 3600
    assert later.instant - earlier.instant == 3600
    assert earlier.chart_clock == datetime(1990, 9, 16, 0, 30)
    assert later.chart_clock == datetime(1990, 9, 16, 1, 30)
    assert earlier.to_dict()["conventions"]["fold"] == "earlier"
    assert later.to_dict()["conventions"]["fold"] == "later"


def test_fold_ignored_for_unique_time() -> None:
    result = compute_pillars(shanghai(datetime(1990, 9, 17, 1, 30), fold="earlier"))

    assert result.fold is None


def test_local_mean_time_before_1901() -> None:
    result = compute_pillars(shanghai(datetime(1900, 6, 1, 12, 0)))

    assert result.utc_offset_seconds == 8 * 3600 + 5 * 60 + 43
    assert result.to_dict()["conventions"]["utc_offset"] == "+08:05:43"
    assert result.chart_clock == datetime(1900, 6, 1, 12, 0)


@pytest.mark.parametrize("birth", [datetime(1919, 7, 1, 12), datetime(1941, 7, 1, 12)])
def test_historical_china_dst(birth: datetime) -> None:
    result = compute_pillars(shanghai(birth))

    assert result.dst_seconds == 3600
    assert result.chart_clock == datetime(birth.year, 7, 1, 11)


def test_new_york_lichun_by_utc_instant() -> None:
    before = compute_pillars(
        BirthInput(datetime(2024, 2, 4, 3, 27), tz="America/New_York")
    )
    after = compute_pillars(
        BirthInput(datetime(2024, 2, 4, 3, 28), tz="America/New_York")
    )

    assert before.pillars.chars[:5] == "癸卯 乙丑"
    assert after.pillars.chars[:5] == "甲辰 丙寅"
    assert before.pillars.day == after.pillars.day


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("+08:00", "+08:00"),
        ("UTC+8", "+08:00"),
        ("utc+8", "+08:00"),
        ("+0530", "+05:30"),
        ("-03:30", "-03:30"),
        ("GMT-3", "-03:00"),
        ("+08:05:43", "+08:05:43"),
        ("UTC", "UTC"),
        ("Z", "+00:00"),
        ("Asia/Urumqi", "Asia/Urumqi"),
    ],
)
def test_resolve_zone_forms(text: str, label: str) -> None:
    assert resolve_zone(text).label == label


@pytest.mark.parametrize("text", ["Asia/Shangai", "Mars/Base", "+16:00", "+08:60", ""])
def test_unknown_zone_raises(text: str) -> None:
    with pytest.raises(UnknownZoneError) as caught:
        resolve_zone(text)

    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("text", ["+08:61", "+08:60", "UTC+8:75", "+08:00:60"])
def test_offset_minutes_over_59_invalid(text: str) -> None:
    with pytest.raises(UnknownZoneError) as caught:
        resolve_zone(text)

    assert str(caught.value).startswith(f"invalid UTC offset {text!r}: minutes")


def test_long_unknown_zone_is_cut_in_message() -> None:
    with pytest.raises(UnknownZoneError) as caught:
        resolve_zone("z" * 100_000)

    message = str(caught.value)
    assert "'" + "z" * 60 + "'… (100,000 characters)" in message
    assert len(message) < 300


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Asia/Shanghai", "'Asia/Shanghai'"),
        ("a" * 61, "'" + "a" * 60 + "'… (61 characters)"),
    ],
)
def test_quote_input(text: str, quoted: str) -> None:
    assert quote_input(text) == quoted


def test_unknown_zone_suggests_names() -> None:
    with pytest.raises(UnknownZoneError, match="Asia/Shanghai"):
        resolve_zone("Asia/Shangai")
    with pytest.raises(UnknownZoneError, match="case-sensitive"):
        resolve_zone("asia/shanghai")


def test_zones_come_from_tzdata_package() -> None:
    package_zones = resources.files("tzdata").joinpath("zones").read_text()

    assert "Asia/Shanghai" in zone_names()
    assert len(zone_names()) == len(package_zones.split())
    assert TZDATA_VERSION.startswith("20")
    assert str(resolve_zone("Asia/Shanghai").tzinfo) == "Asia/Shanghai"


@pytest.mark.parametrize(
    "birth", [datetime(1799, 12, 31, 23, 59), datetime(2201, 1, 1, 0, 0)]
)
def test_out_of_range_raises(birth: datetime) -> None:
    with pytest.raises(OutOfRangeError, match="1800-01-01 to 2200-12-31"):
        compute_pillars(BirthInput(birth, tz="+08:00"))


@pytest.mark.parametrize(
    ("birth", "tz"),
    [
        (datetime(1800, 1, 1, 0, 0), "-12:00"),
        (datetime(1800, 1, 1, 0, 0), "+14:00"),
        (datetime(2200, 12, 31, 23, 59), "-12:00"),
        (datetime(2200, 12, 31, 23, 59), "+14:00"),
    ],
)
def test_range_edges_chart(birth: datetime, tz: str) -> None:
    result = compute_pillars(BirthInput(birth, tz=tz))

    assert result.next_jie.instant > result.instant >= result.jie.instant


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"birth": "1990-05-15"}, "expected a datetime"),
        ({"tz": None}, "missing time zone"),
        ({"latitude": 30.0}, "give both or neither"),
        ({"latitude": 30.0}, "missing longitude: latitude 30.0 was given without"),
        ({"longitude": 87.5}, "missing latitude: longitude 87.5 was given without"),
        ({"latitude": 95.0, "longitude": 100.0}, "invalid latitude"),
        ({"latitude": 30.0, "longitude": 190.0}, "invalid longitude"),
        ({"uncertainty_seconds": -1}, "invalid uncertainty_seconds"),
        ({"zi": "late"}, "invalid zi convention"),
        ({"fold": "first"}, "invalid fold"),
        ({"gender": "x"}, "invalid gender"),
        ({"birth": datetime(1990, 5, 15, 14, 0, 30)}, "has_seconds"),
    ],
)
def test_birth_input_rejects(options: dict[str, object], fragment: str) -> None:
    arguments: dict[str, object] = {"birth": datetime(1990, 5, 15, 14), "tz": "+08:00"}
    arguments.update(options)

    with pytest.raises(BaziInputError, match=fragment):
        BirthInput(**arguments)  # type: ignore[arg-type]


def test_birth_input_rejects_aware_datetime() -> None:
    aware = datetime.fromisoformat("1990-05-15T14:00+08:00")

    with pytest.raises(BaziInputError, match="naive local time"):
        BirthInput(aware, tz="+08:00")


def test_birth_input_accepts_convention_names() -> None:
    birth = BirthInput(datetime(1990, 5, 15, 14), tz="+08:00", zi="stay-next")  # type: ignore[arg-type]

    assert birth.zi is ZiConvention.STAY_NEXT


@settings(max_examples=200, deadline=None)
@given(
    local=st.datetimes(datetime(1800, 1, 2), datetime(2200, 12, 30)),
    name=st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London"]),
)
def test_instant_matches_stdlib_conversion(local: datetime, name: str) -> None:
    local = local.replace(microsecond=0)
    zone = resolve_zone(name).tzinfo
    aware = local.replace(tzinfo=zone)
    assume(aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local)
    assume(aware.utcoffset() == local.replace(tzinfo=zone, fold=1).utcoffset())
    # zoneinfo reports one hour of DST during British double summer time, where the
    # engine removes two; test_edge_cases checks those years against tzdata itself.
    assume(not (name == "Europe/London" and 1941 <= local.year <= 1947))

    result = compute_pillars(BirthInput(local, tz=name, has_seconds=True))

    assert result.instant == aware.timestamp()
    assert result.chart_clock == local - (aware.dst() or timedelta(0))


@pytest.mark.parametrize(
    ("birth", "clock"),
    [
        (datetime(2020, 1, 1, 12), datetime(2020, 1, 1, 12)),
        (datetime(2020, 7, 1, 12), datetime(2020, 7, 1, 11)),
        (datetime(1960, 7, 1, 12), datetime(1960, 7, 1, 11)),
    ],
)
def test_negative_dst_zone_reads_winter_clock(birth: datetime, clock: datetime) -> None:
    result = compute_pillars(BirthInput(birth, tz="Europe/Dublin"))

    assert result.chart_clock == clock
    assert result.dst_seconds == (birth - clock).total_seconds()


@pytest.mark.parametrize(
    ("birth", "offset", "dst"),
    [
        (datetime(1988, 7, 1, 12), 9 * 3600, 3600),
        (datetime(1988, 12, 1, 12), 8 * 3600, 0),
        (datetime(1988, 7, 20, 12), 9 * 3600, 3600),
        (datetime(1988, 9, 10, 12), 9 * 3600, 3600),
        (datetime(1988, 9, 11, 0, 30), 9 * 3600, 3600),
        (datetime(1988, 9, 11, 1, 30), 8 * 3600, 0),
        (datetime(1988, 9, 11, 2, 30), 8 * 3600, 0),
        (datetime(2050, 7, 1, 12), 8 * 3600, 0),
    ],
)
def test_zone_offset_per_period(birth: datetime, offset: int, dst: int) -> None:
    result = compute_pillars(shanghai(birth, fold=Fold.LATER))

    assert result.utc_offset_seconds == offset
    assert result.dst_seconds == dst
    assert result.instant == birth.replace(tzinfo=UTC).timestamp() - offset
