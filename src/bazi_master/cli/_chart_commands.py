"""Engine commands: ``chart`` (one birth or a CSV file), ``terms``, ``reverse``
and ``lunar``.
"""

from __future__ import annotations

import csv
import json
import sys
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click
from click.core import ParameterSource

from bazi_master.engine._errors import BaziInputError
from bazi_master.engine._full import compute_chart
from bazi_master.engine._lunar import LunarDate, lunar_date
from bazi_master.engine._model import BirthInput
from bazi_master.engine._options import ZiConvention
from bazi_master.engine._reverse import parse_pillars, reverse_lookup
from bazi_master.engine._terms import SolarTerm, solar_terms
from bazi_master.engine._time import format_time, resolve_zone
from bazi_master.engine.analysis import (
    AnalysisOptions,
    LuckDirectionSchool,
    LuckStartRule,
)
from bazi_master.engine.analysis._analysis import MAX_LUCK_PILLARS, MIN_LUCK_PILLARS

from ._batch import COLUMNS, run_batch
from ._inputs import build_birth, build_options, whole_number
from ._render import make_console, render_chart, render_spans, render_terms

ZI_CHOICE = click.Choice([member.value for member in ZiConvention])
LUCK_RULE_CHOICE = click.Choice([member.value for member in LuckStartRule])
LUCK_SCHOOL_CHOICE = click.Choice([member.value for member in LuckDirectionSchool])

# click.ParamType takes type arguments from click 8.4 on, and pyproject allows 8.1.
if TYPE_CHECKING:
    _ParamType = click.ParamType[int, Any]
else:
    _ParamType = click.ParamType


class WholeNumber(_ParamType):
    """An integer option written in the digits 0-9, optionally within a range.

    click's own ``int`` type also takes ``+9``, ``1_0`` and the digits of other
    scripts, which the CSV columns and the service reject.
    """

    name = "integer"

    def __init__(self, low: int | None = None, high: int | None = None) -> None:
        self.low = low
        self.high = high

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        number = whole_number(str(value))
        if number is None:
            self.fail(
                f"{value!r} is not a valid integer: write it in the digits 0-9, "
                "such as 9 or 2026",
                param,
                ctx,
            )
        low = self.low if self.low is not None else number
        high = self.high if self.high is not None else number
        if not low <= number <= high:
            self.fail(f"{number} is not in the range {low}<=x<={high}.", param, ctx)
        return number


def _chart_dict(birth: BirthInput, options: AnalysisOptions) -> dict[str, Any]:
    """Return the full chart (pillars and analysis) as JSON-ready data."""
    return compute_chart(birth, options).to_dict()


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _single_fields(birth: str | None, options: dict[str, Any]) -> dict[str, str | None]:
    """Collect the command-line options as the text fields of one batch row."""
    if birth is None:
        raise click.UsageError(
            "missing BIRTH: give a local time such as 1990-05-15T14:30"
        )
    fields: dict[str, str | None] = {"birth": birth}
    for name in COLUMNS[1:]:
        value = options.get(name)
        if isinstance(value, bool):
            fields[name] = "true" if value else ""
        elif value is not None:
            fields[name] = str(value)
    return fields


def _place_note(chart: dict[str, Any]) -> str | None:
    """Describe the other cities an ambiguous place name could mean."""
    place = chart["input"].get("place")
    alternatives = (chart.get("location") or {}).get("alternatives")
    if place is None or not alternatives:
        return None
    return (
        f"Place {place!r} also matches: {'; '.join(alternatives)}; add a country or "
        f"US state to choose, such as '{place}, US'"
    )


