"""Chart calculation for the API: request normalisation, the engine call, the cache.

Both request shapes become one ``ChartRequest`` (a ``BirthInput`` and the
``AnalysisOptions``). The cache key hashes every field of both plus the engine
version, so two requests share a cache entry exactly when the engine would compute the
same chart for them.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import orjson

from ... import engine
from ...engine._errors import BaziInputError
from ...engine._full import compute_chart
from ...engine._model import BirthInput
from ...engine._options import Fold, Gender, ZiConvention
from ...engine.analysis._analysis import AnalysisOptions
from ...engine.analysis._luck import LuckDirectionSchool, LuckStartRule
from ..core.logging import get_logger
from ..core.metrics import Metrics
from ..core.store import KeyValueStore, StoreError
from .schemas import CalculateRequest, LegacyCalculateRequest

log = get_logger(__name__)

CACHE_PREFIX = "bazi-cache:"
FAILURE_LOG_INTERVAL = 60.0  # seconds between two log lines about cache failures
HAS_SECONDS = re.compile(r"[T ]\d{1,2}:\d{2}:\d{2}")
# "lat,lon" in the earlier shape's birthLocation, e.g. "39.9042, 116.4074".
COORDINATES = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*")
# Offset labels of the earlier shape: UTC+8, GMT-05:30, UTC+0545, +8.
OFFSET_LABEL = re.compile(
    r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE
)


@dataclass(frozen=True)
class ChartRequest:
    """A normalised request: what the engine needs, nothing else."""

    birth: BirthInput
    options: AnalysisOptions


def chart_request(body: CalculateRequest | LegacyCalculateRequest) -> ChartRequest:
    """Normalise either request shape; gender and conventions are parsed here once."""
    if isinstance(body, CalculateRequest):
        return ChartRequest(birth_from_request(body), options_from_request(body))
    return ChartRequest(birth_from_legacy(body), AnalysisOptions())


def options_from_request(body: CalculateRequest) -> AnalysisOptions:
    """Build the analysis choices from the current request shape."""
    return AnalysisOptions(
        luck_rule=LuckStartRule(body.luck_rule),
        luck_school=LuckDirectionSchool(body.luck_school),
        luck_count=body.luck_count,
        luck_index=body.luck_index,
        annual_year=body.annual_year,
    )


def birth_from_request(body: CalculateRequest) -> BirthInput:
    """Build the engine input from the current request shape."""
    return BirthInput(
        birth=_parse_birth(body.birth),
        has_seconds=bool(HAS_SECONDS.search(body.birth)),
        tz=body.tz,
        place=body.place,
        latitude=body.latitude,
        longitude=body.longitude,
        true_solar_time=body.true_solar_time,
        zi=ZiConvention(body.zi),
        fold=Fold(body.fold) if body.fold else None,
        uncertainty_seconds=body.uncertainty_minutes * 60,
        gender=Gender.parse(body.gender) if body.gender else None,
    )


def _parse_birth(text: str) -> datetime:
    """Parse a birth the schema's pattern admitted; the date may still not exist."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise BaziInputError(
            f"invalid birth {text!r}: that date or time does not exist; expected a "
            "local date and time such as 1990-05-12T10:30"
        ) from None


def birth_from_legacy(body: LegacyCalculateRequest) -> BirthInput:
    """Build the engine input from the earlier shape, with its defaults."""
    latitude, longitude, place = _legacy_location(body.birth_location)
    located = place is not None or longitude is not None
    tz = _legacy_zone(body)
    if tz is None and not located:
        raise BaziInputError(
            "missing time zone: give timezone (such as Asia/Shanghai or UTC+8), "
            "timezoneOffsetMinutes or birthLocation"
        )
    solar = located if body.true_solar_time is None else body.true_solar_time
    return BirthInput(
        birth=_legacy_birth(body),
        tz=tz,
        place=place,
        latitude=latitude,
        longitude=longitude,
        true_solar_time=solar,
        gender=Gender.parse(body.gender),
    )


def _legacy_birth(body: LegacyCalculateRequest) -> datetime:
    parts = (body.birth_year, body.birth_month, body.birth_day)
    try:
        return datetime(*parts, body.birth_hour, body.birth_minute)
    except ValueError:
        date = "{:04d}-{:02d}-{:02d}".format(*parts)
        raise BaziInputError(
            f"invalid date {date}: that day does not exist in the Gregorian calendar"
        ) from None


