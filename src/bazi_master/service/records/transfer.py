"""The export formats (a JSON array, CSV with a header) and their parsers for import.

An export row contains the record's label, its inputs and its times; the chart is left
out because an import recomputes it. CSV cells are text, so the parser converts each
column to the JSON type that the import model expects: an empty cell is an absent
value, booleans are ``true`` or ``false`` and numbers use a dot.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula. A CSV export therefore writes a free-text cell
(label, place) that starts with one of these, or with a single quote, behind one
extra single quote, which spreadsheets show as text and hide. A CSV import removes
that quote again, so every value comes back exactly: see ``defuse_formula``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..core.body_errors import unreadable_body
from ..core.errors import ApiError
from .schemas import EXPORT_FIELDS, IMPORT_FIELDS, TRASH_FIELD

MAX_IMPORT_ROWS = 10_000
BOOLEAN_COLUMNS = frozenset({"trueSolarTime"})
REAL_COLUMNS = frozenset({"latitude", "longitude", "uncertaintyMinutes"})
WHOLE_COLUMNS = frozenset({"luckCount", "luckIndex", "annualYear"})
# Columns of free text, which can start with anything. The other columns hold
# validated forms, such as "+08:00" or "-33.9", and are written unchanged.
TEXT_COLUMNS = frozenset({"label", "place"})
# First characters that make a spreadsheet read a cell as a formula, plus the quote
# that marks a defused cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def as_utc(value: datetime) -> datetime:
    """Attach UTC to a time read back from SQLite, which stores UTC without offset."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def birth_text(birth: datetime, has_seconds: bool) -> str:
    """Format a stored birth as given: to the minute, or with its seconds."""
    if has_seconds:
        return birth.isoformat()
    return birth.isoformat(timespec="minutes")


def export_fields(include_deleted: bool) -> tuple[str, ...]:
    """Return the columns of an export, with ``deletedAt`` when trashed ones go too."""
    return (*EXPORT_FIELDS, TRASH_FIELD) if include_deleted else EXPORT_FIELDS


def export_row(record: Any, include_deleted: bool) -> dict[str, Any]:
    """Convert a record (or a row with its columns) into an export row."""
    row = {
        "id": str(record.id),
        "label": record.label,
        "birth": birth_text(record.birth, record.birth_has_seconds),
        "tz": record.tz,
        "place": record.place,
        "latitude": record.latitude,
        "longitude": record.longitude,
        "gender": record.gender,
        "trueSolarTime": record.true_solar_time,
        "zi": record.zi,
        "fold": record.fold,
        "uncertaintyMinutes": record.uncertainty_minutes,
        "luckRule": record.luck_rule,
        "luckSchool": record.luck_school,
        "luckCount": record.luck_count,
        "luckIndex": record.luck_index,
        "annualYear": record.annual_year,
        "pillars": record.pillars,
        "dayMaster": record.day_master,
        "engineVersion": record.engine_version,
        "createdAt": _time_text(record.created_at),
        "updatedAt": _time_text(record.updated_at),
    }
    if include_deleted:
        row[TRASH_FIELD] = _time_text(record.deleted_at)
    return row


def _time_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    return as_utc(value).isoformat().replace("+00:00", "Z")


def json_chunk(rows: Sequence[dict[str, Any]], first: bool) -> str:
    """Render rows as part of a JSON array; the caller writes ``[`` and ``]``."""
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    separator = "" if first else ",\n"
    return separator + ",\n".join(lines)


def csv_chunk(rows: Iterable[dict[str, Any]], fields: Sequence[str]) -> str:
    """Render rows as CSV lines in the order of ``fields``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(name, row[name]) for name in fields])
    return buffer.getvalue()


def defuse_formula(text: str) -> str:
    """Put a single quote before text that starts like a formula or with a quote.

    Quoting the quote too makes the step reversible: ``restore_formula`` removes
    one leading quote exactly when the next character is in ``FORMULA_STARTS``, so
    ``restore_formula(defuse_formula(text)) == text`` for every text.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore_formula(text: str) -> str:
    """Undo ``defuse_formula``. Other text, such as ``'tis``, stays as it is."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_header(fields: Sequence[str]) -> str:
    """Return the header line of a CSV export."""
    return ",".join(fields) + "\r\n"


def _csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in TEXT_COLUMNS:
        return defuse_formula(str(value))
    return str(value)


@dataclass
class ParsedRows:
    """Rows read from an import body; ``problems`` lists cells that did not convert.

    ``rows[i]`` is None when row ``i + 1`` could not be read at all.
    """

    rows: list[dict[str, Any] | None]
    problems: list[dict[str, Any]] = field(default_factory=list)


def parse_json_rows(body: bytes) -> ParsedRows:
    """Read a JSON array of row objects, as ``format=json`` exports write it."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        # ValueError covers syntax errors, invalid UTF-8 and over-long integers.
        unreadable = unreadable_body(exc, "the import body")
        reason = f"the import body is not valid JSON ({exc})"
        if unreadable is not None:
            reason = unreadable.message
        raise ApiError(
            400,
            "INVALID_JSON",
            f"{reason}; send the array that "
            "GET /api/bazi/records/export?format=json writes",
        ) from None
    if not isinstance(data, list):
        raise ApiError(
            422,
            "INVALID_IMPORT",
            f"the import body is a JSON {type(data).__name__}; expected an array of "
            "record objects",
        )
    _check_row_count(len(data))
    parsed = ParsedRows([])
    for number, item in enumerate(data, start=1):
        if isinstance(item, dict):
            parsed.rows.append(item)
            continue
        parsed.rows.append(None)
        reason = f"expected a JSON object, got {type(item).__name__}"
        parsed.problems.append(problem(number, None, reason))
    return parsed