@click.command(short_help="Chart one birth, or every row of a CSV file.")
@click.argument("birth", required=False)
@click.option("--tz", help="IANA zone (Asia/Shanghai) or UTC offset (+08:00).")
@click.option("--place", help="City name, e.g. Beijing, 喀什 or 'Springfield, MA'.")
@click.option("--latitude", type=float, help="Birth latitude in degrees, north > 0.")
@click.option("--longitude", type=float, help="Birth longitude in degrees, east > 0.")
@click.option(
    "--true-solar-time",
    "true_solar_time",
    is_flag=True,
    help="Read day and hour from apparent solar time (needs a place or longitude).",
)
@click.option(
    "--zi",
    type=ZI_CHOICE,
    default="roll",
    show_default=True,
    help="What the day pillar does from 23:00 to 24:00.",
)
@click.option(
    "--fold",
    type=click.Choice(["earlier", "later"]),
    help="Which occurrence of a local time repeated by a clock change.",
)
@click.option(
    "--gender",
    type=click.Choice(["male", "female"]),
    help="Sets the direction of the luck pillars.",
)
@click.option("--uncertainty", help="Birth-time uncertainty such as 15m, 90s or 1h.")
@click.option(
    "--luck-rule",
    type=LUCK_RULE_CHOICE,
    default=LuckStartRule.SECONDS.value,
    show_default=True,
    help="How the span to the jie becomes the luck start: exact seconds at "
    "3 days = 1 year, or the traditional count of days and 时辰.",
)
@click.option(
    "--luck-school",
    type=LUCK_SCHOOL_CHOICE,
    default=LuckDirectionSchool.YEAR_STEM.value,
    show_default=True,
    help="What sets the luck direction: the year stem's polarity with the gender, "
    "or every male chart forward and every female chart backward.",
)
@click.option(
    "--luck-count",
    type=WholeNumber(MIN_LUCK_PILLARS, MAX_LUCK_PILLARS),
    default=MAX_LUCK_PILLARS,
    show_default=True,
    help=f"Number of luck pillars, {MIN_LUCK_PILLARS} to {MAX_LUCK_PILLARS}.",
)
@click.option(
    "--luck-index",
    type=WholeNumber(),
    metavar="N",
    help="Compare luck pillar N (1 is the first) with the chart: relations and "
    "stars. Needs --gender.",
)
@click.option(
    "--annual-year",
    type=WholeNumber(),
    metavar="YEAR",
    help="Compare the pillar of YEAR (1800 to 2200) with the chart, and list its "
    "12 months (流月).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the chart as JSON.")
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV file with a header row; prints one JSON object per row.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="With --batch: write the JSON lines to this file instead of stdout.",
)
@click.pass_context
def chart(
    context: click.Context,
    /,
    birth: str | None,
    as_json: bool,
    batch: Path | None,
    out: Path | None,
    **options: Any,
) -> None:
    """Chart one birth given as local time BIRTH, e.g. 1990-05-15T14:30.

    With --batch, chart every row of a CSV file instead. Its columns:
    birth, tz, place, longitude, latitude, gender, true_solar_time, zi, fold,
    uncertainty, luck_rule, luck_school, luck_count, luck_index, annual_year (only
    birth is required). A row that cannot be charted becomes
    {"row": n, "error": {"code", "message"}}, counting rows from 1 after the
    header, and the batch goes on with exit status 0. Each row carries its own
    values, so the options named like a column are rejected with --batch.
    """
    if batch is not None:
        _reject_row_options(context)
        _chart_batch(birth, batch, out)
        return

    if out is not None:
        raise click.UsageError("--out works only with --batch")
    fields = _single_fields(birth, options)
    data = _chart_dict(build_birth(fields), build_options(fields))
    if as_json:
        _print_json(data)
        return

    console = make_console()
    render_chart(data, console)
    note = _place_note(data)
    if note:
        console.print(note, style="yellow")


def _reject_row_options(context: click.Context) -> None:
    """Reject the options of one chart given with --batch, where each row of the CSV
    file carries its own values."""
    for name in COLUMNS[1:]:
        if context.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            option = "--" + name.replace("_", "-")
            raise click.UsageError(
                f"{option} does not apply to --batch; put a {name} column in the "
                "CSV file instead"
            )


def _chart_batch(birth: str | None, batch: Path, out: Path | None) -> None:
    if birth is not None:
        raise click.UsageError("give either BIRTH or --batch, not both")

    try:
        with (
            batch.open(newline="", encoding="utf-8-sig") as source,
            _open_out(out) as target,
        ):
            rows, errors = run_batch(source, target, _chart_dict)
    except UnicodeDecodeError as error:
        raise BaziInputError(
            f"invalid batch file {str(batch)!r}: {error}; save it as UTF-8 CSV"
        ) from None
    except csv.Error as error:
        raise BaziInputError(
            f"invalid batch file {str(batch)!r}: {error}; check the quotes on that "
            f"line: a cell holds at most {csv.field_size_limit():,} characters, and "
            'a quote (") left open runs on to the end of the file'
        ) from None
    click.echo(
        f"charted {rows - errors} of {rows} rows; {errors} with errors", err=True
    )


def _open_out(out: Path | None) -> AbstractContextManager[TextIO]:
    """Open the --out file for writing, or return stdout when there is none."""
    if out is None:
        return nullcontext(sys.stdout)
    try:
        return out.open("w", encoding="utf-8")
    except OSError as error:
        raise BaziInputError(
            f"failed to open --out file {str(out)!r} for writing: {error.strerror}; "
            "give a path in an existing folder that you can write to"
        ) from None


