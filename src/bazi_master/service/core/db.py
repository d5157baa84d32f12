"""The database: async SQLAlchemy engine and sessions, and Alembic migrations.

PostgreSQL (psycopg 3) in production; a SQLite file under ``DATA_DIR`` (aiosqlite)
when ``DATABASE_URL`` is unset. Migrations live inside the package, so
``bazi-master migrate`` works from an installed wheel as well as from a checkout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import Request
from sqlalchemy import Connection, MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from .logging import get_logger
from .settings import Settings

log = get_logger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Key of the PostgreSQL advisory lock held while migrating: any constant signed bigint
# works, this one is the ASCII of "baziMigr".
MIGRATION_LOCK_KEY = 0x62617A694D696772
SQLITE_FILE_NAME = "bazi-master.sqlite3"

# Constraint names that Alembic can find again, which SQLite batch mode needs.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every table; domain packages subclass it in their ``models.py``."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SchemaOutOfDateError(RuntimeError):
    """The database schema is not at the revision this code expects."""


def database_url(settings: Settings) -> str:
    """Return the SQLAlchemy URL: ``DATABASE_URL`` with an async driver, or SQLite."""
    if not settings.DATABASE_URL:
        path = (settings.DATA_DIR / SQLITE_FILE_NAME).resolve()
        return f"sqlite+aiosqlite:///{path}"
    url = settings.DATABASE_URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def is_sqlite(url: str) -> bool:
    """Return whether ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the engine; for SQLite also the data folder and per-connection pragmas."""
    url = database_url(settings)
    if not is_sqlite(url):
        return create_async_engine(
            url,
            pool_pre_ping=True,
            pool_size=settings.DB_POOL_SIZE,
            max_overflow=settings.DB_MAX_OVERFLOW,
            connect_args={"connect_timeout": 5},
        )
    _make_sqlite_folder(url)
    engine = create_async_engine(url, connect_args={"timeout": 15})
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _make_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Enforce foreign keys and let readers run while one writer writes."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Create the session factory; loaded objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield one session per request (a FastAPI dependency), committed on return.

    An exception in the handler rolls the session back instead.
    """
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


def alembic_config() -> Config:
    """Build the Alembic configuration for the packaged scripts, without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """Return the newest revision of the migration chain; raise if it has branches."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise SchemaOutOfDateError(
            f"the migration chain has {len(heads)} heads {heads}; "
            "each new revision must follow the previous head"
        )
    return heads[0]


async def current_revision(engine: AsyncEngine) -> str | None:
    """Return the revision the database is at, or None for an empty database."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current_revision)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def migrate(engine: AsyncEngine) -> tuple[str | None, str]:
    """Upgrade the database to the head revision; return (revision before, after).

    On PostgreSQL the upgrade runs in one transaction that holds an advisory lock, so
    instances that start together migrate once: the others wait, then find nothing
    left to do. SQLite serialises writers by itself.
    """
    async with engine.connect() as connection:
        before, after = await connection.run_sync(_upgrade)
        await connection.commit()
    if before != after:
        log.info("db.migrated", revision_before=before, revision=after)
    return before, after


def _upgrade(connection: Connection) -> tuple[str | None, str]:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
        )
    before = _current_revision(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    after = _current_revision(connection)
    assert after is not None
    return before, after


async def check_schema(engine: AsyncEngine) -> str:
    """Return the current revision; raise ``SchemaOutOfDateError`` unless it is head."""
    current = await current_revision(engine)
    head = head_revision()
    if current != head:
        raise SchemaOutOfDateError(
            f"database schema is at revision {current or 'none (empty database)'} "
            f"but this release needs {head}; run `bazi-master migrate`"
        )
    return current
