"""Reverse lookup: pillars to birth spans, checked against the forward function."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bazi_master.engine._errors import BaziInputError, OutOfRangeError
from bazi_master.engine._options import Fold, ZiConvention
from bazi_master.engine._pillars import Pillars, four_pillars
from bazi_master.engine._reverse import (
    SpanEdge,
    TimeSpan,
    parse_pillars,
    reverse_lookup,
)
from bazi_master.engine._time import (
    civil_at,
    daylight_saving,
    naive_to_seconds,
    resolve_zone,
)

ZONES = ["+08:00", "-03:30", "+05:45", "Asia/Shanghai", "America/New_York"]
# Zones whose standard offset changed (local mean time to zone time, and Britain's
# 1968-1971 all-year +01:00), plus Dublin, whose tzdata rules use negative DST.
ZONES_WITH_CHANGES = [
    "Asia/Shanghai",
    "Asia/Urumqi",
    "Asia/Kolkata",
    "Europe/London",
    "Europe/Dublin",
    "America/New_York",
]


def forward(instant: float, tz: str, zi: ZiConvention) -> Pillars:
    """Chart the UT ``instant`` through the civil clock of ``tz``."""
    civil = civil_at(instant, resolve_zone(tz).tzinfo)
    fold = Fold.LATER if civil.fold else Fold.EARLIER
    return four_pillars(civil.replace(tzinfo=None), tz, zi, fold)


def cst(text: str) -> float:
    """Return the UT instant of a UTC+8 clock reading."""
    return naive_to_seconds(datetime.fromisoformat(text)) - 8 * 3600


def test_reverse_finds_2024_lichun_span_cut_by_jie() -> None:
    spans = reverse_lookup(
        "癸卯 乙丑 戊戌 庚申", tz="+08:00", first_year=2024, last_year=2024
    )

    assert len(spans) == 1
    span = spans[0]
    assert span.start_local.isoformat() == "2024-02-04T15:00:00+08:00"
    assert span.end == pytest.approx(cst("2024-02-04T16:27:07.6"), abs=1.0)
    assert span.start_edge is SpanEdge.HOUR
    assert span.end_edge is SpanEdge.JIE


def test_reverse_span_after_lichun_starts_at_jie() -> None:
    spans = reverse_lookup(
        "甲辰 丙寅 戊戌 庚申", tz="+08:00", first_year=2024, last_year=2024
    )

    assert len(spans) == 1
    assert spans[0].start_edge is SpanEdge.JIE
    assert spans[0].end_local.isoformat() == "2024-02-04T17:00:00+08:00"


@pytest.mark.parametrize(
    ("zi", "starts"),
    [
        (ZiConvention.ROLL, ["2024-04-07T23:00:00+08:00"]),
        (ZiConvention.STAY_NEXT, ["2024-04-08T00:00:00+08:00"]),
        (
            ZiConvention.STAY_SAME,
            ["2024-04-08T00:00:00+08:00", "2024-04-08T23:00:00+08:00"],
        ),
    ],
)
def test_reverse_zi_windows_per_convention(zi: ZiConvention, starts: list[str]) -> None:
    spans = reverse_lookup(
        "甲辰 戊辰 壬寅 庚子", tz="+08:00", zi=zi, first_year=2024, last_year=2024
    )

    assert [span.start_local.isoformat() for span in spans] == starts


def test_reverse_late_zi_stay_next() -> None:
    spans = reverse_lookup(
        "甲辰 戊辰 辛丑 庚子",
        tz="+08:00",
        zi="stay-next",
        first_year=2024,
        last_year=2024,
    )

    assert [span.start_local.isoformat() for span in spans] == [
        "2024-04-07T23:00:00+08:00"
    ]


@pytest.mark.parametrize(
    ("birth", "tz", "chars"),
    [
        ("2017-02-03T12:00", "+08:00", "丙申 辛丑 辛酉 甲午"),
        ("2022-02-04T04:50", "+08:00", "辛丑 辛丑 戊子 甲寅"),
        ("1990-05-15T14:00", "+08:00", "庚午 辛巳 庚辰 癸未"),
        ("1988-07-01T23:30", "Asia/Shanghai", "戊辰 戊午 丁巳 辛亥"),
        ("2026-01-05T16:22", "+08:00", "乙巳 戊子 己卯 壬申"),
    ],
)
def test_reverse_contains_known_charts(birth: str, tz: str, chars: str) -> None:
    local = datetime.fromisoformat(birth)
    instant = (
        naive_to_seconds(local)
        - resolve_zone(tz).tzinfo.utcoffset(local).total_seconds()
    )

    spans = reverse_lookup(chars, tz=tz, first_year=1900, last_year=2100)

    assert any(instant in span for span in spans)


def test_reverse_dst_zone_differs_from_fixed_offset() -> None:
    in_zone = reverse_lookup(
        "戊辰 戊午 丁巳 辛亥", tz="Asia/Shanghai", first_year=1988, last_year=1988
    )
    fixed = reverse_lookup(
        "戊辰 戊午 丁巳 辛亥", tz="+08:00", first_year=1988, last_year=1988
    )

    assert in_zone[0].start_local.isoformat() == "1988-07-01T22:00:00+09:00"
    assert fixed[0].start_local.isoformat() == "1988-07-01T21:00:00+08:00"
    assert in_zone[0].start == fixed[0].start


def test_reverse_spans_recur_on_sixty_year_cycle() -> None:
    spans = reverse_lookup(
        "庚午 辛巳 庚辰 癸未", tz="+08:00", first_year=1800, last_year=2200
    )

    years = [span.start_local.year for span in spans]
    assert 1990 in years
    assert all(span.duration_seconds <= 7200 for span in spans)
    assert years == sorted(years)


def test_reverse_rejects_month_stem_of_other_year() -> None:
    with pytest.raises(BaziInputError, match="五虎遁"):
        reverse_lookup("癸酉 丙寅 丙辰 戊子", tz="+08:00")


def test_reverse_rejects_hour_stem_of_other_day() -> None:
    with pytest.raises(BaziInputError, match="五鼠遁"):
        reverse_lookup("甲辰 戊辰 壬寅 甲子", tz="+08:00")


def test_parse_pillars_rejects_mixed_parity_pair() -> None:
    with pytest.raises(BaziInputError, match="year pillar"):
        parse_pillars(["甲丑", "丙寅", "丙辰", "戊子"])


def test_parse_pillars_rejects_three_pillars() -> None:
    with pytest.raises(BaziInputError, match="four pairs"):
        parse_pillars("甲子 丙寅 丙辰")


def test_reverse_rejects_years_out_of_range() -> None:
    with pytest.raises(OutOfRangeError, match="1799"):
        reverse_lookup("甲辰 丙寅 戊戌 庚申", tz="+08:00", first_year=1799)


def test_reverse_rejects_reversed_years() -> None:
    with pytest.raises(BaziInputError, match="swap"):
        reverse_lookup(
            "甲辰 丙寅 戊戌 庚申", tz="+08:00", first_year=2000, last_year=1990
        )


def assert_span_maps_forward(
    span: TimeSpan, pillars: Pillars, tz: str, zi: ZiConvention
) -> None:
    middle = (span.start + span.end) / 2
    for probe in (span.start, span.end - 1, middle):
        assert forward(probe, tz, zi) == pillars, (probe, span)


# 1800-01-02 .. 2200-12-30 in UT.
instants = st.floats(min_value=-5364576000.0, max_value=7289395200.0).map(
    lambda value: round(value, 3)
)


@settings(max_examples=300, deadline=None)
@given(
    instant=instants,
    tz=st.sampled_from(ZONES + ZONES_WITH_CHANGES),
    zi=st.sampled_from(list(ZiConvention)),
)
def test_reverse_inverts_forward(instant: float, tz: str, zi: ZiConvention) -> None:
    pillars = forward(instant, tz, zi)
    year = civil_at(instant, resolve_zone(tz).tzinfo).year

    spans = reverse_lookup(
        pillars,
        tz=tz,
        zi=zi,
        first_year=max(year - 1, 1800),
        last_year=min(year + 1, 2200),
    )

    assert any(instant in span for span in spans)
    for span in spans:
        assert_span_maps_forward(span, pillars, tz, zi)


def standard_offset_changes(tz: str) -> list[float]:
    """Return the UT instants, to 6 hours, after which the zone's standard time
    (civil time minus DST) jumps, from 1800 to 2000.
    """
    zone = resolve_zone(tz).tzinfo
    changes = []
    previous = None
    for instant in range(-5364662400, 946684800, 6 * 3600):
        civil = civil_at(float(instant), zone)
        offset = civil.utcoffset() - daylight_saving(civil)
        if previous is not None and offset != previous:
            changes.append(float(instant))
        previous = offset
    return changes


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Asia/Urumqi", "Europe/London"])
def test_reverse_inverts_forward_near_offset_changes(tz: str) -> None:
    changes = standard_offset_changes(tz)
    assert changes

    for change in changes:
        for minutes in range(-32 * 60, 26 * 60, 47):
            instant = change + minutes * 60.0
            for zi in ZiConvention:
                pillars = forward(instant, tz, zi)
                year = civil_at(instant, resolve_zone(tz).tzinfo).year
                spans = reverse_lookup(
                    pillars, tz=tz, zi=zi, first_year=year - 1, last_year=year + 1
                )
                assert any(instant in span for span in spans), (tz, instant, zi)
                for span in spans:
                    assert_span_maps_forward(span, pillars, tz, zi)


@settings(max_examples=40, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=59),
    month_branch=st.integers(min_value=0, max_value=11),
    day=st.integers(min_value=0, max_value=59),
    hour_branch=st.integers(min_value=0, max_value=11),
    zi=st.sampled_from(list(ZiConvention)),
)
def test_reverse_spans_of_any_valid_chart_map_forward(
    index: int, month_branch: int, day: int, hour_branch: int, zi: ZiConvention
) -> None:
    pillars = valid_pillars(index, month_branch, day, hour_branch)

    spans = reverse_lookup(
        pillars, tz="Asia/Shanghai", zi=zi, first_year=1950, last_year=2100
    )

    for span in spans:
        assert_span_maps_forward(span, pillars, "Asia/Shanghai", zi)


def valid_pillars(year: int, month_branch: int, day: int, hour_branch: int) -> Pillars:
    """Build pillars that obey 五虎遁 and 五鼠遁 (early 子 hour for 子)."""
    from bazi_master.engine._symbols import GanZhi, hour_stem, month_stem

    year_pillar = GanZhi(year)
    month = GanZhi.from_parts(month_stem(year_pillar.stem, month_branch), month_branch)
    day_pillar = GanZhi(day)
    hour = GanZhi.from_parts(hour_stem(day_pillar.stem, hour_branch), hour_branch)
    return Pillars(year_pillar, month, day_pillar, hour)


def test_parse_pillars_accepts_compact_string() -> None:
    assert parse_pillars("丙寅壬辰己酉甲子").chars == "丙寅 壬辰 己酉 甲子"
    assert parse_pillars(["丙寅 壬辰 己酉 甲子"]).chars == "丙寅 壬辰 己酉 甲子"
