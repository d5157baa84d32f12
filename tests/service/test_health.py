"""Probes: the runbook's JSON shape, failures, shared checks, and draining."""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from bazi_master.service import Settings, create_app

from .conftest import PrivateRedis, SettingsFactory, client_for

DEEP_PROBES = [("/health", "ok"), ("/api/health", "ok"), ("/api/ready", "ready")]


def _app(client: httpx.AsyncClient) -> FastAPI:
    app = client._transport.app  # type: ignore[attr-defined]
    assert isinstance(app, FastAPI)
    return app


async def test_live_shape(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.get("/live")

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"service", "status", "timestamp", "uptime"}
    assert body["service"] == "bazi-master-backend"
    assert body["status"] == "alive"
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None
    assert body["uptime"] >= 0


@pytest.mark.parametrize(("path", "status"), DEEP_PROBES)
async def test_healthy_shape_exact(
    shared_settings: Settings, path: str, status: str
) -> None:
    async with client_for(shared_settings) as client:
        response = await client.get(path)

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"service", "status", "checks", "timestamp", "uptime"}
    assert body["status"] == status
    assert body["checks"] == {"db": {"ok": True}, "redis": {"ok": True}}
    assert response.headers["cache-control"] == "no-store"


async def test_embedded_reports_single_instance(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.get("/health")

    redis_check = response.json()["checks"]["redis"]
    assert response.status_code == 200
    assert redis_check == {"ok": True, "status": "single_instance"}


async def test_redis_down_degrades(
    settings_for: SettingsFactory, private_redis: PrivateRedis
) -> None:
    settings = settings_for(REDIS_URL=private_redis.url)

    async with client_for(settings) as client:
        private_redis.stop()
        health = await client.get("/health")
        ready = await client.get("/api/ready")
        live = await client.get("/live")
        private_redis.start()
        recovered = await client.get("/health")

    assert health.status_code == 503
    assert health.json()["status"] == "degraded"
    assert health.json()["checks"]["db"] == {"ok": True}
    assert health.json()["checks"]["redis"]["ok"] is False
    assert "PING failed" in health.json()["checks"]["redis"]["error"]
    assert ready.status_code == 503
    assert ready.json()["status"] == "not_ready"
    assert live.status_code == 200
    assert recovered.status_code == 200


async def test_hung_redis_times_out_in_one_second(
    settings_for: SettingsFactory, private_redis: PrivateRedis
) -> None:
    settings = settings_for(REDIS_URL=private_redis.url, REDIS_SOCKET_TIMEOUT=5.0)

    async with client_for(settings) as client:
        private_redis.pause()
        started = asyncio.get_running_loop().time()
        response = await client.get("/health")
        elapsed = asyncio.get_running_loop().time() - started
        private_redis.resume()

    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["error"] == "PING timed out after 1.0 s"
    assert 0.9 < elapsed < 1.5


async def test_database_down_degrades(settings_for: SettingsFactory) -> None:
    settings = settings_for(
        DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/none"
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/health")

    db = response.json()["checks"]["db"]
    assert response.status_code == 503
    assert db["ok"] is False
    assert db["error"] == "connection failed (OperationalError)"


async def test_concurrent_probes_share_one_check(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        engine = _app(client).state.engine
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", record)
        answers = await asyncio.gather(*(client.get("/health") for _ in range(20)))
        event.remove(engine.sync_engine, "before_cursor_execute", record)

    assert {answer.status_code for answer in answers} == {200}
    assert statements.count("SELECT 1") == 1


async def test_draining_answers_shutting_down(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        _app(client).state.shutdown.begin(30)
        live = await client.get("/live")
        answers = {path: await client.get(path) for path, _ in DEEP_PROBES}
        chart = await client.post(
            "/api/bazi/calculate", json={"birth": "2000-01-01T00:00", "tz": "+08:00"}
        )
        metrics = await client.get("/metrics")

    assert live.status_code == 200
    assert live.json()["status"] == "alive"
    for path, answer in answers.items():
        assert answer.status_code == 503, path
        assert answer.json()["status"] == "shutting_down", path
    assert chart.status_code == 200
    assert "bazi_shutting_down 1.0" in metrics.text


async def test_hung_database_times_out(settings_for: SettingsFactory) -> None:
    # A listening socket that never replies: connections open, the handshake hangs.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        settings = settings_for(
            DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{port}/none"
        )
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t"
        ) as client:
            started = asyncio.get_running_loop().time()
            response = await client.get("/api/ready")
            elapsed = asyncio.get_running_loop().time() - started
        await app.state.engine.dispose()

    assert response.status_code == 503
    assert response.json()["checks"]["db"]["error"] == "SELECT 1 timed out after 1.5 s"
    assert 1.4 < elapsed < 2.0


@pytest.mark.parametrize("path", ["/live", "/health", "/api/health", "/api/ready"])
async def test_probe_accepts_head(embedded_settings: Settings, path: str) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.head(path)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"


async def test_probes_in_openapi(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        schema = (await client.get("/openapi.json")).json()

    for path in ("/live", "/health", "/api/health", "/api/ready"):
        assert "get" in schema["paths"][path], path
        assert "head" in schema["paths"][path], path
