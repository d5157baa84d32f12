"""scripts/backup-db.sh against a scratch database on the local PostgreSQL server."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg
from ops_support import (
    SCRIPTS,
    backup_files,
    connect,
    fake_docker_env,
    fill,
    run_script,
    script_env,
    server_url,
)

DAY = 86400.0


def make_old_set(directory: Path, name: str, age_days: float) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{name}{suffix}" for suffix in ("", ".sha256", ".meta.json")]
    stamp = time.time() - age_days * DAY
    for path in paths:
        path.write_text("old\n")
        os.utime(path, (stamp, stamp))
    return paths


def wait_for_blocked_pg_dump(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Wait until a pg_dump session waits on a lock in the test database."""
    for _ in range(200):
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = 'pg_dump' AND wait_event_type = 'Lock'"
        ).fetchone()
        if row and row[0]:
            return
        time.sleep(0.05)
    raise AssertionError("pg_dump never started waiting for the table lock")


def test_backup_writes_verified_set(database: str, backup_dir: Path) -> None:
    fill(database)
    result = run_script("backup-db.sh", env=script_env(database, backup_dir))
    assert result.returncode == 0, result.stderr

    dump = Path(result.stdout.strip())
    assert dump.parent == backup_dir
    assert dump.name.startswith("bazi_master_")
    assert dump.name.endswith("Z.dump")
    assert backup_files(backup_dir) == [
        dump.name,
        dump.name + ".meta.json",
        dump.name + ".sha256",
    ]
    data = dump.read_bytes()
    assert data[:5] == b"PGDMP", "not a custom-format archive"
    digest = hashlib.sha256(data).hexdigest()
    assert (
        backup_dir / f"{dump.name}.sha256"
    ).read_text() == f"{digest}  {dump.name}\n"

    meta = json.loads((backup_dir / f"{dump.name}.meta.json").read_text())
    assert meta["file"] == dump.name
    assert meta["database"] == database
    assert meta["size_bytes"] == len(data)
    assert meta["sha256"] == digest
    assert meta["schema_revision"] == "0001_ops_test"
    assert meta["format"] == "custom"
    assert meta["pg_dump_version"].startswith("pg_dump (PostgreSQL)")
    assert meta["server_version"]
    assert 0 < meta["duration_seconds"] < 60
    check = subprocess.run(["sha256sum", "-c", dump.name + ".sha256"], cwd=backup_dir)
    assert check.returncode == 0


def test_backup_without_alembic_table(database: str, backup_dir: Path) -> None:
    with connect(database) as conn:
        conn.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
    result = run_script("backup-db.sh", env=script_env(database, backup_dir))
    assert result.returncode == 0, result.stderr
    meta_path = Path(result.stdout.strip() + ".meta.json")
    assert json.loads(meta_path.read_text())["schema_revision"] is None


def test_backup_through_libpq_variables(database: str, backup_dir: Path) -> None:
    fill(database, users=3)
    url = psycopg.conninfo.conninfo_to_dict(server_url(database))
    env = script_env(None, backup_dir, PGHOST=str(url["host"]), PGDATABASE=database)
    env["PGPORT"] = str(url.get("port", 5432))
    env["PGUSER"] = str(url.get("user", "postgres"))
    result = run_script("backup-db.sh", env=env)
    assert result.returncode == 0, result.stderr
    meta = json.loads(Path(result.stdout.strip() + ".meta.json").read_text())
    assert meta["database"] == database
    assert meta["source"].startswith("libpq variables")


def test_backup_in_container_without_tty(
    database: str, backup_dir: Path, tmp_path: Path
) -> None:
    fill(database, users=3)
    env = fake_docker_env(database, backup_dir, tmp_path)
    result = run_script("backup-db.sh", env=env)
    assert result.returncode == 0, result.stderr
    meta = json.loads(Path(result.stdout.strip() + ".meta.json").read_text())
    assert meta["database"] == database
    assert meta["source"] == "container bazi_postgres as postgres"
    calls = (tmp_path / "docker-calls.log").read_text().splitlines()
    assert any(" pg_dump " in f" {call} " for call in calls)
    assert all(call.startswith("exec -i bazi_postgres ") for call in calls)


def test_backup_fails_cleanly_without_container(
    database: str, backup_dir: Path
) -> None:
    env = script_env(None, backup_dir, CONTAINER_NAME="bazi_ops_no_such_container")
    result = run_script("backup-db.sh", env=env)
    assert result.returncode == 1
    assert "error:" in result.stderr
    assert backup_files(backup_dir) == []


def test_backup_unknown_database_leaves_nothing(
    database: str, backup_dir: Path
) -> None:
    result = run_script(
        "backup-db.sh", env=script_env(database + "_missing", backup_dir)
    )
    assert result.returncode == 1
    assert "cannot connect to the database" in result.stderr
    assert "no backup was written" in result.stderr
    assert backup_files(backup_dir) == []


