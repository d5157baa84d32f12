"""Dependency checks behind ``/health``, ``/api/health`` and ``/api/ready``."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ..core.logging import get_logger
from ..core.metrics import Metrics
from ..core.store import KeyValueStore, StoreError

log = get_logger(__name__)

DB_TIMEOUT = 1.5  # seconds for SELECT 1
REDIS_TIMEOUT = 1.0  # seconds for PING

Checks = dict[str, dict[str, Any]]


class HealthChecker:
    """Run the database and Redis checks; concurrent callers share one run."""

    def __init__(self, engine: AsyncEngine, store: KeyValueStore, metrics: Metrics):
        self._engine = engine
        self._store = store
        self._metrics = metrics
        self._running: asyncio.Task[Checks] | None = None
        self._last_ok: dict[str, bool] = {}

    async def check(self) -> Checks:
        """Return ``{"db": {...}, "redis": {...}}``, each with ``ok`` or ``error``."""
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._run())
        return await asyncio.shield(self._running)

    async def _run(self) -> Checks:
        db, redis = await asyncio.gather(self._check_db(), self._check_redis())
        checks = {"db": db, "redis": redis}
        for name, result in checks.items():
            self._record(name, result)
        return checks

    async def _check_db(self) -> dict[str, Any]:
        try:
            async with (
                asyncio.timeout(DB_TIMEOUT),
                self._engine.connect() as connection,
            ):
                await connection.execute(text("SELECT 1"))
        except TimeoutError:
            return {"ok": False, "error": f"SELECT 1 timed out after {DB_TIMEOUT} s"}
        except Exception as exc:  # any driver error means the database is unusable
            return {"ok": False, "error": f"connection failed ({type(exc).__name__})"}
        return {"ok": True}

    async def _check_redis(self) -> dict[str, Any]:
        if not self._store.shared:
            return {"ok": True, "status": "single_instance"}
        try:
            async with asyncio.timeout(REDIS_TIMEOUT):
                await self._store.ping()
        except TimeoutError:
            return {"ok": False, "error": f"PING timed out after {REDIS_TIMEOUT} s"}
        except StoreError as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": True}

    def _record(self, name: str, result: dict[str, Any]) -> None:
        """Update the gauge; log a warning when a dependency fails, info when back."""
        ok = bool(result["ok"])
        self._metrics.dependency_up.labels(name).set(1 if ok else 0)
        if self._last_ok.get(name, True) and not ok:
            log.warning("health.dependency_failed", dependency=name, **result)
        elif not self._last_ok.get(name, True) and ok:
            log.info("health.dependency_recovered", dependency=name)
        self._last_ok[name] = ok
