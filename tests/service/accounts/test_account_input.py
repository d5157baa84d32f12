"""Account input that the databases cannot store, and the times the API returns."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bazi_master.service import Settings
from bazi_master.service.accounts.schemas import PREFERENCES_MAX_DEPTH
from bazi_master.service.core.db import create_engine

from ..conftest import SettingsFactory, client_for
from .conftest import PASSWORD, register

SETTINGS_URL = "/api/user/settings"


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


async def test_preferences_depth_limited(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        member = await register(client)
        at_limit = await client.put(
            SETTINGS_URL,
            json={"preferences": _nested(PREFERENCES_MAX_DEPTH)},
            headers=member.auth,
        )
        over = await client.put(
            SETTINGS_URL,
            json={"preferences": _nested(PREFERENCES_MAX_DEPTH + 1)},
            headers=member.auth,
        )
        deep = await client.put(
            SETTINGS_URL, json={"preferences": _nested(256)}, headers=member.auth
        )

    assert at_limit.status_code == 200
    assert over.status_code == 422
    error = over.json()["error"]
    assert error["details"][0]["field"] == "preferences"
    assert f"more than {PREFERENCES_MAX_DEPTH} levels" in error["message"]
    assert deep.status_code == 422


async def test_preferences_reject_nul(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        in_value = await client.put(
            SETTINGS_URL,
            json={"preferences": {"theme": ["dark", "a\u0000b"]}},
            headers=member.auth,
        )
        in_key = await client.put(
            SETTINGS_URL, json={"preferences": {"a\u0000": 1}}, headers=member.auth
        )

    for response in (in_value, in_key):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["details"][0]["field"] == "preferences"
        assert "NUL character" in error["message"]


def _ends_in_z(user: dict[str, Any]) -> list[bool]:
    return [user[name].endswith("Z") for name in ("createdAt", "lastLoginAt")]


async def test_user_times_end_in_z(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        login = await client.post(
            "/api/auth/login", json={"email": member.email, "password": PASSWORD}
        )
        me = await client.get("/api/auth/me", headers=member.auth)

    assert _ends_in_z(member.user) == [True, True]
    assert _ends_in_z(login.json()["user"]) == [True, True]
    assert _ends_in_z(me.json()["user"]) == [True, True]


async def test_account_text_rejects_nul(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        email = await client.post(
            "/api/auth/register",
            json={"email": "a\u0000b@bazi.example", "password": PASSWORD},
        )
        login = await client.post(
            "/api/auth/login",
            json={"email": "a\u0000b@bazi.example", "password": PASSWORD},
        )
        name = await client.patch(
            "/api/auth/me", json={"displayName": "a\u0000b"}, headers=member.auth
        )

    fields = ["email", "email", "displayName"]
    for response, field in zip((email, login, name), fields, strict=True):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"][0]["field"] == field


async def _session_zone(settings: Settings) -> str:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return str(await connection.scalar(sa.text("SHOW TimeZone")))
    finally:
        await engine.dispose()


async def test_times_utc_in_any_session_zone(
    settings_for: SettingsFactory, postgres_url: str
) -> None:
    separator = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{separator}options=-c%20timezone%3DAsia/Shanghai"
    settings = settings_for(DATABASE_URL=url)

    async with client_for(settings) as client:
        member = await register(client)
        me = await client.get("/api/auth/me", headers=member.auth)

    assert await _session_zone(settings) == "Asia/Shanghai"
    assert _ends_in_z(me.json()["user"]) == [True, True]


async def test_preferences_reject_non_finite_numbers(
    embedded_settings: Settings,
) -> None:
    async with client_for(embedded_settings) as client:
        member = await register(client)
        headers = {**member.auth, "content-type": "application/json"}
        responses = [
            await client.put(SETTINGS_URL, content=body, headers=headers)
            for body in (
                b'{"preferences": {"theme": NaN}}',
                b'{"preferences": {"zoom": [1, 1e400]}}',
            )
        ]

    for response, key in zip(responses, ("theme", "zoom"), strict=True):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["details"][0]["field"] == "preferences"
        assert f"the value of '{key}' is" in error["message"]


async def test_messages_without_pydantic_prefix(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        member = await register(client)
        email = await client.post(
            "/api/auth/register", json={"email": "no-at-sign", "password": PASSWORD}
        )
        surrogate = await client.put(
            SETTINGS_URL,
            content=b'{"preferences": {"a": "\\ud800"}}',
            headers={**member.auth, "content-type": "application/json"},
        )

    for response in (email, surrogate):
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert "Value error" not in error["message"]
        assert "Value error" not in error["details"][0]["message"]