def parse_csv_rows(body: bytes) -> ParsedRows:
    """Read CSV with a header line, as ``format=csv`` exports write it."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400,
            "INVALID_CSV",
            f"the import body is not UTF-8 text ({exc}); save the CSV as UTF-8",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = _read_header(reader)
    parsed = ParsedRows([])
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        _check_row_count(len(parsed.rows) + 1)
        parsed.rows.append(_csv_row(len(parsed.rows) + 1, header, cells, parsed))
    return parsed


def _read_header(reader: Any) -> list[str]:
    """Return the header's column names; raise for unknown or repeated ones."""
    header = [name.strip() for name in next(reader, [])]
    if "birth" not in header:
        raise ApiError(
            422,
            "INVALID_IMPORT",
            "the CSV has no birth column; the first line must name the columns, "
            f"as an export writes them: {','.join(EXPORT_FIELDS)}",
        )
    unknown = [name for name in header if name not in IMPORT_FIELDS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if unknown or repeated:
        details = [{"field": name, "reason": "unknown column"} for name in unknown]
        details += [{"field": name, "reason": "repeated column"} for name in repeated]
        raise ApiError(
            422,
            "INVALID_COLUMNS",
            f"the CSV header has unknown or repeated columns "
            f"{', '.join(unknown + repeated)}; the known columns are "
            f"{', '.join(IMPORT_FIELDS)}",
            details,
        )
    return header


def _csv_row(
    number: int, header: list[str], cells: list[str], parsed: ParsedRows
) -> dict[str, Any] | None:
    """Convert one CSV record; record a problem and return None if it fails."""
    if len(cells) > len(header):
        reason = f"the row has {len(cells)} cells but the header names {len(header)}"
        parsed.problems.append(problem(number, None, reason))
        return None
    row: dict[str, Any] = {}
    failed = False
    for name, cell in zip(header, cells, strict=False):
        try:
            value = _csv_value(name, cell)
        except ValueError as exc:
            parsed.problems.append(problem(number, name, str(exc)))
            failed = True
            continue
        if value is not None:
            row[name] = value
    return None if failed else row


def _csv_value(name: str, cell: str) -> Any:
    """Convert one cell; an empty cell is an absent value (None)."""
    text = cell.strip()
    if text == "":
        return None
    if name in BOOLEAN_COLUMNS:
        if text.lower() not in ("true", "false"):
            raise ValueError(f"invalid boolean {cell!r}: expected true or false")
        return text.lower() == "true"
    if name in REAL_COLUMNS:
        return _real(cell)
    if name in WHOLE_COLUMNS:
        try:
            return int(text)
        except ValueError:
            raise ValueError(
                f"invalid whole number {cell!r}: expected digits such as 10"
            ) from None
    if name in TEXT_COLUMNS:
        return restore_formula(cell)
    return cell


def _real(cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(
            f"invalid number {cell!r}: expected a decimal number such as 39.9042"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"invalid number {cell!r}: expected a finite number")
    return value


def _check_row_count(count: int) -> None:
    if count > MAX_IMPORT_ROWS:
        raise ApiError(
            413,
            "TOO_MANY_ROWS",
            f"the import has more than {MAX_IMPORT_ROWS} rows; split it into files "
            f"of at most {MAX_IMPORT_ROWS} rows",
        )


def problem(row: int, field_name: str | None, reason: str) -> dict[str, Any]:
    """Describe a rejected row for the import result."""
    return {"row": row, "field": field_name, "reason": reason}
