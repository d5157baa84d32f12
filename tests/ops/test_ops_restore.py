"""scripts/restore-db.sh: round trips and the files it must reject untouched."""

from __future__ import annotations

import gzip
import os
import pty
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from ops_support import (
    backup_files,
    connect,
    databases_like,
    fake_docker_env,
    fill,
    migrate,
    run_script,
    script_env,
    server_url,
    snapshot,
)


def take_backup(database: str, backup_dir: Path, env: dict[str, str]) -> Path:
    result = run_script("backup-db.sh", env=env)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


def change_data(database: str, *, migrated: bool = False) -> None:
    with connect(database) as conn:
        if migrated:
            conn.execute(
                "UPDATE users SET display_name = NULL WHERE email_key < 'user2'"
            )
            conn.execute("DELETE FROM users WHERE email_key LIKE '%3@%'")
        conn.execute("UPDATE ops_users SET display_name = 'changed' WHERE id % 3 = 0")
        conn.execute("DELETE FROM ops_users WHERE id % 5 = 0")
        conn.execute("INSERT INTO ops_users (email) VALUES ('late@example.org')")
        conn.execute("UPDATE alembic_version SET version_num = version_num || 'x'")
        conn.execute("CREATE TABLE added_after_backup (id int)")


def assert_round_trip(database: str, backup_dir: Path, env: dict[str, str]) -> None:
    """Back up, change and delete data, restore, and compare with the backup state."""
    migrate(database)
    fill(database, migrated=True)
    before = snapshot(database)
    assert before["public.users"][0] == 40
    dump = take_backup(database, backup_dir, env)
    change_data(database, migrated=True)
    assert snapshot(database) != before

    with connect(database) as idle_session:
        result = run_script("restore-db.sh", str(dump), "--yes", env=env)
        assert result.returncode == 0, result.stderr
        with pytest.raises(psycopg.OperationalError):
            idle_session.execute("SELECT 1")

    assert snapshot(database) == before
    assert databases_like(database) == [database]
    safety = sorted(backup_dir.glob(f"pre-restore_{database}_*.dump"))
    assert len(safety) == 1
    assert "to undo this restore: " in result.stderr
    assert str(safety[0]) in result.stderr


def test_round_trip_restores_rows(database: str, backup_dir: Path) -> None:
    env = script_env(database, backup_dir)
    assert_round_trip(database, backup_dir, env)


def test_round_trip_in_container(
    database: str, backup_dir: Path, tmp_path: Path
) -> None:
    env = fake_docker_env(database, backup_dir, tmp_path)
    assert_round_trip(database, backup_dir, env)
    calls = (tmp_path / "docker-calls.log").read_text().splitlines()
    assert any(" pg_restore " in f" {call} " for call in calls)


def test_safety_dump_undoes_restore(database: str, backup_dir: Path) -> None:
    env = script_env(database, backup_dir)
    fill(database)
    dump = take_backup(database, backup_dir, env)
    change_data(database)
    changed = snapshot(database)
    assert run_script("restore-db.sh", str(dump), "--yes", env=env).returncode == 0

    (safety,) = backup_dir.glob("pre-restore_*.dump")
    result = run_script("restore-db.sh", str(safety), "--yes", env=env)
    assert result.returncode == 0, result.stderr
    assert snapshot(database) == changed


def test_plain_sql_gz_restores(database: str, backup_dir: Path) -> None:
    fill(database)
    before = snapshot(database)
    backup_dir.mkdir()
    plain = backup_dir / "manual.sql.gz"
    dump = subprocess.run(
        ["pg_dump", "--no-owner", "--no-privileges", server_url(database)],
        capture_output=True,
        check=True,
    )
    plain.write_bytes(gzip.compress(dump.stdout))
    change_data(database)

    env = script_env(database, backup_dir)
    result = run_script("restore-db.sh", str(plain), "--yes", env=env)
    assert result.returncode == 0, result.stderr
    assert snapshot(database) == before


def assert_untouched(
    database: str, backup_dir: Path, before: dict[str, tuple[int, str]]
) -> None:
    assert snapshot(database) == before
    assert databases_like(database) == [database]
    assert not list(backup_dir.glob("pre-restore_*"))


@pytest.fixture
def backed_up(database: str, backup_dir: Path) -> tuple[Path, dict[str, str]]:
    """A filled database, a backup of it, and the environment to reach it."""
    fill(database)
    env = script_env(database, backup_dir)
    return take_backup(database, backup_dir, env), env


