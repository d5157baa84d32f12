"""Database URLs, migrations on SQLite and PostgreSQL, and the schema checks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from bazi_master.service import Settings
from bazi_master.service.core.db import (
    SchemaOutOfDateError,
    alembic_config,
    check_schema,
    create_engine,
    current_revision,
    database_url,
    head_revision,
    migrate,
)
from bazi_master.service.models import metadata

from .conftest import SettingsFactory


def test_database_url_defaults_to_sqlite_file(settings_for: SettingsFactory) -> None:
    settings = settings_for()

    url = database_url(settings)

    assert url.startswith("sqlite+aiosqlite:///")
    assert url.endswith("/data/bazi-master.sqlite3")


@pytest.mark.parametrize(
    "given",
    ["postgresql://u:p@db:5432/app", "postgres://u:p@db:5432/app"],
)
def test_database_url_uses_psycopg_driver(
    settings_for: SettingsFactory, given: str
) -> None:
    settings = settings_for(DATABASE_URL=given)

    assert database_url(settings) == "postgresql+psycopg://u:p@db:5432/app"


def test_migration_chain_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())

    heads = script.get_heads()
    revisions = list(script.walk_revisions())

    assert len(heads) == 1
    assert head_revision() == heads[0]
    for revision in revisions:
        number = revision.revision.split("_", 1)[0]
        assert len(number) == 4, revision.revision
        assert number.isdigit(), revision.revision


async def test_sqlite_migrates_then_checks(embedded_settings: Settings) -> None:
    engine = create_engine(embedded_settings)

    with pytest.raises(SchemaOutOfDateError, match="run `bazi-master migrate`"):
        await check_schema(engine)
    before, after = await migrate(engine)
    again = await migrate(engine)

    assert before is None
    assert after == head_revision()
    assert again == (after, after)
    assert await check_schema(engine) == after
    await engine.dispose()


async def test_sqlite_file_created_in_data_dir(embedded_settings: Settings) -> None:
    engine = create_engine(embedded_settings)
    await migrate(engine)
    await engine.dispose()

    assert (embedded_settings.DATA_DIR / "bazi-master.sqlite3").is_file()


async def test_postgres_concurrent_migrations_apply_once(
    settings_for: SettingsFactory, postgres_database_factory: Callable[[], str]
) -> None:
    settings = settings_for(DATABASE_URL=postgres_database_factory())
    engines = [create_engine(settings) for _ in range(3)]

    results = await asyncio.gather(*(migrate(engine) for engine in engines))

    head = head_revision()
    applied = [result for result in results if result[0] is None]
    assert len(applied) == 1
    assert all(result[1] == head for result in results)
    async with engines[0].connect() as connection:
        rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
        assert rows.scalars().all() == [head]
    for engine in engines:
        await engine.dispose()


async def test_postgres_empty_database_out_of_date(
    settings_for: SettingsFactory, postgres_database_factory: Callable[[], str]
) -> None:
    engine = create_engine(settings_for(DATABASE_URL=postgres_database_factory()))

    assert await current_revision(engine) is None
    with pytest.raises(SchemaOutOfDateError, match="none \\(empty database\\)"):
        await check_schema(engine)
    await engine.dispose()


def _schema_differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": True}
    )
    differences: list[object] = compare_metadata(context, metadata)
    return differences


async def test_schema_matches_models(backend_settings: Settings) -> None:
    engine = create_engine(backend_settings)
    await migrate(engine)

    async with engine.connect() as connection:
        differences = await connection.run_sync(_schema_differences)
    await engine.dispose()

    assert differences == []
