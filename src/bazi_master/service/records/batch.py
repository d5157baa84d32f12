"""Validate and chart the rows of an import in batches, off the event loop.

A full chart costs about 1 ms of CPU, so 10,000 rows would block the event loop for
10 s. Small imports therefore run on a worker thread, and large ones on a pool of
worker processes that uses every core. The workers return each chart as JSON text,
and the insert passes that text to the database unparsed.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC
from typing import Any

from pydantic import ValidationError

from ...engine._errors import BaziInputError
from ..bazi.service import compute_chart_json
from ..core.logging import get_logger
from .charts import chart_text_columns, prepare_input
from .schemas import IMPORT_FIELDS, ImportRow
from .transfer import problem

log = get_logger(__name__)

BATCH_SIZE = 500
# Imports this large go to worker processes; smaller ones would spend longer
# starting the pool than charting.
PROCESS_THRESHOLD = 2000
# The CPUs this process may run on, which taskset or a container's cpuset can limit.
MAX_PROCESSES = min(4, len(os.sched_getaffinity(0)))
# The request field that an engine error code is about; None for the whole row.
ENGINE_ERROR_FIELDS = {
    "OUT_OF_RANGE": "birth",
    "NONEXISTENT_TIME": "birth",
    "AMBIGUOUS_TIME": "fold",
    "UNKNOWN_ZONE": "tz",
    "UNKNOWN_PLACE": "place",
}

Rows = Sequence[dict[str, Any] | None]
BatchResult = tuple[list[dict[str, Any]], list[dict[str, Any]]]

_pool: ProcessPoolExecutor | None = None


def _process_pool() -> ProcessPoolExecutor:
    """Start the pool on first use; ``spawn`` because the parent runs threads."""
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("spawn")
        _pool = ProcessPoolExecutor(max_workers=MAX_PROCESSES, mp_context=context)
        log.info("records.import_pool_started", processes=MAX_PROCESSES)
    return _pool


async def prepared_batches(rows: Rows) -> AsyncIterator[BatchResult]:
    """Yield (column values of the valid rows, problems of the others) per batch.

    Batches come in row order. In worker processes every batch is submitted at
    once, so the caller can insert one batch while the workers chart the next.
    Rows that are None were unreadable and are already reported by the parser.
    """
    batches = [
        (rows[start : start + BATCH_SIZE], start + 1)
        for start in range(0, len(rows), BATCH_SIZE)
    ]
    if len(rows) >= PROCESS_THRESHOLD and MAX_PROCESSES > 1:
        async for result in _in_processes(batches):
            yield result
        return
    for batch in batches:
        yield await asyncio.to_thread(prepare_batch, *batch)


async def _in_processes(batches: list[tuple[Rows, int]]) -> AsyncIterator[BatchResult]:
    global _pool
    loop = asyncio.get_running_loop()
    pool = _process_pool()
    futures = [loop.run_in_executor(pool, prepare_batch, *batch) for batch in batches]
    try:
        for future in futures:
            yield await future
    except BrokenProcessPool:
        # A worker died (killed, out of memory); the next import starts a new pool.
        log.error("records.import_pool_broken")
        _pool = None
        raise
    finally:
        for future in futures:
            future.cancel()


def prepare_batch(rows: Rows, first_number: int) -> BatchResult:
    """Validate and chart rows numbered from ``first_number``; runs in a worker."""
    done: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for number, data in enumerate(rows, start=first_number):
        if data is None:
            continue
        try:
            done.append(_prepare_row(data))
        except ValidationError as exc:
            failed.extend(_validation_problems(number, exc))
        except BaziInputError as exc:
            field_name = ENGINE_ERROR_FIELDS.get(exc.code)
            failed.append(problem(number, field_name, str(exc)))
    return done, failed


def _prepare_row(data: dict[str, Any]) -> dict[str, Any]:
    """Return the row's columns, with the chart as JSON text in ``chart_text``."""
    row = ImportRow.model_validate(data)
    prepared = prepare_input(row)
    text = compute_chart_json(prepared.request)
    birth = prepared.columns["birth"]
    times = {
        name: None if value is None else value.astimezone(UTC)
        for name, value in (
            ("created_at", row.created_at),
            ("updated_at", row.updated_at),
            ("deleted_at", row.deleted_at),
        )
    }
    return {
        **prepared.columns,
        **chart_text_columns(text, birth),
        **times,
        "input_hash": prepared.digest,
        "chart_text": text,
    }


def _validation_problems(number: int, exc: ValidationError) -> list[dict[str, Any]]:
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in error["loc"]) or None
        reason = error["msg"]
        if error["type"] == "extra_forbidden":
            reason = "unknown field; an export row has " + ", ".join(IMPORT_FIELDS)
        problems.append(problem(number, location, reason))
    return problems
