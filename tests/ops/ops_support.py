"""Helpers for the operations tests: scratch databases and scripts run as subprocesses.

The databases live on the PostgreSQL server of ``TEST_DATABASE_URL`` (by default the
local one on 127.0.0.1:5432). Every database created here starts with ``DB_PREFIX``, and
only such databases are ever dropped, because the server is shared.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
DB_PREFIX = "bazi_ops_test_"
FAKE_DOCKER = Path(__file__).with_name("fake-docker")
DEFAULT_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bazi_master_test"

# Tables shaped like the product's accounts and saved charts, with a foreign key, text
# with quotes and non-ASCII characters, JSON and NULLs. The ops_ prefix keeps them apart
# from the tables of `bazi-master migrate`, which the round trip also compares.
# TODO: fill the migrated account and saved-chart tables instead once they are final.
SCHEMA_SQL = """
CREATE TABLE ops_users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    display_name text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ops_records (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES ops_users (id) ON DELETE CASCADE,
    birth_local timestamp NOT NULL,
    place text NOT NULL,
    chart jsonb NOT NULL
);
CREATE TABLE ops_favourites (
    user_id bigint NOT NULL REFERENCES ops_users (id) ON DELETE CASCADE,
    record_id bigint NOT NULL REFERENCES ops_records (id) ON DELETE CASCADE,
    note text,
    PRIMARY KEY (user_id, record_id)
);
"""
# A stand-in for the revision table of `bazi-master migrate`, for tests that need no
# real migration (each run of the command costs about a second and a half).
ALEMBIC_SQL = """
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('0001_ops_test');
"""
# The command installed beside the Python that runs the tests.
BAZI_MASTER = Path(sys.executable).with_name("bazi-master")

FILL_SQL = """
INSERT INTO ops_users (email, display_name)
SELECT 'user' || g || '@example.org',
       CASE WHEN g % 7 = 0 THEN NULL ELSE '用户 ' || g || ' O''Neil' END
FROM generate_series(1, {users}) AS g;
INSERT INTO ops_records (user_id, birth_local, place, chart)
SELECT u.id, timestamp '1990-01-01' + (u.id * 3 + r) * interval '17 hours',
       '北京 Beijing', jsonb_build_object('day', '甲子', 'n', u.id * 10 + r)
FROM ops_users AS u CROSS JOIN generate_series(1, 3) AS r;
INSERT INTO ops_favourites (user_id, record_id, note)
SELECT user_id, id, 'note ' || id FROM ops_records WHERE id % 2 = 0;
"""


def server_url(database: str) -> str:
    """Return a libpq URL for ``database`` on the test server."""
    url = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_SERVER_URL))
    url = url.set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def connect(database: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(server_url(database), autocommit=True)


def create_database() -> str:
    name = DB_PREFIX + secrets.token_hex(4)
    with connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    """Drop ``name`` and the databases a restore of it may have left (``name_*``)."""
    assert name.startswith(DB_PREFIX), name
    with connect("postgres") as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
            (name, name + "\\_%"),
        ).fetchall()
        for (leftover,) in rows:
            conn.execute(f'DROP DATABASE IF EXISTS "{leftover}" WITH (FORCE)')


def databases_like(name: str) -> list[str]:
    with connect("postgres") as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1",
            (name + "%",),
        ).fetchall()
    return [str(row[0]) for row in rows]


# Rows for the account tables that `bazi-master migrate` creates (users, user_settings).
MIGRATED_FILL_SQL = """
INSERT INTO users (id, email, email_key, display_name, password_hash, created_at,
                   updated_at)
SELECT md5('user' || g)::uuid, 'User' || g || '@Example.org',
       'user' || g || '@example.org',
       '命主 ' || g, CASE WHEN g % 4 = 0 THEN NULL ELSE '$argon2id$stand-in' END,
       timestamptz '2026-01-01 00:00:00+00' + g * interval '1 hour',
       timestamptz '2026-02-01 00:00:00+00' + g * interval '1 hour'
