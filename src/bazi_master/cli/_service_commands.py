"""``bazi-master serve`` and ``bazi-master migrate``.

Start-up order of ``serve``: settings (production checks), database (migrate, or check
the schema revision), Redis in production, then uvicorn. A failure at any step writes
one ``fatal`` log line and exits with status 1.
"""

from __future__ import annotations

import asyncio
from typing import Any, NoReturn

import click
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from ..service.core.db import SchemaOutOfDateError, check_schema, create_engine, migrate
from ..service.core.lifecycle import serve as run_server
from ..service.core.logging import configure_logging, get_logger
from ..service.core.settings import LogFormat, Settings
from ..service.core.store import StoreError, create_store

__all__ = ["register_service_commands"]

log = get_logger("bazi_master.cli")


def register_service_commands(group: click.Group) -> None:
    """Add ``serve`` and ``migrate`` to the ``bazi-master`` command group."""
    group.add_command(serve)
    group.add_command(migrate_command)


def _fatal(event: str, **fields: Any) -> NoReturn:
    log.critical(event, **fields)
    raise SystemExit(1)


def _load_settings(**overrides: Any) -> Settings:
    """Read the settings; on invalid values log one fatal line and exit 1."""
    options = {key: value for key, value in overrides.items() if value is not None}
    try:
        settings = Settings(**options)
    except ValidationError as exc:
        configure_logging()
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        _fatal("config.invalid", errors=problems)
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    return settings


@click.command()
@click.option("--host", help="Address to listen on [default: BIND_HOST].")
@click.option(
    "--port", type=click.IntRange(1, 65535), help="TCP port [default: PORT, 4000]."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes [default: WORKERS, 1].",
)
@click.option(
    "--log-format",
    type=click.Choice([fmt.value for fmt in LogFormat]),
    help="json (one object per line) or console [default: LOG_FORMAT, json].",
)
def serve(
    host: str | None, port: int | None, workers: int | None, log_format: str | None
) -> None:
    """Serve the HTTP API until SIGTERM or SIGINT."""
    settings = _load_settings(
        BIND_HOST=host, PORT=port, WORKERS=workers, LOG_FORMAT=log_format
    )
    problems = settings.production_errors()
    if problems:
        _fatal("config.rejected_for_production", errors=problems)
    asyncio.run(_prepare(settings))
    run_server(settings)


async def _prepare(settings: Settings) -> None:
    """Bring the database to the expected revision, then check Redis if configured."""
    engine = create_engine(settings)
    try:
        await _prepare_database(settings, engine)
    finally:
        await engine.dispose()
    if settings.REDIS_URL:
        await _check_redis(settings)


async def _prepare_database(settings: Settings, engine: AsyncEngine) -> None:
    try:
        if settings.RUN_MIGRATIONS_ON_START:
            _, revision = await migrate(engine)
        else:
            revision = await check_schema(engine)
    except SchemaOutOfDateError as exc:
        _fatal("db.schema_out_of_date", error=str(exc))
    except (SQLAlchemyError, OSError) as exc:
        _fatal("db.connect_failed", error=str(exc), error_type=type(exc).__name__)
    log.info("db.connected", database=engine.dialect.name, revision=revision)


async def _check_redis(settings: Settings) -> None:
    """PING Redis: a failure is fatal in production, a warning elsewhere."""
    store = create_store(settings)
    try:
        await store.ping()
    except StoreError as exc:
        if settings.is_production:
            _fatal("redis.connect_failed", error=str(exc))
        log.warning("redis.connect_failed", error=str(exc))
        return
    finally:
        await store.close()
    log.info("redis.connected", key_prefix=settings.REDIS_KEY_PREFIX)


@click.command("migrate")
@click.option(
    "--check",
    is_flag=True,
    help="Only check: exit 1 when migrations are pending, without applying them.",
)
def migrate_command(check: bool) -> None:
    """Apply pending database migrations (or check for them)."""
    settings = _load_settings()
    asyncio.run(_migrate(settings, check=check))


async def _migrate(settings: Settings, *, check: bool) -> None:
    engine = create_engine(settings)
    try:
        if check:
            revision = await check_schema(engine)
            click.echo(f"database schema is up to date at revision {revision}")
        else:
            before, after = await migrate(engine)
            click.echo(_migrated_message(before, after))
    except SchemaOutOfDateError as exc:
        _fatal("db.schema_out_of_date", error=str(exc))
    except (SQLAlchemyError, OSError) as exc:
        _fatal("db.connect_failed", error=str(exc), error_type=type(exc).__name__)
    finally:
        await engine.dispose()


def _migrated_message(before: str | None, after: str) -> str:
    if before == after:
        return f"database schema already at revision {after}; nothing to apply"
    return f"database schema migrated from {before or 'empty'} to {after}"
