"""Request ids, security headers, size limits, CORS, rate limits, the 500 envelope."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from bazi_master.service import Settings
from bazi_master.service.core.middleware import client_ip
from bazi_master.service.core.settings import Environment

from .conftest import SettingsFactory, client_for

URL = "/api/bazi/calculate"
BODY = {"birth": "1990-05-12T10:30", "tz": "Asia/Shanghai"}


async def test_request_id_echoed(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.get("/live", headers={"x-request-id": "abc-123"})

    assert response.headers["x-request-id"] == "abc-123"


@pytest.mark.parametrize("supplied", [None, "", "bad id with spaces", "x" * 129])
async def test_request_id_generated(
    embedded_settings: Settings, supplied: str | None
) -> None:
    headers = {} if supplied is None else {"x-request-id": supplied}

    async with client_for(embedded_settings) as client:
        response = await client.get("/live", headers=headers)

    generated = response.headers["x-request-id"]
    assert generated != supplied
    assert len(generated) == 32


async def test_security_headers_present(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.get("/nowhere")

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers
    assert "server" not in response.headers


async def test_not_found_and_method_envelopes(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        missing = await client.get("/api/nothing-here")
        wrong_method = await client.get(URL)

    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert wrong_method.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/auth/me", {"GET", "PATCH", "DELETE"}),
        ("/api/user/settings", {"GET", "PUT"}),
        (URL, {"POST"}),
    ],
)
async def test_method_not_allowed_lists_every_method(
    embedded_settings: Settings, path: str, methods: set[str]
) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.request("OPTIONS", path)

    allowed = {name.strip() for name in response.headers["allow"].split(",")}
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert allowed == methods


async def test_body_over_limit_is_413(settings_for: SettingsFactory) -> None:
    settings = settings_for(MAX_BODY_BYTES=2048)
    padded = {**BODY, "place": "x" * 4000}

    async with client_for(settings) as client:
        declared = await client.post(URL, json=padded)
        streamed = await client.post(URL, content=_chunks(b"{" + b" " * 5000 + b"}"))

    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "2048" in declared.json()["error"]["message"]
    assert streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def _chunks(data: bytes):  # type: ignore[no-untyped-def]
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


async def test_url_over_limit_is_414(settings_for: SettingsFactory) -> None:
    settings = settings_for(MAX_URL_LENGTH=300)

    async with client_for(settings) as client:
        response = await client.get("/live?q=" + "a" * 400)
        short = await client.get("/live?q=" + "a" * 100)

    assert response.status_code == 414
    assert response.json()["error"]["code"] == "URI_TOO_LONG"
    assert short.status_code == 200


async def test_rate_limit_headers_and_429(
    settings_for: SettingsFactory,
) -> None:
    settings = settings_for(RATE_LIMIT_MAX=3, RATE_LIMIT_COMPUTE_MAX=3)

    async with client_for(settings) as client:
        answers = [await client.get("/api/nothing") for _ in range(4)]

    assert [a.headers["x-ratelimit-remaining"] for a in answers[:3]] == ["2", "1", "0"]
    assert answers[0].headers["x-ratelimit-limit"] == "3"
    assert int(answers[0].headers["x-ratelimit-reset"]) > 1_700_000_000
    rejected = answers[3]
    assert rejected.status_code == 429
    assert rejected.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(rejected.headers["retry-after"]) <= 60
    assert rejected.headers["x-request-id"]


async def test_compute_limit_stricter(backend_settings: Settings) -> None:
    settings = backend_settings.model_copy(
        update={"RATE_LIMIT_MAX": 100, "RATE_LIMIT_COMPUTE_MAX": 2}
    )

    async with client_for(settings) as client:
        charts = [await client.post(URL, json=BODY) for _ in range(3)]
        other = await client.get("/api/nothing")

    assert [c.status_code for c in charts] == [200, 200, 429]
    assert charts[0].headers["x-ratelimit-limit"] == "2"
    assert other.status_code == 404
    assert other.headers["x-ratelimit-limit"] == "100"


async def test_probes_never_rate_limited(settings_for: SettingsFactory) -> None:
    settings = settings_for(RATE_LIMIT_MAX=1)
    probes = ["/live", "/api/live", "/health", "/api/health", "/api/ready", "/metrics"]

    async with client_for(settings) as client:
        answers = [await client.get(path) for path in probes for _ in range(3)]

    assert {a.status_code for a in answers} == {200}
    assert all("x-ratelimit-limit" not in a.headers for a in answers)


async def test_forwarded_for_ignored_without_trust(
    settings_for: SettingsFactory,
) -> None:
    settings = settings_for(RATE_LIMIT_MAX=2)

    async with client_for(settings) as client:
        answers = [
            await client.get("/x", headers={"x-forwarded-for": f"203.0.113.{n}"})
            for n in range(3)
        ]

    assert answers[2].status_code == 429


async def test_forwarded_for_trusted_one_hop(settings_for: SettingsFactory) -> None:
    settings = settings_for(RATE_LIMIT_MAX=2, TRUST_PROXY=1)

    async with client_for(settings) as client:
        answers = [
            await client.get("/x", headers={"x-forwarded-for": f"203.0.113.{n}"})
            for n in range(3)
        ]

    assert {a.status_code for a in answers} == {404}


@pytest.mark.parametrize(
    ("forwarded", "hops", "expected"),
    [
        (None, 0, "10.0.0.9"),
        ("1.1.1.1", 0, "10.0.0.9"),
        ("1.1.1.1", 1, "1.1.1.1"),
        ("6.6.6.6, 1.1.1.1", 1, "1.1.1.1"),
        ("6.6.6.6, 1.1.1.1, 172.18.0.3", 2, "1.1.1.1"),
        ("1.1.1.1", 3, "1.1.1.1"),
    ],
)
def test_client_ip_counts_trusted_hops(
    forwarded: str | None, hops: int, expected: str
) -> None:
    headers = [] if forwarded is None else [(b"x-forwarded-for", forwarded.encode())]
    scope = {"type": "http", "client": ("10.0.0.9", 5555), "headers": headers}

    assert client_ip(scope, hops) == expected


async def test_cors_only_listed_origins(settings_for: SettingsFactory) -> None:
    settings = settings_for(CORS_ALLOWED_ORIGINS="https://app.example.org/")

    async with client_for(settings) as client:
        listed = await client.get(
            "/live", headers={"origin": "https://app.example.org"}
        )
        other = await client.get("/live", headers={"origin": "https://evil.example"})
        preflight = await client.options(
            URL,
            headers={
                "origin": "https://app.example.org",
                "access-control-request-method": "POST",
            },
        )

    assert listed.headers["access-control-allow-origin"] == "https://app.example.org"
    assert listed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in other.headers
    assert preflight.status_code == 200


async def test_unhandled_error_is_500_envelope(settings_for: SettingsFactory) -> None:
    async with client_for(settings_for(APP_ENV=Environment.DEVELOPMENT)) as client:
        app = client._transport.app  # type: ignore[attr-defined]
        assert isinstance(app, FastAPI)

        async def broken() -> None:
            raise RuntimeError("disk on fire")

        app.add_api_route("/broken", broken)
        response = await client.get("/broken", headers={"x-request-id": "req-500"})

    error = response.json()["error"]
    assert response.status_code == 500
    assert error["code"] == "INTERNAL_ERROR"
    assert error["details"] == ["RuntimeError: disk on fire"]
    assert response.headers["x-request-id"] == "req-500"


async def test_production_hides_error_details(shared_settings: Settings) -> None:
    settings = shared_settings.model_copy(update={"APP_ENV": Environment.PRODUCTION})

    async with client_for(settings) as client:
        app = client._transport.app  # type: ignore[attr-defined]

        async def broken() -> None:
            raise RuntimeError("disk on fire")

        app.add_api_route("/broken", broken)
        response = await client.get("/broken")

    assert response.status_code == 500
    assert response.json()["error"]["details"] == []
    assert "disk on fire" not in response.text
    assert response.headers["strict-transport-security"].startswith("max-age=")