FROM generate_series(1, {users}) AS g;
INSERT INTO user_settings (user_id, locale, preferences, updated_at)
SELECT id, CASE WHEN email_key LIKE '%1@%' THEN 'en' ELSE 'zh' END,
       '{{"theme": "dark"}}', updated_at
FROM users;
"""


def migrate(database: str) -> None:
    """Run ``bazi-master migrate`` on ``database``."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    env["DATABASE_URL"] = server_url(database)
    subprocess.run(
        [str(BAZI_MASTER), "migrate"], env=env, check=True, capture_output=True
    )


def fill(database: str, users: int = 40, *, migrated: bool = False) -> None:
    """Create and fill the test tables; ``migrated`` means Alembic's table exists."""
    with connect(database) as conn:
        if migrated:
            conn.execute(MIGRATED_FILL_SQL.format(users=int(users)).encode())
        else:
            conn.execute(ALEMBIC_SQL.encode())
        conn.execute(SCHEMA_SQL.encode())
        conn.execute(FILL_SQL.format(users=int(users)).encode())


def snapshot(database: str) -> dict[str, tuple[int, str]]:
    """Map every table to its row count and an MD5 over its rows in sorted order."""
    with connect(database) as conn:
        tables = [
            str(row[0])
            for row in conn.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename)"
                " FROM pg_tables"
                " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                " ORDER BY 1"
            )
        ]
        result = {}
        for table in tables:
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|'"
                f" ORDER BY t::text), '')) FROM {table} AS t"
            ).fetchone()
            assert row is not None
            result[table] = (int(row[0]), str(row[1]))
    return result


def script_env(database: str | None, backup_dir: Path, **extra: str) -> dict[str, str]:
    """Build a clean environment: no inherited PG* or DATABASE_URL variables."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "BACKUP_DIR": str(backup_dir),
    }
    if database is not None:
        env["DATABASE_URL"] = server_url(database).replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    env.update(extra)
    return env


def run_script(
    name: str,
    *args: str,
    env: Mapping[str, str],
    stdin: int | None = subprocess.DEVNULL,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPTS / name), *args],
        env=dict(env),
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def backup_files(directory: Path) -> list[str]:
    """List the files in a backup directory, without the lock file."""
    if not directory.exists():
        return []
    return sorted(p.name for p in directory.iterdir() if p.name != ".backup.lock")


def fake_docker_env(database: str, backup_dir: Path, tmp_path: Path) -> dict[str, str]:
    """Put a stand-in docker first on PATH: this machine runs no Docker engine."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "docker").symlink_to(FAKE_DOCKER)
    info = psycopg.conninfo.conninfo_to_dict(server_url(database))
    env = script_env(None, backup_dir, DB_NAME=database)
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    env["FAKE_DOCKER_CONTAINER"] = "bazi_postgres"
    env["FAKE_DOCKER_PGHOST"] = str(info["host"])
    env["FAKE_DOCKER_PGPORT"] = str(info.get("port", 5432))
    env["FAKE_DOCKER_LOG"] = str(tmp_path / "docker-calls.log")
    return env


def fake_crontab_env(crontab: Path) -> dict[str, str]:
    """Point CRONTAB_CMD at a stand-in that keeps the crontab in the file ``crontab``.

    ``-l`` prints the file (or fails like crontab for a user without one) and ``-``
    replaces it with standard input.
    """
    fake = crontab.with_name("fake-crontab")
    fake.write_text(
        "#!/bin/sh\n"
        f'file="{crontab}"\n'
        'case "$1" in\n'
        '  -l) [ -f "$file" ] && exec cat "$file"\n'
        '      echo "no crontab for test" >&2; exit 1 ;;\n'
        '  -) exec cat > "$file" ;;\n'
        '  *) echo "unsupported: $*" >&2; exit 2 ;;\n'
        "esac\n"
    )
    fake.chmod(0o755)
    return {"PATH": "/usr/bin:/bin", "CRONTAB_CMD": str(fake)}
