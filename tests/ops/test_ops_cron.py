"""scripts/install-cron.sh with a stand-in crontab command.

The machine's own crontab is never read or written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ops_support import REPO, fake_crontab_env, run_script

BEGIN = "# BEGIN bazi-master backup (managed by scripts/install-cron.sh)"
END = "# END bazi-master backup"
OTHER_LINES = "MAILTO=ops@example.org\n0 * * * * /usr/bin/true\n"


@pytest.fixture
def crontab(tmp_path: Path) -> Path:
    """The file that the stand-in crontab command reads and writes."""
    return tmp_path / "crontab.txt"


def cron_env(crontab: Path, **extra: str) -> dict[str, str]:
    return {**fake_crontab_env(crontab), **extra}


def entry_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(BEGIN)
    return lines[start : lines.index(END) + 1]


def test_install_into_empty_crontab(crontab: Path) -> None:
    env = cron_env(crontab, BACKUP_DIR="/srv/bazi/backups", RETENTION_DAYS="30")
    result = run_script("install-cron.sh", env=env)
    assert result.returncode == 0, result.stderr
    lines = entry_lines(crontab.read_text())
    assert len(lines) == 3
    assert lines[1] == (
        f"30 2 * * * BACKUP_DIR='/srv/bazi/backups' RETENTION_DAYS='30'"
        f" '{REPO}/scripts/backup-db.sh' >> '/srv/bazi/backups/backup.log' 2>&1"
    )


def test_install_is_idempotent(crontab: Path) -> None:
    crontab.write_text(OTHER_LINES)
    env = cron_env(crontab)
    assert run_script("install-cron.sh", env=env).returncode == 0
    first = crontab.read_text()
    assert run_script("install-cron.sh", env=env).returncode == 0
    assert crontab.read_text() == first
    assert first.startswith(OTHER_LINES)
    assert first.count(BEGIN) == 1


def test_new_schedule_replaces_entry(crontab: Path) -> None:
    crontab.write_text(OTHER_LINES)
    env = cron_env(crontab)
    assert run_script("install-cron.sh", env=env).returncode == 0
    result = run_script("install-cron.sh", "--schedule", "15 4 * * MON-FRI", env=env)
    assert result.returncode == 0, result.stderr
    text = crontab.read_text()
    assert text.count(BEGIN) == 1
    assert entry_lines(text)[1].startswith("15 4 * * MON-FRI ")
    assert text.startswith(OTHER_LINES)


def test_schedule_from_environment(crontab: Path) -> None:
    env = cron_env(crontab, BACKUP_CRON_SCHEDULE="0 3 * * *")
    assert run_script("install-cron.sh", env=env).returncode == 0
    assert entry_lines(crontab.read_text())[1].startswith("0 3 * * * ")


def test_uninstall_keeps_other_lines(crontab: Path) -> None:
    crontab.write_text(OTHER_LINES)
    env = cron_env(crontab)
    assert run_script("install-cron.sh", env=env).returncode == 0
    result = run_script("install-cron.sh", "--uninstall", env=env)
    assert result.returncode == 0, result.stderr
    assert crontab.read_text() == OTHER_LINES


def test_dry_run_writes_nothing(crontab: Path) -> None:
    crontab.write_text(OTHER_LINES)
    env = cron_env(crontab)
    result = run_script("install-cron.sh", "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert crontab.read_text() == OTHER_LINES
    assert result.stdout.startswith(OTHER_LINES)
    assert BEGIN in result.stdout


def test_relative_backup_dir_made_absolute(crontab: Path, tmp_path: Path) -> None:
    env = cron_env(crontab, BACKUP_DIR="backups")
    result = run_script("install-cron.sh", "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    line = entry_lines(result.stdout)[1]
    assert "BACKUP_DIR='/" in line


def test_quotes_in_paths_survive(crontab: Path) -> None:
    env = cron_env(crontab, BACKUP_DIR="/srv/it's here")
    result = run_script("install-cron.sh", "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert "BACKUP_DIR='/srv/it'\\''s here'" in result.stdout


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("* * *", "expected 5 fields"),
        ("@daily", "expected 5 fields"),
        ("0 0 * * * *", "expected 5 fields"),
        ("60 2 * * *", "invalid minute '60'"),
        ("0 24 * * *", "invalid hour '24'"),
        ("0 0 0 * *", "invalid day of month '0'"),
        ("0 0 32 * *", "invalid day of month '32'"),
        ("0 0 * 13 *", "invalid month '13'"),
        ("0 0 * FOO *", "invalid month 'FOO'"),
        ("0 0 * * 8", "invalid weekday '8'"),
        ("*/0 * * * *", "invalid minute '*/0'"),
        ("1,,2 * * * *", "invalid minute '1,,2'"),
        ("1-2-3 * * * *", "invalid minute '1-2-3'"),
        ("a * * * *", "invalid minute 'a'"),
    ],
)
def test_invalid_schedule_rejected(schedule: str, message: str, crontab: Path) -> None:
    crontab.write_text(OTHER_LINES)
    result = run_script(
        "install-cron.sh", "--schedule", schedule, env=cron_env(crontab)
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert crontab.read_text() == OTHER_LINES


@pytest.mark.parametrize(
    "schedule",
    ["30 2 * * *", "*/15 * * * *", "0 1-5/2 1,15 JAN-MAR sun", "59 23 31 12 7"],
)
def test_valid_schedule_accepted(schedule: str, crontab: Path) -> None:
    result = run_script(
        "install-cron.sh", "--dry-run", "--schedule", schedule, env=cron_env(crontab)
    )
    assert result.returncode == 0, result.stderr
    assert entry_lines(result.stdout)[1].startswith(schedule + " ")


def test_missing_crontab_command(crontab: Path) -> None:
    env = cron_env(crontab, CRONTAB_CMD="/nonexistent/crontab")
    result = run_script("install-cron.sh", env=env)
    assert result.returncode == 1
    assert "/nonexistent/crontab not found" in result.stderr


def test_dry_run_without_crontab_command(crontab: Path) -> None:
    env = cron_env(crontab, CRONTAB_CMD="/nonexistent/crontab")
    result = run_script("install-cron.sh", "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(BEGIN)
    assert len(entry_lines(result.stdout)) == 3
    assert "/nonexistent/crontab not found" in result.stderr
    assert not crontab.exists()


def test_dry_uninstall_without_crontab_command(crontab: Path) -> None:
    env = cron_env(crontab, CRONTAB_CMD="/nonexistent/crontab")
    result = run_script("install-cron.sh", "--dry-run", "--uninstall", env=env)
    assert result.returncode == 0, result.stderr
    assert BEGIN not in result.stdout
    assert "/nonexistent/crontab not found" in result.stderr


def test_bad_retention_rejected(crontab: Path) -> None:
    result = run_script("install-cron.sh", env=cron_env(crontab, RETENTION_DAYS="-1"))
    assert result.returncode == 2
    assert "invalid RETENTION_DAYS '-1'" in result.stderr
    assert not crontab.exists()


def test_schedule_option_needs_value(crontab: Path) -> None:
    result = run_script("install-cron.sh", "--schedule", env=cron_env(crontab))
    assert result.returncode == 2
    assert "--schedule needs a value" in result.stderr
