"""``bazi-master serve`` and ``migrate`` as processes: start-up refusals, SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bazi_master.service import Settings
from bazi_master.service.core.db import head_revision
from bazi_master.service.records.batch import MAX_PROCESSES, PROCESS_THRESHOLD

from .conftest import free_port

COMMAND = [str(Path(sys.executable).with_name("bazi-master"))]
BODY = {"birth": "1990-05-12T10:30", "tz": "Asia/Shanghai"}


def _environment(tmp_path: Path, **values: str) -> dict[str, str]:
    """The test's environment without any service setting, plus ``values``."""
    names = set(Settings.model_fields)
    env = {key: value for key, value in os.environ.items() if key not in names}
    env.update({"DATA_DIR": str(tmp_path / "data"), "APP_ENV": "test"}, **values)
    return env


def _json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        env=_environment(tmp_path, **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refusal_one_fatal_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "serve", APP_ENV="production")

    lines = _json_lines(result.stdout)
    assert result.returncode == 1
    assert len(lines) == 1
    assert lines[0]["level"] == "fatal"
    assert lines[0]["event"] == "config.rejected_for_production"
    assert any("DATABASE_URL" in error for error in lines[0]["errors"])
    assert any("REDIS_URL" in error for error in lines[0]["errors"])
    assert any("SECRET_KEY is empty" in error for error in lines[0]["errors"])


def test_invalid_setting_one_fatal_line(tmp_path: Path) -> None:
    result = _run(tmp_path, "serve", PORT="not-a-port")

    lines = _json_lines(result.stdout)
    assert result.returncode == 1
    assert [line["event"] for line in lines] == ["config.invalid"]
    assert "PORT" in lines[0]["errors"][0]


def test_serve_refuses_unmigrated_schema(tmp_path: Path) -> None:
    result = _run(tmp_path, "serve", RUN_MIGRATIONS_ON_START="false")

    lines = _json_lines(result.stdout)
    assert result.returncode == 1
    assert lines[-1]["level"] == "fatal"
    assert lines[-1]["event"] == "db.schema_out_of_date"
    assert "bazi-master migrate" in lines[-1]["error"]


