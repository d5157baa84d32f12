"""``bazi-master chart --batch``: one JSON line per CSV row, errors included."""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any, Final, TextIO

from rich.console import Console
from rich.progress import Progress

from bazi_master.engine._errors import BaziError, BaziInputError
from bazi_master.engine._model import BirthInput
from bazi_master.engine.analysis import AnalysisOptions

from ._inputs import build_birth, build_options

COLUMNS: Final = (
    "birth",
    "tz",
    "place",
    "longitude",
    "latitude",
    "gender",
    "true_solar_time",
    "zi",
    "fold",
    "uncertainty",
    "luck_rule",
    "luck_school",
    "luck_count",
    "luck_index",
    "annual_year",
)
REQUIRED_COLUMNS: Final = ("birth",)

ChartFunction = Callable[[BirthInput, AnalysisOptions], dict[str, Any]]


def check_header(header: list[str] | None) -> list[str]:
    """Return the column names, or raise when the header is missing or unknown."""
    if not header:
        raise BaziInputError(
            "invalid batch file: it is empty; the first line must name the columns, "
            f"such as {','.join(COLUMNS[:3])}"
        )

    names = [name.strip() for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise BaziInputError(
            f"invalid batch file: unknown columns {', '.join(map(repr, unknown))}; "
            f"the known columns are {', '.join(COLUMNS)}"
        )
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise BaziInputError(
            f"invalid batch file: repeated columns {', '.join(map(repr, repeated))}; "
            "name each column once in the header row"
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise BaziInputError(
            f"invalid batch file: missing column {', '.join(missing)}; the header "
            f"row must name it (columns: {', '.join(COLUMNS)})"
        )
    return names


def chart_row(
    number: int, header: list[str], cells: list[str], chart: ChartFunction
) -> dict[str, Any]:
    """Chart one row, or describe why it cannot be charted."""
    try:
        if len(cells) != len(header):
            raise BaziInputError(
                f"row has {len(cells)} fields but the header has {len(header)}; "
                "quote cells that contain commas"
            )
        fields = dict(zip(header, cells, strict=True))
        return chart(build_birth(fields), build_options(fields))
    except BaziError as error:
        return {"row": number, "error": {"code": error.code, "message": str(error)}}


def _rows(source: TextIO) -> Iterator[list[str]]:
    """Yield the non-blank rows of a CSV file.

    Raises ``csv.Error`` with the line number where the file stops being valid CSV.
    """
    reader = csv.reader(source)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise csv.Error(f"line {reader.line_num}: {error}") from None
        if any(cell.strip() for cell in cells):
            yield cells


def run_batch(source: TextIO, out: TextIO, chart: ChartFunction) -> tuple[int, int]:
    """Chart every row of ``source`` into ``out``; return (rows, rows with errors).

    A progress bar goes to stderr when stderr is a terminal and ``out`` is not.
    """
    rows = _rows(source)
    header = check_header(next(rows, None))
    lines = list(rows)

    progress = Progress(console=Console(stderr=True), transient=True)
    errors = 0
    visible = sys.stderr.isatty() and not out.isatty()
    with progress if visible else nullcontext(progress):
        task = progress.add_task("charting", total=len(lines))
        for number, cells in enumerate(lines, start=1):
            result = chart_row(number, header, cells, chart)
            errors += "error" in result
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            progress.advance(task)
    return len(lines), errors
