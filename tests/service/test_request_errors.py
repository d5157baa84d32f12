"""Errors for request bodies and fields that the routes cannot use."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import DataError

from bazi_master.service import Settings
from bazi_master.service.core.errors import internal_error_body

from .conftest import SettingsFactory, client_for

URL = "/api/bazi/calculate"
VALID = b'{"birth":"1990-05-12T10:30","tz":"+08:00"}'


async def _post(settings: Settings, body: bytes, **headers: str) -> Any:
    async with client_for(settings) as client:
        return await client.post(URL, content=body, headers=headers)


async def test_invalid_utf8_named(embedded_settings: Settings) -> None:
    body = b'{"birth":"1990-05-12T10:30","place":"\xff"}'

    response = await _post(
        embedded_settings, body, **{"content-type": "application/json"}
    )

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "INVALID_JSON"
    assert "not valid UTF-8" in error["message"]
    assert "0xff" in error["message"]
    assert error["details"][0]["field"] == "body"


async def test_deep_nesting_named(embedded_settings: Settings) -> None:
    body = b"[" * 100_000 + b"]" * 100_000

    response = await _post(
        embedded_settings, body, **{"content-type": "application/json"}
    )

    error = response.json()["error"]
    assert response.status_code == 400
    assert "too deeply" in error["message"]


async def test_huge_integer_named(embedded_settings: Settings) -> None:
    body = b'{"birth":"1990-05-12T10:30","luckCount":1' + b"0" * 5000 + b"}"

    response = await _post(
        embedded_settings, body, **{"content-type": "application/json"}
    )

    error = response.json()["error"]
    assert response.status_code == 400
    assert "more than 4300 digits" in error["message"]


async def test_syntax_error_names_body(embedded_settings: Settings) -> None:
    response = await _post(
        embedded_settings, b"{bad", **{"content-type": "application/json"}
    )

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "INVALID_JSON"
    assert "at character 1" in error["message"]
    assert "Content-Type: application/json" in error["message"]
    assert [item["field"] for item in error["details"]] == ["body"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "text/xml"]
)
async def test_non_json_type_gets_415(
    embedded_settings: Settings, content_type: str
) -> None:
    response = await _post(embedded_settings, VALID, **{"content-type": content_type})

    error = response.json()["error"]
    assert response.status_code == 415
    assert error["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert content_type in error["message"]
    assert "application/json" in error["message"]


async def test_missing_type_gets_415(embedded_settings: Settings) -> None:
    response = await _post(embedded_settings, VALID)

    error = response.json()["error"]
    assert response.status_code == 415
    assert "no Content-Type header" in error["message"]


async def test_json_array_body_named(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.post(URL, json=[1])

    error = response.json()["error"]
    assert response.status_code == 422
    assert error["details"][0]["field"] == "body"
    assert "must be a JSON object" in error["message"]


async def test_field_paths_without_shape(embedded_settings: Settings) -> None:
    legacy = {
        "birthYear": 1990,
        "birthMonth": 5,
        "birthDay": 12,
        "birthHour": 10,
        "gender": "male",
        "label": "x",
    }

    async with client_for(embedded_settings) as client:
        current = await client.post(URL, json={"birth": 5})
        earlier = await client.post(URL, json=legacy)

    assert [p["field"] for p in current.json()["error"]["details"]] == ["birth"]
    assert [p["field"] for p in earlier.json()["error"]["details"]] == ["label"]
    assert current.json()["error"]["message"].startswith("invalid request: birth:")


async def test_nul_in_calculate_rejected(embedded_settings: Settings) -> None:
    body = {"birth": "1990-05-12T10:30", "tz": "Asia/\u0000Shanghai"}

    async with client_for(embedded_settings) as client:
        response = await client.post(URL, json=body)

    error = response.json()["error"]
    assert response.status_code == 422
    assert error["details"][0]["field"] == "tz"
    assert "NUL character" in error["message"]


async def test_luck_index_needs_gender(embedded_settings: Settings) -> None:
    body = {"birth": "1990-02-10T11:30", "tz": "+08:00", "luckIndex": 3}

    async with client_for(embedded_settings) as client:
        response = await client.post(URL, json=body)
        with_gender = await client.post(URL, json={**body, "gender": "female"})

    error = response.json()["error"]
    assert response.status_code == 422
    assert "gender" in error["message"]
    assert with_gender.status_code == 200


def test_database_error_hides_sql() -> None:
    error = DataError(
        "INSERT INTO bazi_records (label) VALUES (%(label)s)",
        {"label": "private label"},
        ValueError("text fields cannot contain NUL"),
    )

    body = internal_error_body(error, debug=True).decode()

    assert "INSERT" not in body
    assert "private label" not in body
    assert "DataError (ValueError)" in body


async def test_cors_rejection_uses_envelope(settings_for: SettingsFactory) -> None:
    settings = settings_for(CORS_ALLOWED_ORIGINS="https://app.example.org")
    preflight = {
        "origin": "https://evil.example",
        "access-control-request-method": "TRACE",
    }

    async with client_for(settings) as client:
        response = await client.options(URL, headers=preflight)

    error = response.json()["error"]
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert error["code"] == "CORS_REJECTED"
    assert [item["field"] for item in error["details"]] == ["origin", "method"]
    assert "'https://evil.example' is not in CORS_ALLOWED_ORIGINS" in error["message"]
    assert "'TRACE' is not allowed" in error["message"]


async def test_cors_rejection_lists_headers_once(settings_for: SettingsFactory) -> None:
    settings = settings_for(CORS_ALLOWED_ORIGINS="https://app.example.org")
    preflight = {
        "origin": "https://app.example.org",
        "access-control-request-method": "GET",
        "access-control-request-headers": "x-secret",
    }

    async with client_for(settings) as client:
        response = await client.options(URL, headers=preflight)

    message = response.json()["error"]["message"]
    listed = message.split("the allowed ones are ")[1].split(", ")
    header = response.headers["access-control-allow-headers"].lower().split(", ")
    assert response.status_code == 400
    for allowed in (listed, header):
        assert "content-type" in allowed
        assert len(allowed) == len(set(allowed))
