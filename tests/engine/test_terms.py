"""Solar-term and new-moon tables: reference instants, lookups, errors and damage."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from importlib import resources

import pytest

from bazi_master.engine._errors import BaziDataError, BaziInputError, OutOfRangeError
from bazi_master.engine._symbols import TERM_NAMES
from bazi_master.engine._tablefile import InstantTable, decode_table, encode_table
from bazi_master.engine._terms import (
    FIRST_YEAR,
    JIE_FIRST,
    LAST_YEAR,
    TERMS_FILE,
    TERMS_MAGIC,
    _read_table,
    all_term_instants,
    instant_uncertainty,
    jie_index_at,
    jie_instants,
    jie_year_term,
    new_moon_instants,
    solar_terms,
    term_at,
    term_instant,
    term_uncertainty,
)

CST = timezone(timedelta(hours=8))

# Reference instants in China Standard Time, from JPL DE421 with TT − UT1 from
# Skyfield's built-in ΔT, given to a tenth of a second.
REFERENCE_INSTANTS = [
    (2024, 2, "2024-02-04 16:27:07.6"),
    (2024, 3, "2024-02-19 12:13:10.3"),
    (2024, 23, "2024-12-21 17:20:34.2"),
    (2020, 21, "2020-11-22 04:39:45.4"),
    (2021, 23, "2021-12-21 23:59:18.2"),
    (2022, 2, "2022-02-04 04:50:47.5"),
    (2026, 2, "2026-02-04 04:02:08.0"),
    (2026, 0, "2026-01-05 16:23:09.5"),
    (2017, 2, "2017-02-03 23:34:04.0"),
    (1993, 2, "1993-02-04 03:37:09.0"),
    (1994, 2, "1994-02-04 09:30:55.2"),
    (1990, 10, "1990-06-06 06:46:18.0"),
    (1991, 6, "1991-04-05 15:04:41.8"),
    (2022, 8, "2022-05-05 20:25:57.3"),
    (2025, 0, "2025-01-05 10:32:46.4"),
]


def cst_instant(text: str) -> float:
    """Return the UT seconds of a China Standard Time reading."""
    return datetime.fromisoformat(text).replace(tzinfo=CST).timestamp()


@pytest.mark.parametrize(("year", "term", "expected"), REFERENCE_INSTANTS)
def test_term_instant_matches_reference(year: int, term: int, expected: str) -> None:
    assert term_instant(year, term) == pytest.approx(cst_instant(expected), abs=0.15)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2024-12-20 12:00", "大雪"),
        ("2024-12-25 12:00", "冬至"),
        ("2024-12-31 12:00", "冬至"),
        ("2025-01-03 12:00", "冬至"),
        ("2025-01-10 12:00", "小寒"),
        ("2024-06-25 12:00", "夏至"),
        ("2024-06-10 12:00", "芒种"),
        ("2024-02-04 16:27:07", "大寒"),
        ("2024-02-04 16:27:08", "立春"),
    ],
)
def test_term_at_names_current_term(moment: str, expected: str) -> None:
    _, term = term_at(cst_instant(moment))
    assert TERM_NAMES[term] == expected


def test_term_at_year_of_winter_solstice() -> None:
    assert term_at(cst_instant("2025-01-03 12:00")) == (2024, 23)


def test_principal_terms_are_twelve() -> None:
    principal = [name for index, name in enumerate(TERM_NAMES) if index % 2 == 1]
    assert len(principal) == 12
    assert "冬至" in principal
    assert "白露" not in principal


def test_three_years_strictly_increasing() -> None:
    instants = [
        term.instant for year in (2023, 2024, 2025) for term in solar_terms(year)
    ]
    assert len(instants) == 72
    assert all(a < b for a, b in itertools.pairwise(instants))


def test_whole_table_strictly_increasing() -> None:
    instants = all_term_instants()
    assert len(instants) == (LAST_YEAR - FIRST_YEAR + 1) * 24
    assert all(a < b for a, b in itertools.pairwise(instants))


def test_every_term_in_its_own_year() -> None:
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        first = datetime.fromtimestamp(term_instant(year, 0), CST)
        last = datetime.fromtimestamp(term_instant(year, 23), CST)
        assert (first.year, first.month) == (year, 1)
        assert (last.year, last.month) == (year, 12)


def test_term_spacing_follows_orbit() -> None:
    # 15° of longitude take 14.7 days near perihelion and 15.8 days near aphelion.
    instants = all_term_instants()
    gaps = [(b - a) / 86400 for a, b in itertools.pairwise(instants)]
    assert min(gaps) > 14.6
    assert max(gaps) < 15.8


@pytest.mark.parametrize("year", [1799, 1850, 2024, 2100, 2201])
def test_solar_terms_lists_all_24(year: int) -> None:
    terms = solar_terms(year)
    assert [term.name for term in terms] == list(TERM_NAMES)
    assert [term.longitude for term in terms] == [
        (285 + 15 * index) % 360 for index in range(24)
    ]
    assert [term.is_jie for term in terms] == [index % 2 == 0 for index in range(24)]
    assert terms[16].name == "白露"


def test_solar_terms_local_time() -> None:
    spring = solar_terms(2024, "Asia/Shanghai")[2]
    assert spring.english == "Start of Spring"
    assert spring.pinyin == "lìchūn"
    assert spring.local is not None
    assert spring.local.strftime("%Y-%m-%d %H:%M:%S") == "2024-02-04 16:27:07"
    assert spring.utc.strftime("%H:%M:%S") == "08:27:07"


def test_solar_terms_fixed_offset() -> None:
    spring = solar_terms(2024, "+09:00")[2]
    assert spring.local is not None
    assert spring.local.hour == 17


def test_solar_terms_without_zone() -> None:
    assert solar_terms(2024)[2].local is None


def test_jie_list_layout() -> None:
    jie = jie_instants()
    assert JIE_FIRST == (1799, 0)
    assert len(jie) == (LAST_YEAR - FIRST_YEAR + 1) * 12
    assert jie[0] == term_instant(1799, 0)
    assert jie[25] == term_instant(1801, 2)


def test_jie_index_at_boundary() -> None:
    spring = term_instant(2024, 2)
    index = jie_index_at(spring)
    assert jie_year_term(index) == (2024, 2)
    assert jie_year_term(jie_index_at(spring - 0.1)) == (2024, 0)


def test_jie_year_term_rejects_bad_index() -> None:
    with pytest.raises(BaziInputError, match="jie index -1"):
        jie_year_term(-1)


@pytest.mark.parametrize("year", [FIRST_YEAR - 1, LAST_YEAR + 1])
def test_term_instant_out_of_range(year: int) -> None:
    with pytest.raises(OutOfRangeError, match=f"year {year} is outside"):
        term_instant(year, 0)


def test_term_instant_rejects_bad_term() -> None:
    with pytest.raises(BaziInputError, match="invalid solar term index 24"):
        term_instant(2024, 24)


def test_lookups_out_of_range() -> None:
    with pytest.raises(OutOfRangeError, match="outside the jie table"):
        jie_index_at(term_instant(1799, 0) - 1)
    with pytest.raises(OutOfRangeError, match="outside the solar-term table"):
        term_at(term_instant(2201, 23) + 1)


def test_uncertainty_model() -> None:
    assert term_uncertainty(1850, 5) == 5.0
    assert term_uncertainty(2000, 5) == 3.0
    # Term 12 (小暑) falls about 0.515 of the way through its year.
    for year in (2053, 2100, 2200):
        expected = 3.0 + 0.02 * (year + 0.515 - 2026) ** 2
        assert term_uncertainty(year, 12) == pytest.approx(expected, rel=0.01)


def test_uncertainty_grows_after_record() -> None:
    values = [instant_uncertainty(term_instant(year, 12)) for year in range(2020, 2202)]
    assert all(a <= b for a, b in itertools.pairwise(values))


def test_new_moons_cover_table() -> None:
    moons = new_moon_instants()
    assert moons[0] < term_instant(1799, 1)
    assert moons[-1] > term_instant(2201, 23)
    gaps = [(b - a) / 86400 for a, b in itertools.pairwise(moons)]
    assert min(gaps) > 29.2
    assert max(gaps) < 29.9


def test_new_moon_reference() -> None:
    # New moon of 2024-02-10 06:59:10.9 China Standard Time (DE421).
    expected = cst_instant("2024-02-10 06:59:10.9")
    nearest = min(new_moon_instants(), key=lambda moon: abs(moon - expected))
    assert nearest == pytest.approx(expected, abs=0.15)


def packaged_terms() -> bytes:
    path = resources.files("bazi_master.engine").joinpath("data").joinpath(TERMS_FILE)
    return path.read_bytes()


def test_damaged_table_raises() -> None:
    blob = bytearray(packaged_terms())
    blob[200] ^= 0xFF
    with pytest.raises(BaziDataError, match="is damaged"):
        decode_table(bytes(blob), TERMS_MAGIC, TERMS_FILE)


def test_truncated_table_raises() -> None:
    with pytest.raises(BaziDataError, match="is damaged"):
        decode_table(packaged_terms()[:-100], TERMS_MAGIC, TERMS_FILE)


def test_wrong_magic_raises() -> None:
    with pytest.raises(BaziDataError, match="header"):
        decode_table(packaged_terms(), b"BZMOON01", TERMS_FILE)


def test_missing_table_raises() -> None:
    with pytest.raises(BaziDataError, match="is missing"):
        _read_table("no_such_table.bin", TERMS_MAGIC)


def test_encoding_round_trip() -> None:
    tenths = [1000 + 131 * index + (index * 7919) % 97 - 48 for index in range(100)]
    table = InstantTable(b"TESTTEST", 42, tenths)
    blob = encode_table(table, 131.0, lag=24)
    assert decode_table(blob, b"TESTTEST", "test") == table