def test_backup_rejects_non_postgres_url(backup_dir: Path) -> None:
    env = script_env(None, backup_dir, DATABASE_URL="sqlite:///data/bazi.db")
    result = run_script("backup-db.sh", env=env)
    assert result.returncode == 1
    assert "scheme 'sqlite'" in result.stderr


def test_backup_rejects_bad_retention(database: str, backup_dir: Path) -> None:
    env = script_env(database, backup_dir, RETENTION_DAYS="seven")
    result = run_script("backup-db.sh", env=env)
    assert result.returncode == 1
    assert "invalid RETENTION_DAYS 'seven'" in result.stderr


def test_backup_rejects_arguments(backup_dir: Path) -> None:
    result = run_script("backup-db.sh", "--now", env=script_env(None, backup_dir))
    assert result.returncode == 2
    assert "unexpected argument '--now'" in result.stderr


def test_retention_prunes_only_old_sets(database: str, backup_dir: Path) -> None:
    fill(database, users=3)
    old = make_old_set(backup_dir, "bazi_master_20200101T000000Z.dump", 8)
    recent = make_old_set(backup_dir, "bazi_master_20200102T000000Z.dump", 6)
    safety = make_old_set(backup_dir, "pre-restore_bazi_master_20200101.dump", 30)
    notes = backup_dir / "notes.txt"
    notes.write_text("keep\n")
    os.utime(notes, (time.time() - 30 * DAY,) * 2)

    env = script_env(database, backup_dir, RETENTION_DAYS="7")
    result = run_script("backup-db.sh", env=env)
    assert result.returncode == 0, result.stderr

    assert not any(path.exists() for path in old)
    assert all(path.exists() for path in recent)
    assert all(path.exists() for path in safety)
    assert notes.exists()
    assert Path(result.stdout.strip()).exists()
    assert result.stderr.count("retention: deleted") == 3


def test_retention_waits_for_success(database: str, backup_dir: Path) -> None:
    old = make_old_set(backup_dir, "bazi_master_20200101T000000Z.dump", 8)
    env = script_env(database + "_missing", backup_dir, RETENTION_DAYS="7")
    result = run_script("backup-db.sh", env=env)
    assert result.returncode == 1
    assert all(path.exists() for path in old)
    assert backup_files(backup_dir) == sorted(path.name for path in old)


def test_retention_zero_keeps_everything(database: str, backup_dir: Path) -> None:
    fill(database, users=3)
    old = make_old_set(backup_dir, "bazi_master_20200101T000000Z.dump", 400)
    env = script_env(database, backup_dir, RETENTION_DAYS="0")
    result = run_script("backup-db.sh", env=env)
    assert result.returncode == 0, result.stderr
    assert all(path.exists() for path in old)


def test_second_backup_refused_by_lock(database: str, backup_dir: Path) -> None:
    fill(database, users=3)
    env = script_env(database, backup_dir)
    with connect(database) as conn:
        conn.autocommit = False
        conn.execute("LOCK TABLE ops_users IN ACCESS EXCLUSIVE MODE")
        first = subprocess.Popen(
            [str(SCRIPTS / "backup-db.sh")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with connect(database) as watcher:
            wait_for_blocked_pg_dump(watcher)
        second = run_script("backup-db.sh", env=env)
        conn.rollback()
    _, err = first.communicate(timeout=60)

    assert second.returncode == 75
    assert "another backup or restore holds" in second.stderr
    assert first.returncode == 0, err
    assert (
        len([name for name in backup_files(backup_dir) if name.endswith(".dump")]) == 1
    )


def test_interrupted_backup_leaves_nothing(database: str, backup_dir: Path) -> None:
    fill(database, users=3)
    with connect(database) as conn:
        conn.autocommit = False
        conn.execute("LOCK TABLE ops_users IN ACCESS EXCLUSIVE MODE")
        proc = subprocess.Popen(
            [str(SCRIPTS / "backup-db.sh")],
            env=script_env(database, backup_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        with connect(database) as watcher:
            wait_for_blocked_pg_dump(watcher)
        assert any(name.endswith(".partial") for name in backup_files(backup_dir))
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=30)
        conn.rollback()

    assert proc.returncode != 0
    assert backup_files(backup_dir) == []


def test_backup_help_lists_variables() -> None:
    result = run_script("backup-db.sh", "--help", env={"PATH": os.environ["PATH"]})
    assert result.returncode == 0
    for name in ("BACKUP_DIR", "RETENTION_DAYS", "CONTAINER_NAME", "DATABASE_URL"):
        assert name in result.stdout