@click.command()
@click.argument("year", type=WholeNumber())
@click.option("--tz", help="Show local times in this zone or offset (default: UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print the terms as JSON.")
def terms(year: int, tz: str | None, as_json: bool) -> None:
    """List the 24 solar terms of YEAR with instants and uncertainties."""
    zone_label = resolve_zone(tz).label if tz else None
    found = solar_terms(year, tz)
    if not as_json:
        render_terms(found, zone_label, make_console())
        return

    _print_json([_term_dict(term) for term in found])


def _term_dict(term: SolarTerm) -> dict[str, Any]:
    return {
        "year": term.year,
        "index": term.index,
        "name": term.name,
        "pinyin": term.pinyin,
        "english": term.english,
        "longitude": term.longitude,
        "is_jie": term.is_jie,
        "utc": format_time(term.utc.replace(tzinfo=None)) + "Z",
        "local": None if term.local is None else format_time(term.local),
        "unix_seconds": round(term.instant, 3),
        "uncertainty_seconds": term.uncertainty_seconds,
    }


@click.command(short_help="List the birth times that have four given pillars.")
@click.argument("pillars", nargs=-1, required=True)
@click.option("--tz", required=True, help="IANA zone or UTC offset of the births.")
@click.option(
    "--from",
    "first_year",
    type=WholeNumber(),
    default=1900,
    show_default=True,
    help="First year searched (chart clock).",
)
@click.option(
    "--to",
    "last_year",
    type=WholeNumber(),
    default=2100,
    show_default=True,
    help="Last year searched (chart clock).",
)
@click.option(
    "--zi",
    type=ZI_CHOICE,
    default="roll",
    show_default=True,
    help="What the day pillar does from 23:00 to 24:00.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the spans as JSON.")
def reverse(
    pillars: tuple[str, ...],
    tz: str,
    first_year: int,
    last_year: int,
    zi: str,
    as_json: bool,
) -> None:
    """List every birth time span whose chart has PILLARS, e.g. 丙寅 壬辰 己酉 甲子."""
    chart = parse_pillars(list(pillars))
    zone = resolve_zone(tz).label
    spans = reverse_lookup(
        chart, tz=tz, zi=zi, first_year=first_year, last_year=last_year
    )
    if not as_json:
        count = f"{len(spans)} span" + ("" if len(spans) == 1 else "s")
        heading = (
            f"{chart.chars}: {count} in {first_year}..{last_year}, zone {zone}, zi {zi}"
        )
        render_spans(spans, heading, make_console())
        return

    data: dict[str, Any] = {"pillars": chart.chars, "zone": zone, "zi": zi}
    data |= {"first_year": first_year, "last_year": last_year}
    _print_json(data | {"spans": [span.to_dict() for span in spans]})


@click.command(short_help="Convert a Gregorian date to the Chinese lunar calendar.")
@click.argument("day")
@click.option("--json", "as_json", is_flag=True, help="Print the lunar date as JSON.")
def lunar(day: str, as_json: bool) -> None:
    """Convert the Gregorian date DAY (YYYY-MM-DD, Beijing date) to the lunar calendar
    of GB/T 33661-2017.
    """
    try:
        gregorian = date.fromisoformat(day.strip())
    except ValueError as error:
        raise BaziInputError(
            f"invalid date {day!r}: {error}; expected YYYY-MM-DD such as 2033-12-22"
        ) from None
    found = lunar_date(gregorian)
    data = _lunar_dict(gregorian, found)
    if as_json:
        _print_json(data)
        return
    click.echo(
        f"{gregorian.isoformat()}: {found} (lunar year {found.year}, "
        f"{found.zodiac_char} {found.zodiac})"
    )


def _lunar_dict(gregorian: date, found: LunarDate) -> dict[str, Any]:
    return {
        "gregorian": gregorian.isoformat(),
        "lunar_year": found.year,
        "lunar_month": found.month,
        "leap_month": found.leap,
        "lunar_day": found.day,
        "chinese": str(found),
        "year_ganzhi": found.year_ganzhi.chars,
        "zodiac": found.zodiac,
        "zodiac_char": found.zodiac_char,
    }


def register_chart_commands(group: click.Group) -> None:
    """Add the engine commands to ``group``."""
    for command in (chart, terms, reverse, lunar):
        group.add_command(command)
