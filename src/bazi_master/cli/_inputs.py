"""Parsing of command-line and CSV values into engine inputs and analysis options."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from bazi_master.engine._errors import BaziInputError
from bazi_master.engine._model import BirthInput
from bazi_master.engine._options import Fold, Gender, ZiConvention
from bazi_master.engine.analysis import (
    AnalysisOptions,
    LuckDirectionSchool,
    LuckStartRule,
)

_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d+)?)([hms])")
_UNIT_SECONDS: Final = {"h": 3600.0, "m": 60.0, "s": 1.0}
_TRUE_WORDS: Final = frozenset({"true", "yes", "y", "1", "on"})
_FALSE_WORDS: Final = frozenset({"false", "no", "n", "0", "off", ""})
# The time part has seconds when it reads HH:MM:SS.
_HAS_SECONDS: Final = re.compile(r"[T ]\d{1,2}:\d{2}:\d{2}")
_WHOLE_NUMBER: Final = re.compile(r"[+-]?\d+")


def parse_duration(text: str) -> float:
    """Parse a duration such as ``15m``, ``90s``, ``1h`` or ``1h30m`` into seconds."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(value + unit for value, unit in parts) != compact:
        raise BaziInputError(
            f"invalid duration {text!r}: expected a number with a unit h, m or s, "
            "such as 15m, 90s or 1h30m"
        )
    return sum(float(value) * _UNIT_SECONDS[unit] for value, unit in parts)


def parse_birth(text: str) -> tuple[datetime, bool]:
    """Parse a local birth time ``YYYY-MM-DDTHH:MM[:SS]``.

    Returns the naive datetime and whether the text gave seconds.
    """
    stripped = text.strip()
    try:
        birth = datetime.fromisoformat(stripped)
        reason = "" if re.search(r"[T ]\d", stripped) else "the time is missing; "
    except ValueError as error:
        birth, reason = None, f"{error}; "
    if birth is None or reason:
        raise BaziInputError(
            f"invalid birth time {text!r}: {reason}expected a local date and time "
            "such as 1990-05-15T14:30 or 1990-05-15 14:30:05"
        )
    if birth.tzinfo is not None:
        raise BaziInputError(
            f"invalid birth time {text!r}: give the local time without an offset and "
            "the zone with --tz (or the tz column)"
        )
    return birth, bool(_HAS_SECONDS.search(stripped))


def parse_flag(text: str, name: str) -> bool:
    """Parse a yes/no cell such as ``true``, ``no``, ``1`` or an empty cell (no)."""
    word = text.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise BaziInputError(
        f"invalid {name} {text!r}: expected true or false (also yes/no, 1/0)"
    )


def parse_coordinate(text: str, name: str) -> float:
    """Parse a latitude or longitude in decimal degrees."""
    try:
        return float(text)
    except ValueError:
        raise BaziInputError(
            f"invalid {name} {text!r}: expected decimal degrees such as 87.6"
        ) from None


def parse_whole_number(text: str, name: str) -> int:
    """Parse a whole number written in decimal digits, such as ``9`` or ``2026``."""
    if not _WHOLE_NUMBER.fullmatch(text.strip()):
        raise BaziInputError(
            f"invalid {name} {text!r}: expected a whole number such as 9 or 2026"
        )
    return int(text.strip())


def build_birth(fields: Mapping[str, str | None]) -> BirthInput:
    """Build a ``BirthInput`` from text fields named like the CSV columns.

    Empty or missing fields mean "not given"; ``birth`` is required.
    """
    values = {key: (value or "").strip() for key, value in fields.items()}
    if not values.get("birth"):
        raise BaziInputError("missing birth time: give a local date and time")

    birth, has_seconds = parse_birth(values["birth"])
    latitude = values.get("latitude", "")
    longitude = values.get("longitude", "")
    gender = values.get("gender", "")
    fold = values.get("fold", "")
    uncertainty = values.get("uncertainty", "")
    return BirthInput(
        birth=birth,
        has_seconds=has_seconds,
        tz=values.get("tz") or None,
        place=values.get("place") or None,
        latitude=parse_coordinate(latitude, "latitude") if latitude else None,
        longitude=parse_coordinate(longitude, "longitude") if longitude else None,
        true_solar_time=parse_flag(
            values.get("true_solar_time", ""), "true_solar_time"
        ),
        zi=ZiConvention.parse(values.get("zi") or ZiConvention.ROLL.value),
        fold=Fold.parse(fold) if fold else None,
        gender=Gender.parse(gender) if gender else None,
        uncertainty_seconds=parse_duration(uncertainty) if uncertainty else 0.0,
    )


def build_options(fields: Mapping[str, str | None]) -> AnalysisOptions:
    """Build the ``AnalysisOptions`` from text fields named like the CSV columns.

    Empty or missing fields take the defaults of ``AnalysisOptions``, which also
    checks the ranges. A luck index without a gender is rejected, because such a
    chart has no luck pillars to choose from.
    """
    values = {key: (value or "").strip() for key, value in fields.items()}
    chosen: dict[str, Any] = {}
    if values.get("luck_rule"):
        chosen["luck_rule"] = LuckStartRule.parse(values["luck_rule"])
    if values.get("luck_school"):
        chosen["luck_school"] = LuckDirectionSchool.parse(values["luck_school"])
    for name in ("luck_count", "luck_index", "annual_year"):
        if values.get(name):
            chosen[name] = parse_whole_number(values[name], name)

    if "luck_index" in chosen and not values.get("gender"):
        raise BaziInputError(
            f"invalid luck_index {chosen['luck_index']}: a chart without gender has "
            "no luck pillars; give gender male or female, or leave luck_index out"
        )
    return AnalysisOptions(**chosen)