def test_truncated_archive_rejected(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    dump, env = backed_up
    before = snapshot(database)
    damaged = backup_dir / "bazi_master_truncated.dump"
    damaged.write_bytes(dump.read_bytes()[: dump.stat().st_size * 3 // 10])
    digest = subprocess.run(
        ["sha256sum", damaged.name],
        cwd=backup_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    (backup_dir / f"{damaged.name}.sha256").write_text(digest.stdout)

    result = run_script("restore-db.sh", str(damaged), "--yes", env=env)
    assert result.returncode == 1
    assert "is not a readable pg_dump archive" in result.stderr
    assert_untouched(database, backup_dir, before)


def test_wrong_checksum_rejected(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    dump, env = backed_up
    before = snapshot(database)
    sums = Path(f"{dump}.sha256")
    sums.write_text("0" * 64 + f"  {dump.name}\n")

    result = run_script("restore-db.sh", str(dump), "--yes", env=env)
    assert result.returncode == 1
    assert f"checksum mismatch for {dump}" in result.stderr
    assert_untouched(database, backup_dir, before)


def test_missing_checksum_file_rejected(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    dump, env = backed_up
    before = snapshot(database)
    Path(f"{dump}.sha256").unlink()
    result = run_script("restore-db.sh", str(dump), "--yes", env=env)
    assert result.returncode == 1
    assert "checksum file" in result.stderr
    assert "not found" in result.stderr
    assert_untouched(database, backup_dir, before)


def test_missing_file_rejected(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    _, env = backed_up
    before = snapshot(database)
    missing = backup_dir / "bazi_master_20990101T000000Z.dump"
    result = run_script("restore-db.sh", str(missing), "--yes", env=env)
    assert result.returncode == 1
    assert f"backup file {missing} not found" in result.stderr
    assert_untouched(database, backup_dir, before)


def test_gzipped_custom_archive_rejected(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    dump, env = backed_up
    before = snapshot(database)
    wrapped = backup_dir / "bazi_master_old.sql.gz"
    wrapped.write_bytes(gzip.compress(dump.read_bytes()))
    result = run_script("restore-db.sh", str(wrapped), "--yes", env=env)
    assert result.returncode == 1
    assert "custom-format archive that was gzipped again" in result.stderr
    assert_untouched(database, backup_dir, before)


def test_failing_sql_keeps_live_database(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    _, env = backed_up
    before = snapshot(database)
    broken = backup_dir / "broken.sql.gz"
    broken.write_bytes(
        gzip.compress(b"CREATE TABLE t (id int);\nINSERT INTO t VALUES ('x');\n")
    )
    result = run_script("restore-db.sh", str(broken), "--yes", env=env)
    assert result.returncode == 1
    assert "the restore into" in result.stderr
    assert f"the live database {database} was not changed" in result.stderr
    assert snapshot(database) == before
    assert databases_like(database) == [database]


def test_restore_without_tty_needs_yes(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    dump, env = backed_up
    before = snapshot(database)
    result = run_script("restore-db.sh", str(dump), env=env)
    assert result.returncode == 1
    assert "rerun with --yes" in result.stderr
    assert_untouched(database, backup_dir, before)


def test_typed_wrong_name_aborts(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    dump, env = backed_up
    before = snapshot(database)
    leader, follower = pty.openpty()
    try:
        os.write(leader, b"bazi_master\n")
        result = run_script("restore-db.sh", str(dump), env=env, stdin=follower)
    finally:
        os.close(leader)
        os.close(follower)
    assert result.returncode == 1
    assert f"typed 'bazi_master', not '{database}'" in result.stderr
    assert_untouched(database, backup_dir, before)


def test_typed_name_confirms(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    dump, env = backed_up
    before = snapshot(database)
    change_data(database)
    leader, follower = pty.openpty()
    try:
        os.write(leader, database.encode() + b"\n")
        result = run_script("restore-db.sh", str(dump), env=env, stdin=follower)
    finally:
        os.close(leader)
        os.close(follower)
    assert result.returncode == 0, result.stderr
    assert snapshot(database) == before


def test_dry_run_changes_nothing(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    dump, env = backed_up
    change_data(database)
    before = snapshot(database)
    result = run_script("restore-db.sh", str(dump), "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert "Restore plan" in result.stdout
    assert f"{database} through DATABASE_URL" in result.stdout
    assert "revision 0001_ops_test" in result.stdout
    assert_untouched(database, backup_dir, before)


def test_min_expected_tables_enforced(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    dump, env = backed_up
    before = snapshot(database)
    env["MIN_EXPECTED_TABLES"] = "50"
    result = run_script("restore-db.sh", str(dump), "--yes", env=env)
    assert result.returncode == 1
    assert "contains 4 tables, fewer than MIN_EXPECTED_TABLES=50" in result.stderr
    assert_untouched(database, backup_dir, before)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "missing the backup file"),
        (["a.dump", "b.dump"], "more than one file given"),
        (["a.dump", "--force"], "unknown option '--force'"),
    ],
)
def test_restore_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_script("restore-db.sh", *args, env=script_env(None, tmp_path))
    assert result.returncode == 2
    assert message in result.stderr


def test_unsupported_extension_rejected(tmp_path: Path) -> None:
    plain = tmp_path / "backup.sql"
    shutil.copyfile(__file__, plain)
    result = run_script(
        "restore-db.sh", str(plain), "--yes", env=script_env(None, tmp_path)
    )
    assert result.returncode == 1
    assert "unsupported backup file" in result.stderr
    assert backup_files(tmp_path) == ["backup.sql"]


def test_dump_with_create_rejected(
    database: str, backup_dir: Path, backed_up: tuple[Path, dict[str, str]]
) -> None:
    _, env = backed_up
    before = snapshot(database)
    dump = subprocess.run(
        ["pg_dump", "--create", server_url(database)], capture_output=True, check=True
    )
    plain = backup_dir / "with_create.sql.gz"
    plain.write_bytes(gzip.compress(dump.stdout))
    result = run_script("restore-db.sh", str(plain), "--yes", env=env)
    assert result.returncode == 1
    assert "connects to or creates a database itself" in result.stderr
    assert_untouched(database, backup_dir, before)
