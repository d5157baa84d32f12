"""Fixtures of the operations tests: one scratch database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from ops_support import connect, create_database, drop_database


@pytest.fixture(scope="session")
def server_available() -> None:
    try:
        with connect("postgres"):
            pass
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL for the operations tests is unreachable: {error}")


@pytest.fixture
def database(server_available: None) -> Iterator[str]:
    """An empty database named bazi_ops_test_<random>, dropped with its leftovers."""
    name = create_database()
    yield name
    drop_database(name)


@pytest.fixture
def backup_dir(tmp_path: Path) -> Path:
    return tmp_path / "backups"
