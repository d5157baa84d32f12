"""Parsing of command-line and CSV values into engine inputs and analysis options."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from bazi_master.engine._errors import BaziInputError
from bazi_master.engine._model import MAX_UNCERTAINTY_SECONDS, BirthInput
from bazi_master.engine._options import Fold, Gender, ZiConvention
from bazi_master.engine._time import quote_input
from bazi_master.engine.analysis import (
    AnalysisOptions,
    LuckDirectionSchool,
    LuckStartRule,
)

_DURATION_PART: Final = re.compile(r"([0-9]+(?:\.[0-9]+)?)([hms])")
_UNIT_SECONDS: Final = {"h": 3600.0, "m": 60.0, "s": 1.0}
_TRUE_WORDS: Final = frozenset({"true", "yes", "y", "1", "on"})
_FALSE_WORDS: Final = frozenset({"false", "no", "n", "0", "off", ""})
# The forms that docs/cli.md and the service accept; group 1 is the seconds.
_BIRTH: Final = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?"
_BIRTH_PATTERN: Final = re.compile(_BIRTH)
_BIRTH_WITH_OFFSET: Final = re.compile(_BIRTH + r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)")
_WHOLE_NUMBER: Final = re.compile(r"-?[0-9]+")


def parse_duration(text: str) -> float:
    """Parse a duration such as ``15m``, ``90s``, ``1h`` or ``1h30m`` into seconds."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(value + unit for value, unit in parts) != compact:
        raise BaziInputError(
            f"invalid duration {quote_input(text)}: expected a number with a unit h, "
            "m or s, such as 15m, 90s or 1h30m"
        )
    return sum(float(value) * _UNIT_SECONDS[unit] for value, unit in parts)


def parse_uncertainty(text: str) -> float:
    """Parse a birth-time uncertainty such as ``15m`` into seconds, at most 24 h."""
    seconds = parse_duration(text)
    if seconds > MAX_UNCERTAINTY_SECONDS:
        raise BaziInputError(
            f"invalid uncertainty {quote_input(text)}: expected at most 24h "
            f"({MAX_UNCERTAINTY_SECONDS} s), such as 15m or 2h"
        )
    return seconds


def parse_birth(text: str) -> tuple[datetime, bool]:
    """Parse a local birth time ``YYYY-MM-DDTHH:MM[:SS]`` (``T`` or a space).

    Returns the naive datetime and whether the text gave seconds. Hours alone and
    fractions of a second are rejected, as the service rejects them.
    """
    stripped = text.strip()
    if _BIRTH_WITH_OFFSET.fullmatch(stripped):
        raise BaziInputError(
            f"invalid birth time {quote_input(text)}: give the local time without an "
            "offset and the zone with --tz (or the tz column)"
        )

    match = _BIRTH_PATTERN.fullmatch(stripped)
    if match is None:
        raise BaziInputError(_birth_message(text, ""))
    try:
        birth = datetime.fromisoformat(stripped)
    except ValueError as error:
        raise BaziInputError(_birth_message(text, f"{error}; ")) from None
    return birth, match.group(1) is not None


def _birth_message(text: str, reason: str) -> str:
    return (
        f"invalid birth time {quote_input(text)}: {reason}expected a local date and "
        "time YYYY-MM-DDTHH:MM, optionally with seconds, such as 1990-05-15T14:30 or "
        "1990-05-15 14:30:05"
    )


def parse_flag(text: str, name: str) -> bool:
    """Parse a yes/no cell such as ``true``, ``no``, ``1`` or an empty cell (no)."""
    word = text.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise BaziInputError(
        f"invalid {name} {quote_input(text)}: expected true or false (also yes/no, 1/0)"
    )


def parse_coordinate(text: str, name: str) -> float:
    """Parse a latitude or longitude in decimal degrees."""
    try:
        return float(text)
    except ValueError:
        raise BaziInputError(
            f"invalid {name} {quote_input(text)}: expected decimal degrees such as 87.6"
        ) from None


def whole_number(text: str) -> int | None:
    """Return the whole number written in ``text`` with the digits 0-9, else None.

    A minus sign is accepted, so that a negative value gets the range error of its
    option. A plus sign, the digits of other scripts and underscores are rejected.
    """
    stripped = text.strip()
    return int(stripped) if _WHOLE_NUMBER.fullmatch(stripped) else None


def parse_whole_number(text: str, name: str) -> int:
    """Parse a whole number written in the digits 0-9, such as ``9`` or ``2026``."""
    number = whole_number(text)
    if number is None:
        raise BaziInputError(
            f"invalid {name} {quote_input(text)}: expected a whole number written in "
            "the digits 0-9, such as 9 or 2026"
        )
    return number


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
        uncertainty_seconds=parse_uncertainty(uncertainty) if uncertainty else 0.0,
    )


def build_options(fields: Mapping[str, str | None]) -> AnalysisOptions:
    """Build the ``AnalysisOptions`` from text fields named like the CSV columns.

    Empty or missing fields take the defaults of ``AnalysisOptions``, which also
    checks the ranges. The engine rejects a luck index without a gender when it
    charts the birth.
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
    return AnalysisOptions(**chosen)
