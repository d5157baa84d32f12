"""Four pillars at the jie instants, under the three zi conventions, and by JDN."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bazi_master.engine import _terms
from bazi_master.engine._chart import compute_pillars
from bazi_master.engine._errors import BaziInputError
from bazi_master.engine._model import BirthInput
from bazi_master.engine._options import ZiConvention
from bazi_master.engine._pillars import four_pillars
from bazi_master.engine._symbols import GanZhi

ROLL, STAY_NEXT, STAY_SAME = ZiConvention


def chart(text: str, tz: str = "+08:00", zi: ZiConvention = ROLL) -> str:
    """Chart an ISO local time through the full path and return the eight characters."""
    birth = datetime.fromisoformat(text)
    has_seconds = birth.second != 0
    result = compute_pillars(BirthInput(birth, tz=tz, zi=zi, has_seconds=has_seconds))
    return result.pillars.chars


# Year and month at the jie instants. None of these depend on the zi convention.
JIE_CASES = [
    ("2017-02-03 12:00", "丙申 辛丑 辛酉 甲午"),
    ("2022-02-04 04:00", "辛丑 辛丑 戊子 甲寅"),
    ("2022-02-04 04:50", "辛丑 辛丑 戊子 甲寅"),
    ("2022-02-04 04:51", "壬寅 壬寅 戊子 甲寅"),
    ("1993-02-03 19:30", "壬申 癸丑 乙卯 丙戌"),
    ("1993-02-04 00:00", "壬申 癸丑 丙辰 戊子"),
    ("1994-02-04 10:32", "甲戌 丙寅 辛酉 癸巳"),
    ("2024-12-22 12:00", "甲辰 丙子 庚申 壬午"),
    ("1996-02-16 01:50", "丙子 庚寅 癸未 癸丑"),
    ("2026-02-04 04:02:00", "乙巳 己丑 己酉 丙寅"),
    ("2026-01-05 16:22", "乙巳 戊子 己卯 壬申"),
    ("2026-01-05 16:23:30", "乙巳 己丑 己卯 壬申"),
    ("2022-05-05 08:00", "壬寅 甲辰 戊午 丙辰"),
    ("1991-04-05 03:00", "辛未 辛卯 乙巳 戊寅"),
    ("2025-01-30 12:00", "甲辰 丁丑 己亥 庚午"),
    ("2024-02-04 00:00", "癸卯 乙丑 戊戌 壬子"),
    ("2024-02-04 16:26", "癸卯 乙丑 戊戌 庚申"),
    ("2024-02-04 16:27", "癸卯 乙丑 戊戌 庚申"),
    ("2024-02-04 17:00", "甲辰 丙寅 戊戌 辛酉"),
    ("2024-08-21 20:00", "甲辰 壬申 丁巳 庚戌"),
    ("2013-08-08 10:00", "癸巳 庚申 丙午 癸巳"),
    ("2005-12-23 08:37", "乙酉 戊子 辛巳 壬辰"),
    ("1990-05-15 14:00", "庚午 辛巳 庚辰 癸未"),
]


@pytest.mark.parametrize(("text", "expected"), JIE_CASES)
@pytest.mark.parametrize("zi", list(ZiConvention))
def test_pillars_at_jie_instants(text: str, expected: str, zi: ZiConvention) -> None:
    assert chart(text, zi=zi) == expected


def test_pillars_shanghai_dst_standard_hour() -> None:
    assert chart("1990-05-15 14:00", tz="Asia/Shanghai") == "庚午 辛巳 庚辰 癸未"


def test_pillars_flag_jie_inside_minute() -> None:
    result = compute_pillars(BirthInput(datetime(2024, 2, 4, 16, 27), tz="+08:00"))

    kinds = {warning.kind.value for warning in result.warnings}

    assert "jie" in kinds
    assert result.warnings[0].alternatives[0].pillars.chars == "甲辰 丙寅 戊戌 庚申"


ZI_CASES = [
    (
        "2024-04-07 23:00",
        "甲辰 戊辰 壬寅 庚子",
        "甲辰 戊辰 辛丑 庚子",
        "甲辰 戊辰 辛丑 戊子",
    ),
    (
        "2024-04-08 00:00",
        "甲辰 戊辰 壬寅 庚子",
        "甲辰 戊辰 壬寅 庚子",
        "甲辰 戊辰 壬寅 庚子",
    ),
    (
        "1993-02-03 23:51",
        "壬申 癸丑 丙辰 戊子",
        "壬申 癸丑 乙卯 戊子",
        "壬申 癸丑 乙卯 丙子",
    ),
    (
        "1988-02-15 23:30",
        "戊辰 甲寅 辛丑 戊子",
        "戊辰 甲寅 庚子 戊子",
        "戊辰 甲寅 庚子 丙子",
    ),
    (
        "1999-06-11 23:31",
        "己卯 庚午 乙未 丙子",
        "己卯 庚午 甲午 丙子",
        "己卯 庚午 甲午 甲子",
    ),
    (
        "1983-10-28 23:30",
        "癸亥 壬戌 庚寅 丙子",
        "癸亥 壬戌 己丑 丙子",
        "癸亥 壬戌 己丑 甲子",
    ),
    (
        "1991-09-19 23:00",
        "辛未 丁酉 癸巳 壬子",
        "辛未 丁酉 壬辰 壬子",
        "辛未 丁酉 壬辰 庚子",
    ),
    (
        "2006-01-28 23:50",
        "乙酉 己丑 戊午 壬子",
        "乙酉 己丑 丁巳 壬子",
        "乙酉 己丑 丁巳 庚子",
    ),
]


@pytest.mark.parametrize(("text", "roll", "stay_next", "stay_same"), ZI_CASES)
def test_pillars_zi_conventions(
    text: str, roll: str, stay_next: str, stay_same: str
) -> None:
    assert chart(text, zi=ROLL) == roll
    assert chart(text, zi=STAY_NEXT) == stay_next
    assert chart(text, zi=STAY_SAME) == stay_same


JDN_CASES = [
    ("1990-05-12 10:00", "丁丑", "乙巳"),
    ("1990-05-12 07:00", "丁丑", "甲辰"),
    ("1990-05-15 14:00", "庚辰", "癸未"),
    ("1990-05-20 12:00", "乙酉", None),
    ("1992-08-01 12:00", "己酉", None),
    ("1990-01-01 00:00", "丙寅", "戊子"),
    ("2000-01-01 12:00", "戊午", None),
    ("2005-12-23 08:00", "辛巳", "壬辰"),
    ("1988-02-15 12:00", "庚子", None),
]


@pytest.mark.parametrize(("text", "day", "hour"), JDN_CASES)
def test_day_pillar_by_jdn(text: str, day: str, hour: str | None) -> None:
    result = compute_pillars(BirthInput(datetime.fromisoformat(text), tz="+08:00"))

    assert result.pillars.day.chars == day
    if hour is not None:
        assert result.pillars.hour.chars == hour


def test_four_pillars_matches_compute_pillars() -> None:
    birth = datetime(1988, 7, 1, 23, 30)

    for zi in ZiConvention:
        fast = four_pillars(birth, "Asia/Shanghai", zi)
        full = compute_pillars(BirthInput(birth, tz="Asia/Shanghai", zi=zi)).pillars
        assert fast == full, zi


def test_pillars_chart_dict_shape() -> None:
    result = compute_pillars(BirthInput(datetime(1990, 5, 15, 14, 0), tz="+08:00"))

    data = result.to_dict()

    assert data["pillars"]["year"]["ganzhi"] == "庚午"
    assert data["pillars"]["year"]["stem"]["element"] == "Metal"
    assert data["pillars"]["year"]["stem"]["yin_yang"] == "yang"
    assert data["pillars"]["year"]["branch"]["pinyin"] == "wǔ"
    assert data["pillars"]["day"]["ganzhi"] == "庚辰"
    assert data["conventions"]["zi"] == "roll"
    assert data["conventions"]["utc_offset"] == "+08:00"
    assert data["jie"]["current"]["name"] == "立夏"
    assert data["jie"]["next"]["name"] == "芒种"
    assert data["warnings"] == []


# A slow reference written differently: a linear scan for the last 立春 and jie,
# the day by counting days from 2000-01-01 (戊午), and the hour stem from a list.
def reference_pillars(instant: float, clock: datetime, zi: ZiConvention) -> str:
    """Chart from first principles; used to check the table-driven code."""
    year_term = [(y, t) for y in range(1799, 2202) for t in range(0, 24, 2)]
    latest = None
    for year, term in year_term:
        if _terms.term_instant(year, term) <= instant:
            latest = (year, term)
    assert latest is not None
    year, term = latest
    bazi_year = year if term >= 2 else year - 1
    year_gz = GanZhi((bazi_year - 1984) % 60)
    branch = (term // 2 + 1) % 12
    months_since_tiger = (branch - 2) % 12
    first_stem = {0: 2, 5: 2, 1: 4, 6: 4, 2: 6, 7: 6, 3: 8, 8: 8, 4: 0, 9: 0}
    month_gz = GanZhi.from_parts(
        (first_stem[year_gz.stem] + months_since_tiger) % 10, branch
    )

    date = clock.date()
    if clock.hour == 23 and zi is ROLL:
        date += timedelta(days=1)
    day_gz = GanZhi((54 + (date - datetime(2000, 1, 1).date()).days) % 60)
    stem_day = day_gz
    if clock.hour == 23 and zi is STAY_NEXT:
        stem_day = day_gz.shift(1)
    hour_branch = 0 if clock.hour == 23 else (clock.hour + 1) // 2
    zi_stems = [0, 2, 4, 6, 8, 0, 2, 4, 6, 8]
    hour_gz = GanZhi.from_parts(
        (zi_stems[stem_day.stem] + hour_branch) % 10, hour_branch
    )
    return " ".join(g.chars for g in (year_gz, month_gz, day_gz, hour_gz))


@settings(max_examples=150, deadline=None)
@given(
    moment=st.datetimes(datetime(1800, 3, 1), datetime(2200, 11, 30)),
    zi=st.sampled_from(list(ZiConvention)),
)
def test_pillars_match_slow_reference(moment: datetime, zi: ZiConvention) -> None:
    moment = moment.replace(microsecond=0)
    result = compute_pillars(BirthInput(moment, tz="+08:00", zi=zi, has_seconds=True))

    expected = reference_pillars(result.instant, moment, zi)

    assert result.pillars.chars == expected


@pytest.mark.parametrize("zi", ["roll", "stay-next", "STAY-SAME"])
def test_four_pillars_accepts_names(zi: str) -> None:
    birth = datetime(2024, 4, 7, 23, 0)

    by_name = four_pillars(birth, "+08:00", zi)

    assert by_name == four_pillars(birth, "+08:00", ZiConvention.parse(zi))


def test_four_pillars_fold_by_name() -> None:
    birth = datetime(1990, 9, 16, 1, 30)

    earlier = four_pillars(birth, "Asia/Shanghai", fold="earlier")
    later = four_pillars(birth, "Asia/Shanghai", fold="later")

    assert earlier.hour.chars != later.hour.chars


def test_four_pillars_rejects_aware_birth() -> None:
    aware = datetime.fromisoformat("1990-05-15T14:00+08:00")

    with pytest.raises(BaziInputError, match="naive local time"):
        four_pillars(aware)
