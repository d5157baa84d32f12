"""From a record body to the stored columns: normalisation, hash and chart fields.

Every chart comes from the calculate route's normalisation (``chart_request``) and
engine call (``compute_chart_json``), so a saved chart equals what
``POST /api/bazi/calculate`` returns for the same body.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..bazi.schemas import LegacyCalculateRequest
from ..bazi.service import (
    ChartRequest,
    birth_from_legacy,
    chart_request,
    engine_version,
)
from .schemas import RecordInput

_INSTANT_KEY = '"instant":'
_CHARACTERS_KEY = '"eight_characters":'


@dataclass(frozen=True)
class PreparedInput:
    """A validated body: the engine request, the input columns and their hash."""

    request: ChartRequest
    columns: dict[str, Any]
    digest: str


def prepare_input(body: RecordInput) -> PreparedInput:
    """Normalise a body as the calculate route does; raise ``BaziInputError``."""
    request = chart_request(body)
    birth = request.birth
    columns = {
        "label": body.label,
        "birth": birth.birth,
        "birth_has_seconds": birth.has_seconds,
        "tz": body.tz,
        "place": body.place,
        "latitude": body.latitude,
        "longitude": body.longitude,
        "gender": None if birth.gender is None else birth.gender.value,
        "true_solar_time": body.true_solar_time,
        "zi": body.zi,
        "fold": body.fold,
        "uncertainty_minutes": float(body.uncertainty_minutes),
        "luck_rule": body.luck_rule,
        "luck_school": body.luck_school,
        "luck_count": body.luck_count,
        "luck_index": body.luck_index,
        "annual_year": body.annual_year,
    }
    return PreparedInput(request, columns, input_digest(columns))


def input_from_legacy(body: LegacyCalculateRequest) -> RecordInput:
    """Convert the earlier request shape into a record body with the same chart.

    The earlier shape's defaults (true solar time when a location is given, zone
    labels such as UTC+8) are applied here, so the record stores what was charted.
    """
    birth = birth_from_legacy(body)
    values = {
        "birth": birth.birth.isoformat(timespec="minutes"),
        "tz": birth.tz,
        "place": birth.place,
        "latitude": birth.latitude,
        "longitude": birth.longitude,
        "gender": None if birth.gender is None else birth.gender.value,
        "trueSolarTime": birth.true_solar_time,
    }
    present = {name: value for name, value in values.items() if value is not None}
    return RecordInput.model_validate(present)


def input_digest(columns: dict[str, Any]) -> str:
    """Hash the label and inputs; two saves are duplicates when the hashes match."""
    plain = {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in columns.items()
    }
    canonical = json.dumps(plain, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def derived_columns(
    characters: str, unix_seconds: float, birth: datetime
) -> dict[str, Any]:
    """Return the columns that the list queries filter and sort on."""
    return {
        "engine_version": engine_version(),
        "pillars": characters,
        "day_master": characters[6],
        "birth_year": birth.year,
        "birth_instant": datetime.fromtimestamp(unix_seconds, UTC),
    }


def chart_columns(chart: dict[str, Any], birth: datetime) -> dict[str, Any]:
    """Return the chart and its derived columns."""
    seconds = chart["instant"]["unix_seconds"]
    return {
        "chart": chart,
        **derived_columns(chart["eight_characters"], seconds, birth),
    }


def chart_text_columns(text: str, birth: datetime) -> dict[str, Any]:
    """Return the derived columns of a chart given as JSON text.

    Only the two top-level values needed are decoded, which costs a small fraction
    of parsing the whole chart (about 17 kB with the analysis). A quote inside a
    JSON string is escaped, so the first unescaped key match is the top-level key:
    ``eight_characters`` occurs once and ``instant`` comes before the jie entries.
    """
    decoder = json.JSONDecoder()
    characters, _ = decoder.raw_decode(text, _value_start(text, _CHARACTERS_KEY))
    instant, _ = decoder.raw_decode(text, _value_start(text, _INSTANT_KEY))
    return derived_columns(characters, instant["unix_seconds"], birth)


def _value_start(text: str, key: str) -> int:
    position = text.find(key)
    if position < 0:
        raise ValueError(f"the chart JSON has no {key} key")
    return position + len(key)
