"""Property-based requests to the accounts routes, generated from their OpenAPI.

Every generated request must get a documented status and never a 500. The provider
redirect routes are left out because they call the providers.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bazi_master.service import Settings, create_app
from bazi_master.service.core.db import create_engine, migrate
from bazi_master.service.core.settings import Environment

# schemathesis needs the app at import time; the fixture below migrates its database.
DATA_DIR = Path(tempfile.mkdtemp(prefix="bazi-accounts-fuzz-"))
SETTINGS = Settings(
    _env_file=None,
    APP_ENV=Environment.TEST,
    DATA_DIR=DATA_DIR,
    RATE_LIMIT_ENABLED=False,
    ARGON2_TIME_COST=1,
    ARGON2_MEMORY_KIB=1024,
    ARGON2_PARALLELISM=1,
)
schema = (
    schemathesis.openapi.from_asgi("/openapi.json", create_app(SETTINGS))
    .include(path_regex="^/api/(auth|user|admin)/")
    .exclude(path_regex="google|wechat")
)


async def _migrate() -> None:
    engine = create_engine(SETTINGS)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", autouse=True)
def migrated_database() -> Iterator[None]:
    """Migrate the SQLite file of the fuzzed app; delete its folder afterwards."""
    asyncio.run(_migrate())
    yield
    shutil.rmtree(DATA_DIR, ignore_errors=True)


@schema.parametrize()
@hypothesis.settings(max_examples=30, deadline=None)
def test_accounts_conform_to_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
