"""Liveness, health and readiness probes in the runbook's JSON shape.

The probes are exempt from rate limiting. ``/live`` touches no dependency and returns
200 even while draining. The others return 503 when a dependency fails or the
instance is shutting down.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..core.lifecycle import ShutdownState
from .service import HealthChecker

SERVICE_NAME = "bazi-master-backend"
PROBE_PATHS = ("/live", "/api/live", "/health", "/api/health", "/api/ready")

Endpoint = Callable[[Request], Awaitable[JSONResponse]]

router = APIRouter(tags=["health"])


def _probe(path: str, *, documented: bool = True) -> Callable[[Endpoint], Endpoint]:
    """Route GET and HEAD of ``path`` to the endpoint.

    Load balancers and ``curl -I`` probe with HEAD, and the server sends no body
    then. Two routes instead of one with both methods give each its own OpenAPI
    operation id.
    """

    def register(endpoint: Endpoint) -> Endpoint:
        router.get(path, include_in_schema=documented)(endpoint)
        router.head(path, include_in_schema=documented)(endpoint)
        return endpoint

    return register


def _timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _uptime(request: Request) -> float:
    started_at: float = request.app.state.started_at
    return round(time.monotonic() - started_at, 3)


def _no_store(content: dict[str, Any], status: int) -> JSONResponse:
    return JSONResponse(content, status, headers={"cache-control": "no-store"})


@_probe("/live")
@_probe("/api/live", documented=False)
async def live(request: Request) -> JSONResponse:
    """Report that the process is up, without checking any dependency."""
    body = {
        "service": SERVICE_NAME,
        "status": "alive",
        "timestamp": _timestamp(),
        "uptime": _uptime(request),
    }
    return _no_store(body, 200)


@_probe("/health")
@_probe("/api/health")
async def health(request: Request) -> JSONResponse:
    """Check the database and Redis: 200 ``ok``, else 503 ``degraded`` or
    ``shutting_down``."""
    return await _report(request, healthy="ok", unhealthy="degraded")


@_probe("/api/ready")
async def ready(request: Request) -> JSONResponse:
    """Report whether to route traffic here: 200 ``ready``, 503 ``not_ready`` or
    ``shutting_down``."""
    return await _report(request, healthy="ready", unhealthy="not_ready")


async def _report(request: Request, *, healthy: str, unhealthy: str) -> JSONResponse:
    checker: HealthChecker = request.app.state.health
    shutdown: ShutdownState = request.app.state.shutdown
    checks = await checker.check()

    ok = all(check["ok"] for check in checks.values())
    status = healthy if ok else unhealthy
    if shutdown.draining:
        status = "shutting_down"
    body = {
        "service": SERVICE_NAME,
        "status": status,
        "checks": checks,
        "timestamp": _timestamp(),
        "uptime": _uptime(request),
    }
    return _no_store(body, 200 if status == healthy else 503)
