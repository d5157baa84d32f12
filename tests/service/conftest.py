"""Fixtures for service tests: settings, real PostgreSQL and Redis, an HTTP client.

PostgreSQL and Redis are the servers named by ``TEST_DATABASE_URL`` and
``TEST_REDIS_URL``. Unreachable servers skip the tests that need them, except under
``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
from sqlalchemy.engine import make_url

from bazi_master.service import Settings, create_app
from bazi_master.service.core.db import create_engine, migrate

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bazi_master_test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
IN_CI = os.environ.get("CI", "").lower() == "true"

SettingsFactory = Callable[..., Settings]


def unavailable(reason: str) -> None:
    """Skip the test, or fail it under CI where every service must be up."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true requires it)")
    pytest.skip(reason)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def settings_for(tmp_path: Path) -> SettingsFactory:
    """Build test settings: no .env file, a temporary data folder, high limits."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "APP_ENV": "test",
            "DATA_DIR": tmp_path / "data",
            "RATE_LIMIT_MAX": 10_000,
            "RATE_LIMIT_COMPUTE_MAX": 10_000,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return build


@pytest.fixture
def embedded_settings(settings_for: SettingsFactory) -> Settings:
    """SQLite in the test's folder and the in-process store."""
    return settings_for()


# --- PostgreSQL ------------------------------------------------------------------


def _admin_conninfo(url: str) -> str:
    """A libpq connection string for the server's ``postgres`` database."""
    parsed = make_url(url).set(drivername="postgresql", database="postgres")
    return parsed.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """Return ``TEST_DATABASE_URL`` after checking that the server accepts a login."""
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    try:
        psycopg.connect(_admin_conninfo(url), connect_timeout=3).close()
    except psycopg.Error as exc:
        unavailable(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}")
    return url


@pytest.fixture(scope="session")
def postgres_database_factory(
    postgres_server_url: str,
) -> Iterator[Callable[[], str]]:
    """Create fresh databases named ``bazi_master_test_<random>``; drop them at exit."""
    admin = _admin_conninfo(postgres_server_url)
    created: list[str] = []

    def create() -> str:
        name = f"bazi_master_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return (
            make_url(postgres_server_url)
            .set(database=name)
            .render_as_string(hide_password=False)
        )

    yield create
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in created:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url(postgres_database_factory: Callable[[], str]) -> str:
    """One database for the session, migrated to head by the first client."""
    return postgres_database_factory()


# --- Redis -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Return ``TEST_REDIS_URL`` after checking that the server replies to PING."""
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at TEST_REDIS_URL is unreachable: {exc}")
    finally:
        client.close()
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix unique to the test; its keys are deleted afterwards."""
    prefix = f"bazi-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def shared_settings(
    settings_for: SettingsFactory, postgres_url: str, redis_url: str, redis_prefix: str
) -> Settings:
    """The test PostgreSQL database and Redis under the test's own prefix."""
    return settings_for(
        DATABASE_URL=postgres_url, REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix
    )


@pytest.fixture(params=["embedded", "shared"])
def backend_settings(request: pytest.FixtureRequest) -> Settings:
    """Each test runs twice: SQLite with the in-process store, PostgreSQL with Redis."""
    name = "embedded_settings" if request.param == "embedded" else "shared_settings"
    settings: Settings = request.getfixturevalue(name)
    return settings


# --- The app ---------------------------------------------------------------------


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Migrate, start the app, and yield a client that calls it in-process."""
    engine = create_engine(settings)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        yield client


# --- Private redis-server for fault tests ------------------------------------------


class PrivateRedis:
    """A redis-server on a free loopback port, owned by the test."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The URL clients use."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it replies to PING."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, start_new_session=True
        )
        client = redis.Redis(port=self.port, socket_timeout=0.5)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError(f"private redis-server on port {self.port} did not start")

    def stop(self) -> None:
        """Kill the server process and wait for it."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): it accepts connections but never answers."""
        assert self.process
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a frozen server run again (SIGCONT)."""
        assert self.process
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A running private redis-server; stopped after the test."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()  # SIGKILL also ends a paused server
