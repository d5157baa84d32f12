"""``/metrics`` and the API docs: open in development, protected in production."""

from __future__ import annotations

import base64

import pytest

from bazi_master.service import Settings
from bazi_master.service.core.settings import Environment

from .conftest import SettingsFactory, client_for

TOKEN = "m" * 40
DOCS_PASSWORD = "d" * 40


def _production(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "APP_ENV": Environment.PRODUCTION,
            "METRICS_TOKEN": TOKEN,
            "DOCS_PASSWORD": DOCS_PASSWORD,
            "SECRET_KEY": "s" * 40,
        }
    )


def _basic(user: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"authorization": f"Basic {encoded}"}


async def test_metrics_open_in_development(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        await client.post("/api/bazi/calculate", json={"birth": "2000-01-01T00:00"})
        response = await client.get("/metrics")

    text = response.text
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'route="/api/bazi/calculate",status="422"' in text
    assert "bazi_http_request_duration_seconds_bucket" in text
    assert "bazi_up 1.0" in text
    assert 'bazi_dependency_up{dependency="db"}' not in text  # no probe ran yet


async def test_metrics_count_cache_results(embedded_settings: Settings) -> None:
    body = {"birth": "2000-01-01T00:00", "tz": "+08:00"}

    async with client_for(embedded_settings) as client:
        for _ in range(3):
            await client.post("/api/bazi/calculate", json=body)
        await client.get("/health")
        text = (await client.get("/metrics")).text

    assert 'bazi_cache_requests_total{result="miss"} 1.0' in text
    assert 'bazi_cache_requests_total{result="hit"} 2.0' in text
    assert 'bazi_dependency_up{dependency="db"} 1.0' in text


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"authorization": "Bearer wrong"}, 401),
        ({"authorization": f"Basic {TOKEN}"}, 401),
        ({"authorization": f"Bearer {TOKEN}"}, 200),
    ],
)
async def test_metrics_token_in_production(
    shared_settings: Settings, headers: dict[str, str], status: int
) -> None:
    async with client_for(_production(shared_settings)) as client:
        response = await client.get("/metrics", headers=headers)

    assert response.status_code == status
    if status == 401:
        assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_metrics_token_optional_elsewhere(settings_for: SettingsFactory) -> None:
    async with client_for(settings_for(METRICS_TOKEN=TOKEN)) as client:
        without = await client.get("/metrics")
        with_token = await client.get(
            "/metrics", headers={"authorization": f"Bearer {TOKEN}"}
        )

    assert without.status_code == 401
    assert with_token.status_code == 200


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
async def test_docs_need_basic_in_production(
    shared_settings: Settings, path: str
) -> None:
    async with client_for(_production(shared_settings)) as client:
        anonymous = await client.get(path)
        wrong = await client.get(path, headers=_basic("admin", "guess"))
        right = await client.get(path, headers=_basic("admin", DOCS_PASSWORD))

    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic realm=")
    assert wrong.status_code == 401
    assert right.status_code == 200


async def test_docs_open_in_development(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        schema = await client.get("/openapi.json")
        page = await client.get("/docs")

    paths = schema.json()["paths"]
    assert "/api/bazi/calculate" in paths
    assert set(paths["/api/bazi/calculate"]["post"]["responses"]) >= {
        "200",
        "422",
        "429",
    }
    assert page.status_code == 200
    assert "cdn.jsdelivr.net" in page.headers["content-security-policy"]