def _legacy_location(text: str | None) -> tuple[float | None, float | None, str | None]:
    """Split birthLocation into (latitude, longitude, place name)."""
    if text is None or not text.strip():
        return None, None, None
    match = COORDINATES.fullmatch(text)
    if match is None:
        return None, None, text.strip()
    return float(match.group(1)), float(match.group(2)), None


def _legacy_zone(body: LegacyCalculateRequest) -> str | None:
    """Return ``timezone`` as the engine reads it, else the offset in minutes."""
    if body.timezone is not None and body.timezone.strip():
        label = OFFSET_LABEL.fullmatch(body.timezone.strip())
        if label is None:
            return body.timezone.strip()
        sign, hours, minutes = label.groups()
        return f"{sign}{int(hours):02d}:{int(minutes or 0):02d}"
    if body.timezone_offset_minutes is None:
        return None
    offset = body.timezone_offset_minutes
    sign = "-" if offset < 0 else "+"
    return f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"


def engine_version() -> str:
    """Return the version of the engine's charts, such as ``1.0.0+tzdata2026f``.

    It joins the engine's ``ENGINE_VERSION`` and the tzdata release, because either
    can change a chart. Saved records carry it and are recomputed when it changes,
    and cache keys include it. It is read on each call, so the engine's constant is
    the only place that decides.
    """
    return f"{engine.ENGINE_VERSION}+tzdata{engine.TZDATA_VERSION}"


BIRTH_FIELDS = tuple(field.name for field in fields(BirthInput))
OPTION_FIELDS = tuple(field.name for field in fields(AnalysisOptions))


def cache_key(request: ChartRequest) -> str:
    """Hash every field of the input and the options with the engine version.

    The fields are read one by one because ``dataclasses.asdict`` deep-copies and
    costs several times more. The canonical text is the one ``asdict`` gave.
    """
    birth, options = request.birth, request.options
    parts = {
        "birth": {name: _plain(getattr(birth, name)) for name in BIRTH_FIELDS},
        "options": {name: getattr(options, name) for name in OPTION_FIELDS},
        "version": engine_version(),
    }
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return CACHE_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def compute_chart_json(request: ChartRequest) -> str:
    """Compute and serialise a chart: the one place the service calls the engine."""
    return compute_chart_bytes(request).decode()


def compute_chart_bytes(request: ChartRequest) -> bytes:
    """Compute a chart and return its JSON as UTF-8.

    The engine and ``to_dict`` take about 0.2 ms, so they run on the event loop,
    because a thread hop would cost more than it frees. orjson writes the text of
    ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` in the same key
    order, about seven times faster for a chart of 18 kB. Only a float below 1e-4 in
    size differs in form (``1e-7`` or ``0.00001`` where ``json`` writes ``1e-07`` or
    ``1e-05``), and in a chart only a coordinate from the input can be that small.
    """
    chart = compute_chart(request.birth, request.options)
    return orjson.dumps(chart.to_dict())


@dataclass
class ChartResult:
    """A chart as UTF-8 JSON, and whether it came from the cache."""

    body: bytes
    cache_hit: bool


class ChartService:
    """Compute charts through the cache; a cache failure never fails the request."""

    def __init__(self, store: KeyValueStore, metrics: Metrics, ttl: float) -> None:
        self._store = store
        self._metrics = metrics
        self._ttl = ttl
        self._last_failure_log = float("-inf")
        self._hits = metrics.cache.labels("hit")
        self._misses = metrics.cache.labels("miss")

    async def calculate(self, request: ChartRequest) -> ChartResult:
        """Return the chart for ``request``, from the cache when possible."""
        key = cache_key(request)
        cached = await self._read(key)
        if cached is not None:
            self._hits.inc()
            return ChartResult(cached.encode(), cache_hit=True)

        self._misses.inc()
        body = compute_chart_bytes(request)
        await self._write(key, body.decode())
        return ChartResult(body, cache_hit=False)

    async def _read(self, key: str) -> str | None:
        try:
            return await self._store.get(key)
        except StoreError as exc:
            self._report_failure("read", exc)
            return None

    async def _write(self, key: str, body: str) -> None:
        try:
            await self._store.set(key, body, ttl=self._ttl)
        except StoreError as exc:
            self._report_failure("write", exc)

    def _report_failure(self, operation: str, exc: StoreError) -> None:
        """Count every failure; log at most one line per minute."""
        self._metrics.cache_errors.labels(operation).inc()
        now = time.monotonic()
        if now - self._last_failure_log >= FAILURE_LOG_INTERVAL:
            self._last_failure_log = now
            log.error("bazi.cache_failed", operation=operation, error=str(exc))
