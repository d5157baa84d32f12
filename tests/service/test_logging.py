"""Log lines: JSON objects with the request fields, and no secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bazi_master.service import Settings
from bazi_master.service.core.logging import configure_logging, get_logger
from bazi_master.service.core.settings import LogFormat

from .conftest import client_for


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


async def test_request_logged_as_json(
    embedded_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("info", LogFormat.JSON)

    async with client_for(embedded_settings) as client:
        await client.get("/live", headers={"x-request-id": "log-test-1"})

    lines = _lines(capsys.readouterr().out)
    access = [line for line in lines if line["event"] == "http.request"]
    assert len(access) == 1
    entry = access[0]
    assert list(entry)[:3] == ["time", "level", "event"]
    assert entry["level"] == "info"
    assert entry["request_id"] == "log-test-1"
    assert entry["method"] == "GET"
    assert entry["path"] == "/live"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert entry["time"].endswith("Z")


async def test_secrets_never_logged(
    embedded_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("info", LogFormat.JSON)
    secret = "s3cr3t-value-that-must-not-leak"

    async with client_for(embedded_settings) as client:
        await client.get(
            f"/live?token={secret}",
            headers={"authorization": f"Bearer {secret}", "cookie": f"s={secret}"},
        )
    log = get_logger("test")
    log.info(
        "test.fields", password=secret, refresh_token=secret, nested={"api_key": secret}
    )
    log.info("test.url", url=f"postgresql://app:{secret}@db:5432/x")

    output = capsys.readouterr().out
    assert secret not in output
    assert "postgresql://app:[redacted]@db:5432/x" in output


def test_levels_use_runbook_names(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", LogFormat.JSON)
    log = get_logger("test")

    log.warning("test.warn")
    log.critical("test.fatal")
    log.debug("test.debug_hidden")

    lines = _lines(capsys.readouterr().out)
    assert [(line["event"], line["level"]) for line in lines] == [
        ("test.warn", "warn"),
        ("test.fatal", "fatal"),
    ]


def test_console_format_readable(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", LogFormat.CONSOLE)

    get_logger("test").info("test.console", answer=42)

    output = capsys.readouterr().out
    assert not output.startswith("{")
    assert "test.console" in output
    assert "answer=42" in output
    configure_logging("info", LogFormat.JSON)
