"""The ``bazi-master`` command line: charts, batches, terms, reverse lookup, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from bazi_master.cli import _describe, main
from bazi_master.cli._inputs import parse_duration
from bazi_master.cli._render import format_uncertainty
from bazi_master.engine._errors import BaziDataError, BaziInputError

ENTRY_POINT = Path(sys.executable).with_name("bazi-master")

GOOD_ROW = "1990-05-15T14:30,Asia/Shanghai,,,,male,,"
HEADER = "birth,tz,place,longitude,latitude,gender,true_solar_time,zi"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def assert_one_line_error(stderr: str, expected: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("bazi-master: error: ")
    assert expected in lines[0]
    assert "Traceback" not in stderr


def test_chart_readable_shows_pillars_and_pinyin(runner: CliRunner) -> None:
    result = runner.invoke(main, ["chart", "1990-05-15T14:00", "--tz", "+08:00"])

    assert result.exit_code == 0, result.output
    assert "庚午 辛巳 庚辰 癸未" in result.stdout
    assert "gēng" in result.stdout
    assert "Metal" in result.stdout
    assert "roll" in result.stdout


def test_chart_output_fits_100_columns(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        [
            "chart",
            "2024-02-04T16:27",
            "--tz",
            "Asia/Shanghai",
            "--uncertainty",
            "15m",
            "--place",
            "Beijing",
        ],
    )

    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert "立春" in result.stdout


def test_chart_json_matches_known_chart(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["chart", "1988-07-01T23:30", "--tz", "Asia/Shanghai", "--json"]
    )

    data = json.loads(result.stdout)
    assert data["eight_characters"] == "戊辰 戊午 丁巳 辛亥"
    assert data["conventions"]["dst"] is True


def test_chart_json_with_place_and_solar_time(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        [
            "chart",
            "1990-05-17T01:30",
            "--place",
            "乌鲁木齐",
            "--tz",
            "Asia/Shanghai",
            "--true-solar-time",
            "--json",
        ],
    )

    data = json.loads(result.stdout)
    assert data["location"]["name"] == "Ürümqi"
    assert data["eight_characters"] == "庚午 辛巳 辛巳 己亥"


def test_chart_zi_convention_changes_day(runner: CliRunner) -> None:
    charts = {}
    for zi in ("roll", "stay-next", "stay-same"):
        result = runner.invoke(
            main, ["chart", "2024-04-07T23:00", "--tz", "+08:00", "--zi", zi, "--json"]
        )
        charts[zi] = json.loads(result.stdout)["eight_characters"]

    assert charts["roll"] == "甲辰 戊辰 壬寅 庚子"
    assert charts["stay-next"] == "甲辰 戊辰 辛丑 庚子"
    assert charts["stay-same"] == "甲辰 戊辰 辛丑 戊子"


def test_chart_ambiguous_place_lists_alternatives(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["chart", "1990-05-15T14:00", "--place", "Springfield"]
    )

    assert result.exit_code == 0, result.output
    assert "Springfield, MA, US" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["chart", "1990-13-15T14:30", "--tz", "+08:00"], "month must be in 1..12"),
        (["chart", "1990-05-15T14:30", "--tz", "Mars/Base"], "unknown time zone"),
        (
            ["chart", "1990-05-15T14:30", "--tz", "+08:00", "--gender", "robot"],
            "'robot' is not one of",
        ),
        (["chart", "1990-05-15T14:30"], "missing time zone"),
        (
            ["chart", "1990-05-15T14:30", "--tz", "+08:00", "--uncertainty", "15"],
            "invalid duration '15'",
        ),
        (
            ["chart", "1990-05-15T14:30", "--tz", "+08:00", "--place", "Atlantiss"],
            "closest matches",
        ),
        (["chart", "1990-04-15T02:30", "--tz", "Asia/Shanghai"], "does not exist"),
        (["chart", "1990-09-16T01:30", "--tz", "Asia/Shanghai"], "occurred twice"),
        (["chart", "1700-01-01T00:00", "--tz", "+08:00"], "outside the supported"),
        (["chart", "--tz", "+08:00"], "missing BIRTH"),
        (["chart", "1990-05-15T14:30", "--tz", "+08:00", "--bogus"], "--bogus"),
        (["nosuch"], "No such command"),
        (["reverse", "甲丑", "丙寅", "丙辰", "戊子", "--tz", "+08:00"], "甲丑"),
        (["reverse", "癸酉", "丙寅", "丙辰", "戊子", "--tz", "+08:00"], "五虎遁"),
        (["terms", "1700"], "year 1700 is outside"),
        (["chart", "1990-05-15T14", "--tz", "+08:00"], "invalid birth time"),
        (["chart", "1990-05-15T14:30:00.5", "--tz", "+08:00"], "invalid birth time"),
        (
            ["chart", "1990-05-15T14:30:00.123456789", "--tz", "+08:00"],
            "invalid birth time",
        ),
        (
            ["chart", "1990-05-15T14:30+08:00", "--tz", "+08:00"],
            "without an offset",
        ),
        (
            ["chart", "1990-05-15T14:00", "--latitude", "43"],
            "missing longitude: latitude 43.0 was given without a longitude",
        ),
        (
            ["chart", "1990-05-15T14:00", "--longitude", "87.6"],
            "missing latitude: longitude 87.6 was given without a latitude",
        ),
        (
            ["chart", "1990-05-15T14:00", "--tz", "+08:00", "--uncertainty", "99999h"],
            "invalid uncertainty '99999h': expected at most 24h (86400 s)",
        ),
        (
            ["chart", "1990-05-15T14:00", "--tz", "+08:61"],
            "invalid UTC offset '+08:61': minutes and seconds run from 00 to 59",
        ),
        (["terms", "٢٠٢٤"], "'٢٠٢٤' is not a valid integer"),
        (
            ["reverse", "丙寅 壬辰 己酉 甲子", "--tz", "+08:00", "--from", "+1900"],
            "'+1900' is not a valid integer",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(
    runner: CliRunner, args: list[str], expected: str
) -> None:
    result = runner.invoke(main, args)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_line_error(result.stderr, expected)


def test_chart_fall_back_hour_with_fold(runner: CliRunner) -> None:
    earlier = runner.invoke(
        main,
        [
            "chart",
            "1990-09-16T01:30",
            "--tz",
            "Asia/Shanghai",
            "--fold",
            "earlier",
            "--json",
        ],
    )
    later = runner.invoke(
        main,
        [
            "chart",
            "1990-09-16T01:30",
            "--tz",
            "Asia/Shanghai",
            "--fold",
            "later",
            "--json",
        ],
    )

    assert json.loads(earlier.stdout)["instant"]["utc"] == "1990-09-15T16:30:00Z"
    assert json.loads(later.stdout)["instant"]["utc"] == "1990-09-15T17:30:00Z"


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_batch_charts_good_rows_and_reports_bad_ones(
    runner: CliRunner, tmp_path: Path
) -> None:
    source = write_csv(
        tmp_path / "births.csv",
        [
            HEADER,
            GOOD_ROW,
            "1990-13-15T14:30,Asia/Shanghai,,,,,,",
            "1990-05-15T14:30,Mars/Base,,,,,,",
            "1990-05-15T14:30,+08:00,,,,robot,,",
            "1990-05-15T14:30,,喀什,,,female,,stay-next",
            "1990-05-15T14:30,+08:00",
        ],
    )
    out = tmp_path / "charts.jsonl"

    result = runner.invoke(main, ["chart", "--batch", str(source), "--out", str(out)])

    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 6
    assert rows[0]["eight_characters"] == "庚午 辛巳 庚辰 癸未"
    assert rows[1] == {"row": 2, "error": rows[1]["error"]}
    assert rows[1]["error"]["code"] == "INVALID_INPUT"
    assert rows[2]["error"]["code"] == "UNKNOWN_ZONE"
    assert "gender" in rows[3]["error"]["message"]
    assert rows[4]["location"]["zone"] == "Asia/Urumqi"
    assert rows[5]["row"] == 6
    assert "fields" in rows[5]["error"]["message"]
    assert "charted 2 of 6 rows" in result.stderr


def test_batch_writes_stdout_without_out(runner: CliRunner, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "births.csv", [HEADER, GOOD_ROW, GOOD_ROW])

    result = runner.invoke(main, ["chart", "--batch", str(source)])

    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert json.loads(lines[1])["input"]["gender"] == "male"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["birth,tz,colour", "1990-05-15T14:30,+08:00,red"],
            "unknown columns 'colour'",
        ),
        (["tz,place", "+08:00,Beijing"], "missing column birth"),
        ([""], "it is empty"),
        (["birth,tz,tz", "1990-05-15T14:30,+08:00,+09:00"], "repeated columns 'tz'"),
    ],
)
def test_batch_bad_header_exits_2(
    runner: CliRunner, tmp_path: Path, lines: list[str], expected: str
) -> None:
    source = write_csv(tmp_path / "bad.csv", lines)

    result = runner.invoke(main, ["chart", "--batch", str(source)])

    assert result.exit_code == 2
    assert_one_line_error(result.stderr, expected)


def test_terms_json_lists_24_terms(runner: CliRunner) -> None:
    result = runner.invoke(main, ["terms", "2024", "--tz", "Asia/Shanghai", "--json"])

    terms = json.loads(result.stdout)
    assert len(terms) == 24
    assert terms[2]["name"] == "立春"
    assert terms[2]["local"] == "2024-02-04T16:27:07.600+08:00"
    assert terms[2]["uncertainty_seconds"] > 0


def test_terms_readable_table(runner: CliRunner) -> None:
    result = runner.invoke(main, ["terms", "2024"])

    assert result.exit_code == 0, result.output
    assert "白露" in result.stdout
    assert "Start of Spring" in result.stdout


def test_reverse_json_spans(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        [
            "reverse",
            "丙寅",
            "壬辰",
            "己酉",
            "甲子",
            "--tz",
            "+08:00",
            "--from",
            "1900",
            "--to",
            "2100",
            "--json",
        ],
    )

    data = json.loads(result.stdout)
    starts = [span["start_local"] for span in data["spans"]]
    assert starts == ["1986-05-04T23:00:00+08:00", "2046-04-19T23:00:00+08:00"]
    assert data["zi"] == "roll"


def test_reverse_readable_table(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        [
            "reverse",
            "癸卯 乙丑 戊戌 庚申",
            "--tz",
            "Asia/Shanghai",
            "--zi",
            "stay-same",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "2024-02-04 16:27:07.600+08:00" in result.stdout
    assert "hour/jie" in result.stdout


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900.0),
        ("90s", 90.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        ("0.5h", 1800.0),
    ],
)
def test_parse_duration_units(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_entry_point_runs_chart_and_rejects_bad_zone() -> None:
    good = subprocess.run(
        [str(ENTRY_POINT), "chart", "1990-05-15T14:00", "--tz", "+08:00", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    bad = subprocess.run(
        [str(ENTRY_POINT), "chart", "1990-05-15T14:00", "--tz", "Nowhere/City"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["eight_characters"] == "庚午 辛巳 庚辰 癸未"
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert_one_line_error(bad.stderr, "unknown time zone 'Nowhere/City'")


@pytest.mark.parametrize(
    ("day", "chinese"),
    [
        ("2033-08-25", "癸丑年八月初一"),
        ("2033-12-22", "癸丑年闰十一月初一"),
        ("2020-05-23", "庚子年闰四月初一"),
        ("1996-07-15", "丙子年五月三十"),
    ],
)
def test_lunar_converts_regression_dates(
    runner: CliRunner, day: str, chinese: str
) -> None:
    result = runner.invoke(main, ["lunar", day, "--json"])

    assert json.loads(result.stdout)["chinese"] == chinese


def test_lunar_rejects_invalid_date(runner: CliRunner) -> None:
    result = runner.invoke(main, ["lunar", "2033-13-01"])

    assert result.exit_code == 2
    assert_one_line_error(result.stderr, "month must be in 1..12")


def test_chart_zone_from_coordinates(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        [
            "chart",
            "1990-05-15T14:00",
            "--latitude",
            "43.8",
            "--longitude",
            "87.6",
            "--json",
        ],
    )

    data = json.loads(result.stdout)
    assert data["conventions"]["zone"] == "Asia/Urumqi"
    assert data["location"]["source"] == "coordinates"


@pytest.mark.parametrize(
    ("error", "message", "status"),
    [
        (RuntimeError("boom"), "unexpected RuntimeError: boom", 1),
        (BaziDataError("table damaged"), "table damaged", 1),
        (BaziInputError("bad\nvalue"), "bad value", 2),
    ],
)
def test_errors_map_to_one_line_and_status(
    error: Exception, message: str, status: int
) -> None:
    assert _describe(error) == (message, status)


WORKED_BIRTH = ["chart", "1990-05-17T10:30", "--tz", "+08:00", "--gender", "male"]


def chart_json(runner: CliRunner, *options: str) -> dict[str, Any]:
    result = runner.invoke(main, [*WORKED_BIRTH, *options, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def chart_text(runner: CliRunner, *options: str) -> str:
    result = runner.invoke(main, [*WORKED_BIRTH, *options])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_luck_rule_defaults_to_seconds(runner: CliRunner) -> None:
    data = chart_json(runner)

    assert data["analysis_options"]["luck_rule"] == "seconds"
    assert data["luck"]["start"]["date"] == "1996-12-28T19:06:00+08:00"
    assert "Luck rule seconds, school year-stem, direction forward" in chart_text(
        runner
    )


def test_luck_rule_traditional_counts_days(runner: CliRunner) -> None:
    data = chart_json(runner, "--luck-rule", "traditional")

    assert data["analysis_options"]["luck_rule"] == "traditional"
    assert data["luck"]["start"]["date"] == "1996-12-27T10:30:00+08:00"
    assert "Luck rule traditional" in chart_text(runner, "--luck-rule", "traditional")


def test_luck_school_male_forward(runner: CliRunner) -> None:
    yin_year = ["chart", "1991-05-17T10:30", "--tz", "+08:00", "--gender", "male"]
    runs = {}
    for school in ("year-stem", "male-forward"):
        result = runner.invoke(main, [*yin_year, "--luck-school", school, "--json"])
        runs[school] = json.loads(result.stdout)["luck"]

    assert runs["year-stem"]["start"]["direction"] == "backward"
    assert runs["year-stem"]["pillars"][0]["ganzhi"] == "壬辰"
    assert runs["male-forward"]["start"]["direction"] == "forward"
    assert runs["male-forward"]["start"]["school"] == "male-forward"
    assert runs["male-forward"]["pillars"][0]["ganzhi"] == "甲午"


@pytest.mark.parametrize(("option", "count"), [([], 10), (["--luck-count", "8"], 8)])
def test_luck_count_sets_pillars(
    runner: CliRunner, option: list[str], count: int
) -> None:
    data = chart_json(runner, *option)

    assert len(data["luck"]["pillars"]) == count
    assert data["analysis_options"]["luck_count"] == count


def test_luck_index_adds_relations(runner: CliRunner) -> None:
    compared = chart_json(runner, "--luck-index", "3")["relations"]["with_pillars"]

    assert [(c["with"], c["ganzhi"]) for c in compared] == [("luck", "甲申")]
    stems = {(r["kind"], r["chars"]) for r in compared[0]["stems"]}
    branches = {(r["kind"], tuple(r["positions"])) for r in compared[0]["branches"]}
    assert ("stem_clash", "庚甲") in stems
    assert ("six_combination", ("month", "luck")) in branches


def test_luck_index_readable_section(runner: CliRunner) -> None:
    text = chart_text(runner, "--luck-index", "3")

    assert "Relations with luck pillar 3 甲申" in text
    assert "3 ▶" in text
    assert "Stars on 甲申:" in text
    assert "流月" not in text


def test_annual_year_adds_relations_and_months(runner: CliRunner) -> None:
    data = chart_json(runner, "--annual-year", "2026")

    compared = data["relations"]["with_pillars"]
    assert [(c["with"], c["ganzhi"]) for c in compared] == [("annual", "丙午")]
    stems = {(r["kind"], r["chars"]) for r in compared[0]["stems"]}
    assert ("stem_combination", "辛丙") in stems
    assert ("stem_clash", "壬丙") in stems
    months = data["flow_months"]
    assert len(months) == 12
    assert months[0]["ganzhi"] == "庚寅"
    assert months[0]["begins"].startswith("2026-02-04T04:02")
    assert months[11]["ganzhi"] == "辛丑"


def test_annual_year_readable_months(runner: CliRunner) -> None:
    text = chart_text(runner, "--annual-year", "2026")

    assert "Relations with the year 2026 丙午" in text
    assert "流月 of 2026" in text
    assert "立春" in text
    assert "2026-02-04 04:02" in text
    assert "小寒" in text


def test_chart_without_options_has_no_months(runner: CliRunner) -> None:
    data = chart_json(runner)

    assert data["flow_months"] is None
    assert data["relations"]["with_pillars"] == []
    assert "Relations with" not in chart_text(runner)


def test_analysis_output_fits_100_columns(runner: CliRunner) -> None:
    text = chart_text(
        runner, "--luck-index", "3", "--annual-year", "2026", "--luck-count", "9"
    )

    assert max(cell_len(line) for line in text.splitlines()) <= 100


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--luck-rule", "fast"], "'fast' is not one of 'seconds', 'traditional'"),
        (["--luck-school", "standard"], "'standard' is not one of 'year-stem'"),
        (["--luck-count", "11"], "--luck-count': 11 is not in the range 8<=x<=10"),
        (["--luck-count", "ten"], "--luck-count': 'ten'"),
        (["--luck-index", "0"], "invalid luck_index 0: expected a whole number"),
        (["--luck-index", "11"], "invalid luck_index 11"),
        (["--luck-count", "8", "--luck-index", "9"], "from 1 to 8"),
        (["--luck-index", "two"], "--luck-index': 'two' is not a valid integer"),
        (["--annual-year", "1799"], "invalid annual_year 1799"),
        (["--annual-year", "2201"], "from 1800 to 2200"),
        (["--annual-year", "next"], "--annual-year': 'next'"),
        (["--luck-count", "+9"], "'+9' is not a valid integer"),
        (["--luck-count", "٩"], "'٩' is not a valid integer"),
        (["--luck-index", "1_0"], "'1_0' is not a valid integer"),
        (["--annual-year", "２０２６"], "'２０２６' is not a valid integer"),
    ],
)
def test_bad_analysis_option_exits_2(
    runner: CliRunner, options: list[str], expected: str
) -> None:
    result = runner.invoke(main, [*WORKED_BIRTH, *options])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_line_error(result.stderr, expected)


def test_luck_index_without_gender_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["chart", "1990-05-17T10:30", "--tz", "+08:00", "--luck-index", "2"]
    )

    assert result.exit_code == 2
    assert_one_line_error(result.stderr, "a chart without gender has no luck pillars")


@pytest.mark.parametrize(
    ("option", "column"),
    [
        (["--luck-rule", "traditional"], "luck_rule column"),
        (["--annual-year", "2026"], "annual_year column"),
        (["--tz", "+08:00"], "tz column"),
    ],
)
def test_batch_rejects_chart_options(
    runner: CliRunner, tmp_path: Path, option: list[str], column: str
) -> None:
    source = write_csv(tmp_path / "births.csv", [HEADER, GOOD_ROW])

    result = runner.invoke(main, ["chart", "--batch", str(source), *option])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_line_error(result.stderr, column)


ANALYSIS_HEADER = (
    "birth,tz,gender,luck_rule,luck_school,luck_count,luck_index,annual_year"
)


def test_batch_analysis_columns(runner: CliRunner, tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "births.csv",
        [
            ANALYSIS_HEADER,
            "1990-05-17T10:30,+08:00,male,traditional,,8,3,2026",
            "1991-05-17T10:30,+08:00,male,,male-forward,,,",
            "1990-05-17T10:30,+08:00,male,,,,,",
        ],
    )

    result = runner.invoke(main, ["chart", "--batch", str(source)])

    assert result.exit_code == 0, result.output
    first, second, third = (json.loads(line) for line in result.stdout.splitlines())
    assert first["luck"]["start"]["date"] == "1996-12-27T10:30:00+08:00"
    assert len(first["luck"]["pillars"]) == 8
    assert [c["ganzhi"] for c in first["relations"]["with_pillars"]] == [
        "甲申",
        "丙午",
    ]
    assert first["flow_months"][0]["ganzhi"] == "庚寅"
    assert second["luck"]["pillars"][0]["ganzhi"] == "甲午"
    assert third["analysis_options"]["luck_rule"] == "seconds"
    assert third["flow_months"] is None


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("1990-05-17T10:30,+08:00,male,fast,,,,", "invalid luck start rule 'fast'"),
        ("1990-05-17T10:30,+08:00,male,,standard,,,", "'standard'"),
        ("1990-05-17T10:30,+08:00,male,,,9.5,,", "invalid luck_count '9.5'"),
        ("1990-05-17T10:30,+08:00,male,,,1_0,,", "invalid luck_count '1_0'"),
        ("1990-05-17T10:30,+08:00,male,,,7,,", "invalid luck_count 7"),
        ("1990-05-17T10:30,+08:00,male,,,8,9,", "from 1 to 8"),
        ("1990-05-17T10:30,+08:00,,,,,2,", "without gender"),
        ("1990-05-17T10:30,+08:00,male,,,,,1799", "invalid annual_year 1799"),
        ("1990-05-17T10:30,+08:00,male,,,,,soon", "invalid annual_year 'soon'"),
        ("1990-05-17T10:30,+08:00,male,,,٩,,", "invalid luck_count '٩'"),
        ("1990-05-17T10:30,+08:00,male,,,+9,,", "invalid luck_count '+9'"),
        ("1990-05-17T10:30,+08:00,male,,,-9,,", "invalid luck_count -9"),
    ],
)
def test_batch_bad_analysis_cell(
    runner: CliRunner, tmp_path: Path, row: str, expected: str
) -> None:
    source = write_csv(tmp_path / "births.csv", [ANALYSIS_HEADER, row])

    result = runner.invoke(main, ["chart", "--batch", str(source)])

    assert result.exit_code == 0, result.output
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "INVALID_INPUT"
    assert expected in error["message"]
    assert "charted 0 of 1 rows" in result.stderr


def test_entry_point_takes_analysis_options() -> None:
    good = subprocess.run(
        [
            str(ENTRY_POINT),
            *WORKED_BIRTH,
            "--luck-rule",
            "traditional",
            "--annual-year",
            "2026",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    bad = subprocess.run(
        [str(ENTRY_POINT), *WORKED_BIRTH, "--luck-school", "standard"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert good.returncode == 0, good.stderr
    data = json.loads(good.stdout)
    assert data["analysis_options"]["luck_rule"] == "traditional"
    assert len(data["flow_months"]) == 12
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert_one_line_error(bad.stderr, "'standard' is not one of")


def test_birth_with_space_and_seconds_accepted(runner: CliRunner) -> None:
    data = chart_json(runner, "--uncertainty", "0s")
    result = runner.invoke(
        main, ["chart", "1990-05-15 14:30:05", "--tz", "+08:00", "--json"]
    )

    assert data["input"]["has_seconds"] is False
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["input"]["has_seconds"] is True


def test_batch_out_in_missing_folder_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "births.csv", [HEADER, GOOD_ROW])
    out = tmp_path / "missing" / "charts.jsonl"

    result = runner.invoke(main, ["chart", "--batch", str(source), "--out", str(out)])

    assert result.exit_code == 2
    assert_one_line_error(
        result.stderr, f"failed to open --out file '{out}' for writing"
    )
    assert "No such file or directory" in result.stderr


def test_batch_oversized_cell_names_line(runner: CliRunner, tmp_path: Path) -> None:
    long_place = "x" * 140_000
    source = write_csv(
        tmp_path / "big.csv", [HEADER, GOOD_ROW, f"{GOOD_ROW}{long_place}"]
    )

    result = runner.invoke(main, ["chart", "--batch", str(source)])

    assert result.exit_code == 2
    assert_one_line_error(result.stderr, "line 3: field larger than field limit")
    assert "UTF-8" not in result.stderr
    assert "quote" in result.stderr


def test_batch_luck_index_without_gender_row(runner: CliRunner, tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "births.csv",
        [
            ANALYSIS_HEADER,
            "1990-05-17T10:30,+08:00,,,,,2,",
            "1990-05-17T10:30,+08:00,,,,,,",
        ],
    )

    result = runner.invoke(main, ["chart", "--batch", str(source)])

    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["error"]["code"] == "INVALID_INPUT"
    assert "invalid luck_index 2" in first["error"]["message"]
    assert second["luck"] is None


def test_long_place_name_gives_short_error(runner: CliRunner) -> None:
    place = "x" * 100_000

    result = runner.invoke(
        main, ["chart", "1990-05-15T14:00", "--tz", "+08:00", "--place", place]
    )

    assert result.exit_code == 2
    assert_one_line_error(result.stderr, "(100,000 characters) not found")
    assert len(result.stderr) < 500


def test_long_click_error_is_cut(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["chart", "1990-05-15T14:00", "--tz", "+08:00", "--zi", "x" * 100_000]
    )

    assert result.exit_code == 2
    assert_one_line_error(result.stderr, "characters cut")
    assert len(result.stderr) < 1100
    assert "is not one of 'roll', 'stay-next', 'stay-same'" in result.stderr


def test_json_lists_other_place_matches(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["chart", "1990-05-15T14:00", "--place", "Springfield", "--json"]
    )

    alternatives = json.loads(result.stdout)["location"]["alternatives"]
    assert "Springfield, MA, US" in alternatives
    assert "Springfield, MA, US" in chart_text_for(runner, "--place", "Springfield")


def chart_text_for(runner: CliRunner, *options: str) -> str:
    result = runner.invoke(main, ["chart", "1990-05-15T14:00", *options])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_closed_pipe_exits_141_quietly(tmp_path: Path) -> None:
    rows = ["birth,tz,gender"] + ["1990-05-15T14:30,+08:00,male"] * 60
    source = write_csv(tmp_path / "births.csv", rows)

    with subprocess.Popen(
        [str(ENTRY_POINT), "chart", "--batch", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
        status = process.wait(timeout=60)

    assert json.loads(first)["eight_characters"] == "庚午 辛巳 庚辰 癸未"
    assert status == 141
    assert stderr == b""


def test_terms_far_year_fits_one_line_per_term(runner: CliRunner) -> None:
    result = runner.invoke(main, ["terms", "2201", "--tz", "Asia/Shanghai"])

    term_lines = [line for line in result.stdout.splitlines() if "2201-" in line]
    assert result.exit_code == 0, result.output
    assert len(term_lines) == 24
    assert term_lines[0].split()[-1] == "616"
    assert "615.592" not in result.stdout


@pytest.mark.parametrize(
    ("seconds", "text"), [(3.0, "3"), (3.32, "3.3"), (14.53, "15"), (615.59, "616")]
)
def test_format_uncertainty(seconds: float, text: str) -> None:
    assert format_uncertainty(seconds) == text


def test_reverse_heading_singular_span(runner: CliRunner) -> None:
    result = runner.invoke(
        main,
        [
            "reverse",
            "丙寅 壬辰 己酉 甲子",
            "--tz",
            "+08:00",
            "--from",
            "1980",
            "--to",
            "2000",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "丙寅 壬辰 己酉 甲子: 1 span in 1980..2000" in result.stdout


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (["terms", "1799"], "1799-01-05"),
        (["terms", "2201"], "2201-01-05"),
        (["lunar", "1799-12-31"], "1799-12-31: 己未年十二月初六"),
        (["lunar", "2201-01-01"], "2201-01-01: 庚子年十一月廿六"),
    ],
)
def test_margin_years_work(runner: CliRunner, args: list[str], first_line: str) -> None:
    result = runner.invoke(main, args)

    assert result.exit_code == 0, result.output
    assert first_line in result.stdout