def test_serve_unreachable_database_fatal(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/none"

    result = _run(tmp_path, "serve", DATABASE_URL=url)

    lines = _json_lines(result.stdout)
    assert result.returncode == 1
    assert lines[-1]["event"] == "db.connect_failed"


def test_production_unreachable_redis_fatal(
    tmp_path: Path, postgres_database_factory: Callable[[], str]
) -> None:
    secret = "q7Vd-2xLp-9sKe-Rm4t-Wc8n-Jf3a-Hy6b"
    result = _run(
        tmp_path,
        "serve",
        APP_ENV="production",
        DATABASE_URL=postgres_database_factory(),
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        SECRET_KEY=secret,
        METRICS_TOKEN=secret + "m",
        DOCS_PASSWORD=secret + "d",
        FRONTEND_URL="https://bazi.example.org",
        PASSWORD_RESET_ENABLED="false",
    )

    lines = _json_lines(result.stdout)
    assert result.returncode == 1
    assert [line["event"] for line in lines][-2:] == [
        "db.connected",
        "redis.connect_failed",
    ]
    assert lines[-1]["level"] == "fatal"


def test_migrate_check_then_apply(tmp_path: Path) -> None:
    pending = _run(tmp_path, "migrate", "--check")
    applied = _run(tmp_path, "migrate")
    current = _run(tmp_path, "migrate", "--check")

    assert pending.returncode == 1
    assert _json_lines(pending.stdout)[-1]["event"] == "db.schema_out_of_date"
    assert applied.returncode == 0
    assert f"migrated from empty to {head_revision()}" in applied.stdout
    assert current.returncode == 0
    assert "up to date" in current.stdout


class Server:
    """``bazi-master serve`` on a free loopback port, with its output collected."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "server.log"
        environment = _environment(tmp_path, PORT=str(self.port), **env)
        self.process = subprocess.Popen(
            [*COMMAND, "serve", "--host", "127.0.0.1"],
            env=environment,
            cwd=tmp_path,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_live(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/live", timeout=0.5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"server did not start:\n{self.log_path.read_text()}")

    def events(self) -> list[str]:
        return [line["event"] for line in _json_lines(self.log_path.read_text())]

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Any]:
    servers: list[Server] = []

    def start(**env: str) -> Server:
        server = Server(tmp_path, **env)
        servers.append(server)
        server.wait_until_live()
        return server

    yield start
    for server in servers:
        server.kill()


async def _wait_exit(server: Server, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while server.process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    code = server.process.poll()
    assert code is not None, "server still running after SIGTERM"
    return code


async def test_sigterm_drains_then_exits_zero(server_factory: Any) -> None:
    server: Server = server_factory(SHUTDOWN_DRAIN="1.5")

    async with httpx.AsyncClient(base_url=server.url, timeout=5) as client:
        assert (await client.get("/api/ready")).status_code == 200
        server.process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.3)
        ready = await client.get("/api/ready")
        health = await client.get("/health")
        live = await client.get("/live")
        chart = await client.post("/api/bazi/calculate", json=BODY)
        code = await _wait_exit(server, timeout=10)

    assert ready.status_code == 503
    assert ready.json()["status"] == "shutting_down"
    assert health.json()["status"] == "shutting_down"
    assert live.status_code == 200
    assert chart.status_code == 200
    assert code == 0
    events = server.events()
    assert events.index("server.draining") < events.index("server.stopping")
    assert events[-2:] == ["app.stopped", "server.stopped"]


async def _slow_body(seconds: float) -> AsyncIterator[bytes]:
    text = json.dumps(BODY).encode()
    yield text[:10]
    await asyncio.sleep(seconds)
    yield text[10:]


async def test_inflight_request_finishes_after_sigterm(server_factory: Any) -> None:
    server: Server = server_factory(SHUTDOWN_DRAIN="0")

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        request = asyncio.create_task(
            client.post(
                "/api/bazi/calculate",
                content=_slow_body(1.0),
                headers={"content-type": "application/json"},
            )
        )
        await asyncio.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        response = await request
        code = await _wait_exit(server, timeout=10)

    assert response.status_code == 200
    assert response.json()["pillars"]["year"]["ganzhi"] == "庚午"
    assert code == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/live", timeout=1)


async def test_two_workers_stop_on_sigterm(server_factory: Any) -> None:
    server: Server = server_factory(SHUTDOWN_DRAIN="0.5", WORKERS="2")
    deadline = time.monotonic() + 30
    while server.events().count("app.started") < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)

    async with httpx.AsyncClient(base_url=server.url, timeout=5) as client:
        answers = [await client.get("/api/ready") for _ in range(4)]
        server.process.send_signal(signal.SIGTERM)
        code = await _wait_exit(server, timeout=15)

    assert {answer.status_code for answer in answers} == {200}
    assert code == 0
    events = server.events()
    assert events.count("app.started") == 2
    assert events.count("app.stopped") == 2
    assert events[-1] == "server.stopped"


def _running_in_group(pgid: int) -> list[int]:
    """Return the ids of processes in group ``pgid`` that still run (not zombies)."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while the loop ran
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            running.append(int(stat.parent.name))
    return running


@pytest.mark.skipif(MAX_PROCESSES < 2, reason="imports chart in processes on 2+ CPUs")
async def test_sigterm_stops_import_workers(server_factory: Any) -> None:
    server: Server = server_factory(SHUTDOWN_DRAIN="0")
    rows = [
        {"birth": f"{1900 + n % 200}-05-12T10:{n % 60:02d}", "tz": "+08:00"}
        for n in range(PROCESS_THRESHOLD)
    ]

    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        account = {"email": "import@example.com", "password": "long enough password"}
        registered = await client.post("/api/auth/register", json=account)
        headers = {"authorization": f"Bearer {registered.json()['token']}"}
        imported = await client.post(
            "/api/bazi/records/import", json=rows, headers=headers
        )
        server.process.send_signal(signal.SIGTERM)
        code = await _wait_exit(server, timeout=10)

    assert imported.status_code == 200, imported.text
    assert code == 0
    events = server.events()
    assert "records.import_pool_started" in events
    assert events.index("records.import_pool_stopped") < events.index("app.stopped")
    # The server ran in its own session, so its pool workers share its group id.
    # Its multiprocessing resource tracker may need a moment to see the exit.
    deadline = time.monotonic() + 5
    while _running_in_group(server.process.pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert _running_in_group(server.process.pid) == []
