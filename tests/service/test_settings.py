"""Settings: defaults, parsing and the production refusals."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from pydantic import ValidationError

from bazi_master.service import Settings

from .conftest import SettingsFactory

GOOD_SECRET = "k3J9-q8Zt-Lm2v-Xw7r-Pa5s-Nd4f-Hb6y"
PRODUCTION = {
    "APP_ENV": "production",
    "DATABASE_URL": "postgresql://app:pw@db:5432/bazi_master",
    "REDIS_URL": "redis://redis:6379/0",
    "SECRET_KEY": GOOD_SECRET,
    "METRICS_TOKEN": GOOD_SECRET + "m",
    "DOCS_PASSWORD": GOOD_SECRET + "d",
    # Settings of the accounts package that production also checks.
    "FRONTEND_URL": "https://bazi.example.org",
    "PASSWORD_RESET_ENABLED": False,
}


def test_defaults_outside_production(settings_for: SettingsFactory) -> None:
    settings = settings_for(APP_ENV="development")

    assert settings.PORT == 4000
    assert settings.bind_host == "127.0.0.1"
    assert settings.RUN_MIGRATIONS_ON_START is True
    assert settings.BAZI_CACHE_TTL.total_seconds() == 6 * 3600
    assert settings.shutdown_drain_seconds == 0
    assert settings.production_errors() == []


def test_production_defaults(settings_for: SettingsFactory) -> None:
    settings = settings_for(**PRODUCTION)

    assert settings.bind_host == "0.0.0.0"
    assert settings.shutdown_drain_seconds == 5
    assert settings.production_errors() == []


def test_environment_variables_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "4100")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example/")
    monkeypatch.setenv("BAZI_CACHE_TTL", "60")
    monkeypatch.setenv("SHUTDOWN_DRAIN", "2.5")

    settings = Settings(_env_file=None)

    assert settings.PORT == 4100
    assert settings.CORS_ALLOWED_ORIGINS == ["https://a.example", "https://b.example"]
    assert settings.BAZI_CACHE_TTL.total_seconds() == 60
    assert settings.shutdown_drain_seconds == 2.5


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"DATABASE_URL": None}, "DATABASE_URL must be a PostgreSQL URL"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL must be a PostgreSQL URL"),
        ({"REDIS_URL": None}, "REDIS_URL is missing"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is empty"),
        ({"SECRET_KEY": "changeme"}, "SECRET_KEY is a placeholder"),
        ({"SECRET_KEY": "change-me-to-a-long-random-value-please"}, "placeholder"),
        ({"SECRET_KEY": "<random 32 characters or more here>"}, "placeholder"),
        ({"SECRET_KEY": "short-but-random-9f2"}, "shorter than 32"),
        ({"METRICS_TOKEN": ""}, "METRICS_TOKEN is empty"),
        ({"DOCS_PASSWORD": "password"}, "DOCS_PASSWORD is a placeholder"),
        (
            {"DATABASE_URL": "postgresql://app:replace-me-db-password@db/bazi"},
            "DATABASE_URL contains a placeholder password",
        ),
        (
            {"REDIS_URL": "redis://:changeme@redis:6379/0"},
            "REDIS_URL contains a placeholder password",
        ),
    ],
)
def test_production_rejects(
    settings_for: SettingsFactory, change: dict[str, object], problem: str
) -> None:
    settings = settings_for(**{**PRODUCTION, **change})

    errors = settings.production_errors()

    assert len(errors) == 1
    assert problem in errors[0]


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", 0), ("LOG_LEVEL", "loud"), ("APP_ENV", "staging"), ("TRUST_PROXY", -1)],
)
def test_invalid_values_rejected(
    settings_for: SettingsFactory, name: str, value: object
) -> None:
    with pytest.raises(ValidationError, match=name):
        settings_for(**{name: value})


def test_env_example_lists_every_setting() -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    names = set()
    for line in example.read_text().splitlines():
        match = re.match(r"#?\s?([A-Z][A-Z0-9_]+)=", line)
        if match:
            names.add(match.group(1))

    assert names == set(Settings.model_fields)


def test_env_example_matches_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)

    from_file = Settings(_env_file=example)
    defaults = Settings(_env_file=None)

    for name in Settings.model_fields:
        from_example, default = getattr(from_file, name), getattr(defaults, name)
        assert from_example == default or (not from_example and not default), name


PRODUCTION_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.production.example"
PLACEHOLDER = re.compile(r"replace-me[a-z0-9-]*")


def _production_example(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str
) -> Settings:
    """Load ``text`` as the only source of settings, as the production copy is."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / ".env.production"
    path.write_text(text)
    return Settings(_env_file=path)


def _example_values() -> dict[str, str]:
    values = {}
    for line in PRODUCTION_EXAMPLE.read_text().splitlines():
        match = re.match(r"([A-Z][A-Z0-9_]+)=(.*)", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def test_production_example_passes_once_filled(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = PRODUCTION_EXAMPLE.read_text()
    secret_for = {
        placeholder: secrets.token_hex(32)
        for placeholder in set(PLACEHOLDER.findall(text))
    }
    filled = PLACEHOLDER.sub(lambda match: secret_for[match.group(0)], text)

    settings = _production_example(monkeypatch, tmp_path, filled)

    assert settings.is_production
    assert settings.production_errors() == []


def test_production_example_placeholders_rejected(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with_placeholder = {
        name
        for name, value in _example_values().items()
        if name in Settings.model_fields and PLACEHOLDER.search(value)
    }

    settings = _production_example(
        monkeypatch, tmp_path, PRODUCTION_EXAMPLE.read_text()
    )

    errors = settings.production_errors()
    reported = {name for name in with_placeholder if any(name in e for e in errors)}
    assert with_placeholder, "the example has no placeholder left to check"
    assert reported == with_placeholder
    assert all("placeholder" in error for error in errors), errors
