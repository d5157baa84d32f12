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
import signal
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC
from typing import Any

from pydantic import ValidationError

from ...engine._errors import BaziInputError
from ..bazi.service import compute_chart_json
from ..core.body_errors import problem_message
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


class ImportPool:
    """Worker processes that chart large imports, one pool per app.

    The processes start on the first large import and stay for the next ones, until
    the app's shutdown calls ``shutdown()``. They ignore SIGINT, so Ctrl-C in a
    terminal, which reaches the whole process group, leaves the server to drain and
    stop them. SIGTERM still ends them, because the executor terminates the workers
    of a broken pool with it.
    """

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        """Return the executor, starting it on first use.

        It uses ``spawn`` because the parent runs threads, which ``fork`` copies in
        whatever state they are in.
        """
        if self._executor is None:
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                max_workers=MAX_PROCESSES,
                mp_context=context,
                initializer=_ignore_sigint,
            )
            log.info("records.import_pool_started", processes=MAX_PROCESSES)
        return self._executor

    def discard(self) -> None:
        """Drop a broken pool without waiting; the next import starts a new one."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def shutdown(self) -> None:
        """Cancel queued batches, wait for running ones and stop the processes.

        A running batch takes about 0.5 s (500 rows). The call blocks until then, so
        run it off the event loop.
        """
        if self._executor is None:
            return
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._executor = None
        log.info("records.import_pool_stopped")


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


async def prepared_batches(rows: Rows, pool: ImportPool) -> AsyncIterator[BatchResult]:
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
        async for result in _in_processes(batches, pool):
            yield result
        return
    for batch in batches:
        yield await asyncio.to_thread(prepare_batch, *batch)


async def _in_processes(
    batches: list[tuple[Rows, int]], pool: ImportPool
) -> AsyncIterator[BatchResult]:
    loop = asyncio.get_running_loop()
    executor = pool.executor()
    futures = [
        loop.run_in_executor(executor, prepare_batch, *batch) for batch in batches
    ]
    try:
        for future in futures:
            yield await future
    except BrokenProcessPool:
        # A worker died (killed, out of memory); the next import starts a new pool.
        log.error("records.import_pool_broken")
        pool.discard()
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
        reason = problem_message(error)
        if error["type"] == "extra_forbidden":
            reason = "unknown field; an export row has " + ", ".join(IMPORT_FIELDS)
        problems.append(problem(number, location, reason))
    return problems
