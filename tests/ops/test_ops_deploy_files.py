"""docker-compose.prod.yml, Dockerfile, .dockerignore, .env.production.example and the
shell scripts, checked by parsing because no Docker engine runs here.

compose-spec.json is the Compose Specification's JSON schema as vendored by the PyPI
package check-jsonschema 0.39.0 (``check_jsonschema/builtin_schemas/vendor``), under the
Apache License 2.0 in LICENSE.compose-spec. Its SHA-256 is pinned below.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from ops_support import REPO, SCRIPTS

HERE = Path(__file__).parent
SCHEMA_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"
COMPOSE_FILE = REPO / "docker-compose.prod.yml"
ENV_EXAMPLE = REPO / ".env.production.example"
# Variables read by the compose services' images, not by the backend's settings.
CONTAINER_VARIABLES = {
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "REDIS_PASSWORD",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    raw = (HERE / "compose-spec.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256
    schema = json.loads(raw)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def seconds(duration: str) -> float:
    """Parse a Compose duration (``1m30s``) or an ISO 8601 one (``PT5S``)."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    text = duration.removeprefix("PT").lower()
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text)
    assert parts and "".join(n + u for n, u in parts) == text, duration
    return sum(float(number) * units[unit] for number, unit in parts)


def test_compose_matches_schema(
    compose: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    errors = [error.message for error in validator.iter_errors(compose)]
    assert errors == []


def test_schema_rejects_broken_compose(
    compose: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["backend"]["stop_grace_period"] = ["30s"]
    broken["services"]["redis"]["helthcheck"] = {}
    messages = " | ".join(error.message for error in validator.iter_errors(broken))
    assert "'helthcheck' was unexpected" in messages
    assert "['30s'] is not of type 'string'" in messages


def test_compose_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "redis", "migrate", "backend"}
    assert set(compose["volumes"]) == {"postgres_data", "redis_data"}
    for name, service in compose["services"].items():
        assert service["env_file"] == ".env.production", name


def test_postgres_service(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["container_name"] == "bazi_postgres"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "postgres_data:/var/lib/postgresql/data" in postgres["volumes"]
    assert "ports" not in postgres


def test_redis_service(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    command = " ".join(redis["command"])
    assert '--requirepass "$${REDIS_PASSWORD}"' in command
    assert "--appendonly yes" in command
    assert "redis_data:/data" in redis["volumes"]
    check = " ".join(redis["healthcheck"]["test"])
    assert "REDISCLI_AUTH=" in check
    assert "ping" in check


def test_migrate_runs_once(compose: dict[str, Any]) -> None:
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["bazi-master", "migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["build"]["dockerfile"] == "Dockerfile"


def test_backend_service(compose: dict[str, Any]) -> None:
    backend = compose["services"]["backend"]
    assert (
        REPO / backend["build"]["context"] / backend["build"]["dockerfile"]
    ).is_file()
    assert "/api/ready" in " ".join(backend["healthcheck"]["test"])
    assert backend["environment"]["RUN_MIGRATIONS_ON_START"] == "false"
    assert backend["deploy"]["resources"]["limits"]["memory"]
    conditions = {name: dep["condition"] for name, dep in backend["depends_on"].items()}
    assert conditions == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    assert backend["ports"] == [
        "${BACKEND_BIND_ADDR:-127.0.0.1}:${BACKEND_PORT:-4000}:4000"
    ]


def test_grace_period_covers_drain(compose: dict[str, Any]) -> None:
    grace = seconds(compose["services"]["backend"]["stop_grace_period"])
    env = env_example()
    drain = seconds(env["SHUTDOWN_DRAIN"])
    timeout = seconds(env["SHUTDOWN_TIMEOUT"])
    assert drain == 5
    assert grace > drain + timeout


def test_compose_variables_have_defaults() -> None:
    """``docker compose`` needs no variables beyond .env.production to start."""
    text = COMPOSE_FILE.read_text()
    references = re.findall(r"(?<!\$)\$\{([^}]*)\}", text)
    assert references
    for reference in references:
        assert ":-" in reference, f"${{{reference}}} has no default"


def test_env_example_names_known_settings() -> None:
    from bazi_master.service.core.settings import Settings

    names = set(env_example())
    unknown = names - set(Settings.model_fields) - CONTAINER_VARIABLES
    assert unknown == set()


def test_env_example_passwords_agree() -> None:
    env = env_example()
    assert f":{env['POSTGRES_PASSWORD']}@postgres:5432/" in env["DATABASE_URL"]
    assert env["DATABASE_URL"].endswith("/" + env["POSTGRES_DB"])
    assert env["REDIS_URL"].startswith(f"redis://:{env['REDIS_PASSWORD']}@redis:6379/")
    assert env["RUN_MIGRATIONS_ON_START"] == "false"


def test_env_example_secrets_rejected_in_production() -> None:
    """Copied without edits, the example must not pass the production checks."""
    from bazi_master.service.core.settings import Settings

    env = {k: v for k, v in env_example().items() if k not in CONTAINER_VARIABLES}
    problems = Settings(_env_file=None, **env).production_errors()
    for name in ("SECRET_KEY", "METRICS_TOKEN", "DOCS_PASSWORD"):
        assert any(problem.startswith(name) for problem in problems), problems


def dockerfile_instructions() -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs with continuation lines joined."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), " ".join(rest.split())))
    return pairs


def test_dockerfile_is_multi_stage() -> None:
    instructions = dockerfile_instructions()
    stages = [args for keyword, args in instructions if keyword == "FROM"]
    assert len(stages) >= 2
    assert all(re.fullmatch(r"\S+ AS \w+", stage) for stage in stages)
    build_stage = stages[0].split()[-1]
    copies = [args for keyword, args in instructions if keyword == "COPY"]
    assert any(args.startswith(f"--from={build_stage} ") for args in copies)


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(
        i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"
    )
    return instructions[last_from:]


def test_dockerfile_runs_unprivileged() -> None:
    users = [args for keyword, args in final_stage() if keyword == "USER"]
    assert users
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    created = " ".join(args for keyword, args in final_stage() if keyword == "RUN")
    assert (
        f"useradd --system --uid 10001 --gid bazi --home-dir /app --create-home {user}"
        in created
    )


def test_dockerfile_health_and_command() -> None:
    stage = dict(final_stage())
    assert "/live" in stage["HEALTHCHECK"]
    assert json.loads(stage["CMD"]) == ["bazi-master", "serve"]
    health_cmd = json.loads(stage["HEALTHCHECK"].split(" CMD ", 1)[1])
    assert health_cmd[0] == "python"
    assert stage["EXPOSE"] == "4000"


def test_dockerfile_healthcheck_code_runs() -> None:
    """The health check's Python line compiles, so a typo cannot fail every probe."""
    stage = dict(final_stage())
    code = json.loads(stage["HEALTHCHECK"].split(" CMD ", 1)[1])[2]
    compile(code, "HEALTHCHECK", "exec")


def test_build_context_has_copied_files() -> None:
    """Every COPY source exists and is not excluded by .dockerignore."""
    ignored = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for keyword, args in dockerfile_instructions():
        if keyword != "COPY" or args.startswith("--from="):
            continue
        for source in shlex.split(args)[:-1]:
            assert (REPO / source).exists(), source
            assert not is_ignored(source, ignored), f"{source} is in .dockerignore"
    for private in (".env", ".env.production", ".git", ".venv", "backups"):
        assert is_ignored(private, ignored), f"{private} reaches the build context"


def is_ignored(path: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)


def test_scripts_pass_shellcheck() -> None:
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (Debian: apt-get install shellcheck)")
    files = [*SCRIPTS.glob("*.sh"), SCRIPTS / "lib" / "common.sh", HERE / "fake-docker"]
    result = subprocess.run(
        ["shellcheck", "-x", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_scripts_are_executable() -> None:
    for script in SCRIPTS.glob("*.sh"):
        assert script.stat().st_mode & 0o111, f"{script} is not executable"


def test_compose_references_resolve(compose: dict[str, Any]) -> None:
    """Checks the schema cannot express: dependencies and named volumes exist."""
    services = compose["services"]
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], dependency
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in compose["volumes"], f"{name} mounts undeclared {source}"
