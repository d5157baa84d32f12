"""The commands of docs/RUNBOOK.md, run as written where this machine allows.

No Docker engine runs here, so ``docker`` is the stand-in ``fake-docker``: it runs
``docker exec`` and ``docker compose exec -T postgres`` commands on this host against a
scratch database, prints a recorded log for ``compose logs``, and only records other
compose commands. Commands that need a real engine are listed in ``COVERAGE`` as
``ENGINE``; the compose file they act on is validated in test_ops_deploy_files.py.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from ops_support import (
    BAZI_MASTER,
    REPO,
    connect,
    fake_crontab_env,
    fake_docker_env,
    fill,
    migrate,
    run_script,
    server_url,
    snapshot,
)

RUNBOOK = REPO / "docs" / "RUNBOOK.md"
COMPOSE = "docker compose -f docker-compose.prod.yml"
ENGINE = "needs a Docker engine"

# Every command of the runbook, as a regular expression, and the test that runs it.
COVERAGE: list[tuple[str, str]] = [
    (r"cp \.env\.production\.example \.env\.production", "test_env_file_copy"),
    (rf"{COMPOSE} up -d --build", ENGINE),
    (rf"{COMPOSE} up -d --build backend", ENGINE),
    (
        r"curl -i http://localhost:4000/(live|health|api/health|api/ready)",
        "test_health_commands",
    ),
    (rf"{COMPOSE} logs -f backend", "test_log_commands"),
    (rf"{COMPOSE} logs --no-log-prefix backend \| .*", "test_log_commands"),
    (r"BACKUP_DIR=\./backups \./scripts/backup-db\.sh", "test_backup_commands"),
    (r"cd backups && sha256sum -c .*", "test_backup_commands"),
    (rf"{COMPOSE} exec -T postgres pg_dump .* \| gzip > .*", "test_manual_plain_dump"),
    (r"\./scripts/install-cron\.sh.*", "test_cron_installer_commands"),
    (r"30 2 \* \* \* .*", "test_cron_line_runs"),
    (rf"{COMPOSE} (stop|start) backend", ENGINE),
    (r"\./scripts/restore-db\.sh .*", "test_restore_commands"),
    (rf"\./scripts/backup-db\.sh && {COMPOSE} up -d --build", "test_deploy_chain"),
    (rf"{COMPOSE} run --rm migrate( bazi-master migrate --check)?", ENGINE),
    (rf"{COMPOSE} ps (redis|postgres)", ENGINE),
    (rf"{COMPOSE} exec -T redis .*", ENGINE),
    (r"docker exec -i bazi_postgres psql -U postgres -c .*", "test_psql_checks"),
]


def runbook_commands() -> list[str]:
    commands = []
    text = RUNBOOK.read_text()
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def commands_for(test_name: str) -> list[str]:
    patterns = [
        pattern for pattern, exercised_by in COVERAGE if exercised_by == test_name
    ]
    found = [
        command
        for command in runbook_commands()
        if any(re.fullmatch(pattern, command) for pattern in patterns)
    ]
    assert found, f"no runbook command for {test_name}"
    return found


def run_bash(
    command: str, cwd: Path, env: dict[str, str], **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory laid out like the repository root for the runbook's commands."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("scripts", "docker-compose.prod.yml", ".env.production.example"):
        (root / name).symlink_to(REPO / name)
    return root


def test_every_command_is_covered() -> None:
    commands = runbook_commands()
    assert len(commands) > 20
    for command in commands:
        matches = [
            exercised_by
            for pattern, exercised_by in COVERAGE
            if re.fullmatch(pattern, command)
        ]
        assert len(matches) == 1, f"runbook command not covered once: {command}"
    for pattern, exercised_by in COVERAGE:
        assert any(re.fullmatch(pattern, c) for c in commands), f"stale: {pattern}"
        assert exercised_by == ENGINE or exercised_by in globals(), exercised_by


def test_env_file_copy(workdir: Path) -> None:
    (command,) = commands_for("test_env_file_copy")
    result = run_bash(command, workdir, {"PATH": os.environ["PATH"]})
    assert result.returncode == 0, result.stderr
    copied = (workdir / ".env.production").read_text()
    assert copied == (REPO / ".env.production.example").read_text()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_service(database: str, log_path: Path, **env: str) -> Iterator[int]:
    """Run ``bazi-master serve`` on a migrated database; yield its port."""
    port = free_port()
    full_env = {"PATH": os.environ["PATH"], "DATABASE_URL": server_url(database)}
    full_env.update(env)
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            [str(BAZI_MASTER), "serve", "--port", str(port)],
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_live(port, proc)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def wait_until_live(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(150):
        assert proc.poll() is None, "bazi-master serve exited during start-up"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/live", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("bazi-master serve never answered /live")


def test_health_commands(database: str, tmp_path: Path) -> None:
    migrate(database)
    expected = {
        "live": "alive",
        "health": "ok",
        "api/health": "ok",
        "api/ready": "ready",
    }
    commands = commands_for("test_health_commands")
    assert len(commands) == len(expected)
    with running_service(database, tmp_path / "service.log") as port:
        for command in commands:
            path = command.split("localhost:4000/", 1)[1]
            local = command.replace("localhost:4000", f"127.0.0.1:{port}")
            result = run_bash(local, tmp_path, {"PATH": os.environ["PATH"]})
            assert result.returncode == 0, result.stderr
            head, body = result.stdout.split("\n\n", 1)
            assert head.startswith("HTTP/1.1 200"), head
            assert json.loads(body)["status"] == expected[path], body


def record_backend_log(database: str, tmp_path: Path) -> Path:
    """Log of a backend whose Redis is down, plus a fatal line from a bad start."""
    migrate(database)
    log_path = tmp_path / "backend.log"
    redis_down = f"redis://127.0.0.1:{free_port()}/0"
    with running_service(database, log_path, REDIS_URL=redis_down) as port:
        url = f"http://127.0.0.1:{port}/api/ready"
        with pytest.raises(urllib.error.HTTPError) as failure:
            urllib.request.urlopen(url, timeout=5)
        assert failure.value.code == 503
        assert json.loads(failure.value.read())["status"] == "not_ready"
    fatal = subprocess.run(
        [str(BAZI_MASTER), "serve", "--port", "1"],
        env={"PATH": os.environ["PATH"], "APP_ENV": "production"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert fatal.returncode == 1
    with log_path.open("a") as log_file:
        log_file.write(fatal.stdout + fatal.stderr)
    return log_path


def test_log_commands(database: str, workdir: Path, tmp_path: Path) -> None:
    env = fake_docker_env(database, tmp_path / "backups", tmp_path)
    env["FAKE_DOCKER_BACKEND_LOG"] = str(record_backend_log(database, tmp_path))
    follow, pretty, errors, event = (
        run_bash(command, workdir, env) for command in commands_for("test_log_commands")
    )
    for result in (follow, pretty, errors, event):
        assert result.returncode == 0, result.stderr

    assert '"event": "server.starting"' in follow.stdout
    assert '    "event": "http.request",' in pretty.stdout
    assert '"level": "fatal"' in errors.stdout
    assert all('"level": "' in line for line in errors.stdout.splitlines())
    assert '"level": "info"' not in errors.stdout
    assert '"dependency": "redis"' in event.stdout
    assert len(event.stdout.splitlines()) == 1


def test_backup_commands(database: str, workdir: Path, tmp_path: Path) -> None:
    fill(database, users=5)
    env = fake_docker_env(database, workdir / "backups", tmp_path)
    backup, check = commands_for("test_backup_commands")
    result = run_bash(backup, workdir, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("./backups/bazi_master_")
    verified = run_bash(check, workdir, env)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.endswith(": OK\n")


def test_manual_plain_dump(database: str, workdir: Path, tmp_path: Path) -> None:
    fill(database, users=5)
    before = snapshot(database)
    (workdir / "backups").mkdir()
    env = fake_docker_env(database, workdir / "backups", tmp_path)
    (command,) = commands_for("test_manual_plain_dump")
    # The scratch database replaces bazi_master, which the shared server may not have.
    result = run_bash(command.replace(" bazi_master ", f" {database} "), workdir, env)
    assert result.returncode == 0, result.stderr
    (dump,) = (workdir / "backups").glob("manual_*.sql.gz")

    with connect(database) as conn:
        conn.execute("DELETE FROM ops_favourites")
    restored = run_script("restore-db.sh", str(dump), "--yes", env=env)
    assert restored.returncode == 0, restored.stderr
    assert snapshot(database) == before


def cron_env(tmp_path: Path) -> dict[str, str]:
    env = fake_crontab_env(tmp_path / "crontab.txt")
    env["PATH"] = os.environ["PATH"]
    return env


def test_cron_installer_commands(workdir: Path, tmp_path: Path) -> None:
    env = cron_env(tmp_path)
    crontab = tmp_path / "crontab.txt"
    dry_run, install, uninstall = commands_for("test_cron_installer_commands")

    result = run_bash(dry_run, workdir, env)
    assert result.returncode == 0, result.stderr
    assert "30 2 * * * BACKUP_DIR=" in result.stdout
    assert not crontab.exists()
    result = run_bash(install, workdir, env)
    assert result.returncode == 0, result.stderr
    assert "30 2 * * * BACKUP_DIR=" in crontab.read_text()
    result = run_bash(uninstall, workdir, env)
    assert result.returncode == 0, result.stderr
    assert "backup-db.sh" not in crontab.read_text()


def test_cron_line_runs(database: str, tmp_path: Path) -> None:
    """Run the runbook's crontab line in an environment as bare as cron's."""
    fill(database, users=5)
    (line,) = commands_for("test_cron_line_runs")
    schedule, command = " ".join(line.split()[:5]), line.split(maxsplit=5)[5]
    checked = run_script(
        "install-cron.sh", "--dry-run", "--schedule", schedule, env=cron_env(tmp_path)
    )
    assert checked.returncode == 0, checked.stderr

    backups, log = tmp_path / "bazi", tmp_path / "bazi-backup.log"
    command = command.replace("/path/to/repo", str(REPO))
    command = command.replace("/var/backups/bazi", str(backups))
    command = command.replace("/var/log/bazi-backup.log", str(log))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHELL": "/bin/sh"}
    env["PGDATABASE"] = database
    env.update(libpq_variables(database))
    result = subprocess.run(
        ["/bin/sh", "-c", command], cwd=tmp_path, env=env, check=False
    )
    assert result.returncode == 0, log.read_text()
    assert len(list(backups.glob("bazi_master_*.dump"))) == 1
    assert "wrote" in log.read_text()


def libpq_variables(database: str) -> dict[str, str]:
    info = psycopg.conninfo.conninfo_to_dict(server_url(database))
    return {
        "PGHOST": str(info["host"]),
        "PGPORT": str(info.get("port", 5432)),
        "PGUSER": str(info.get("user", "postgres")),
    }


def test_restore_commands(database: str, workdir: Path, tmp_path: Path) -> None:
    fill(database, users=5)
    before = snapshot(database)
    env = fake_docker_env(database, workdir / "backups", tmp_path)
    backup_result = run_bash("./scripts/backup-db.sh", workdir, env)
    assert backup_result.returncode == 0, backup_result.stderr
    dry_run, confirm, undo = commands_for("test_restore_commands")
    placeholder = re.search(r"backups/\S+\.dump", dry_run)
    assert placeholder is not None
    shutil.copyfile(
        workdir / backup_result.stdout.strip(), workdir / placeholder.group()
    )
    shutil.copyfile(
        workdir / (backup_result.stdout.strip() + ".sha256"),
        workdir / (placeholder.group() + ".sha256"),
    )
    with connect(database) as conn:
        conn.execute("DELETE FROM ops_records WHERE id % 2 = 1")

    result = run_bash(dry_run, workdir, env)
    assert result.returncode == 0, result.stderr
    assert "Restore plan" in result.stdout

    leader, follower = pty.openpty()
    try:
        os.write(leader, database.encode() + b"\n")
        result = run_bash(confirm, workdir, env, stdin=follower)
    finally:
        os.close(leader)
        os.close(follower)
    assert result.returncode == 0, result.stderr
    assert snapshot(database) == before

    (safety,) = (workdir / "backups").glob("pre-restore_*.dump")
    undo_local = re.sub(
        r"backups/pre-restore_\S+\.dump", f"backups/{safety.name}", undo
    )
    result = run_bash(undo_local, workdir, env)
    assert result.returncode == 0, result.stderr
    assert snapshot(database) != before


def test_deploy_chain(database: str, workdir: Path, tmp_path: Path) -> None:
    """The deploy starts only after a successful backup."""
    fill(database, users=5)
    (command,) = commands_for("test_deploy_chain")
    env = fake_docker_env(database, workdir / "backups", tmp_path)
    calls = tmp_path / "docker-calls.log"

    failing = dict(env, CONTAINER_NAME="bazi_ops_missing")
    assert run_bash(command, workdir, failing).returncode == 1
    assert "compose" not in calls.read_text()
    result = run_bash(command, workdir, env)
    assert result.returncode == 0, result.stderr
    assert calls.read_text().splitlines()[-1] == (
        "compose -f docker-compose.prod.yml up -d --build"
    )


def test_psql_checks(database: str, workdir: Path, tmp_path: Path) -> None:
    env = fake_docker_env(database, workdir / "backups", tmp_path)
    env["FAKE_DOCKER_PGDATABASE"] = database
    for command in commands_for("test_psql_checks"):
        result = run_bash(command, workdir, env)
        assert result.returncode == 0, f"{command}: {result.stderr}"
        assert "(1 row)" in result.stdout


def test_logged_events_exist() -> None:
    """Each log event the runbook names is logged somewhere in the service."""
    events = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", RUNBOOK.read_text()))
    assert "health.dependency_failed" in events
    sources = "".join(
        path.read_text() for path in (REPO / "src" / "bazi_master").rglob("*.py")
    )
    for event in sorted(events):
        assert f'"{event}"' in sources, f"runbook names unknown event {event}"
