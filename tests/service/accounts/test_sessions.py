"""Login sessions in the real Redis: expiry, listing, revocation across instances."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import pytest
import redis.asyncio as redis

from bazi_master.service import Settings
from bazi_master.service.accounts import sessions

from ..conftest import SettingsFactory, client_for
from .conftest import PASSWORD, register


async def test_store_keeps_only_token_digest(
    shared_settings: Settings, redis_url: str, redis_prefix: str
) -> None:
    async with client_for(shared_settings) as client:
        member = await register(client)

    connection = redis.Redis.from_url(redis_url, decode_responses=True)
    keys = [key async for key in connection.scan_iter(match=redis_prefix + "*")]
    values = [
        await connection.get(key)
        for key in keys
        if await connection.type(key) == "string"
    ]
    await connection.aclose()
    digest = hashlib.sha256(member.token.encode()).hexdigest()
    assert f"{redis_prefix}session:{digest}" in keys
    assert not any(member.token in key for key in keys)
    assert not any(member.token in (value or "") for value in values)


async def test_idle_timeout_expires_session(shared_settings: Settings) -> None:
    settings = shared_settings.model_copy(
        update={"SESSION_IDLE_TIMEOUT": timedelta(seconds=1.2)}
    )

    async with client_for(settings) as client:
        member = await register(client)
        client.cookies.clear()
        kept = []
        for _ in range(4):  # 1.6 s of activity, never idle for 1.2 s
            await asyncio.sleep(0.4)
            response = await client.get("/api/auth/me", headers=member.auth)
            kept.append(response.status_code)
        await asyncio.sleep(1.5)
        idle = await client.get("/api/auth/me", headers=member.auth)

    assert kept == [200, 200, 200, 200]
    assert idle.status_code == 401
    assert idle.json()["error"]["code"] == "SESSION_EXPIRED"


async def test_absolute_lifetime_ends_session(shared_settings: Settings) -> None:
    settings = shared_settings.model_copy(
        update={"SESSION_LIFETIME": timedelta(seconds=1.0)}
    )

    async with client_for(settings) as client:
        member = await register(client)
        client.cookies.clear()
        fresh = await client.get("/api/auth/me", headers=member.auth)
        await asyncio.sleep(1.2)  # the idle timeout (30 min) cannot end it
        old = await client.get("/api/auth/me", headers=member.auth)

    assert fresh.status_code == 200
    assert old.status_code == 401


async def test_revocation_seen_by_second_instance(shared_settings: Settings) -> None:
    async with (
        client_for(shared_settings) as first,
        client_for(shared_settings) as second,
    ):
        member = await register(first)
        first.cookies.clear()
        before = await second.get("/api/auth/me", headers=member.auth)
        await first.post("/api/auth/logout", headers=member.auth)
        after = await second.get("/api/auth/me", headers=member.auth)

    assert before.status_code == 200
    assert after.status_code == 401


async def test_sessions_listed_and_revoked_by_id(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        client.cookies.clear()
        other = await client.post(
            "/api/auth/login",
            json={"email": member.email, "password": PASSWORD},
            headers={"user-agent": "second-device"},
        )
        other_token = other.json()["token"]
        client.cookies.clear()
        listed = (await client.get("/api/auth/sessions", headers=member.auth)).json()
        other_id = next(s["id"] for s in listed["sessions"] if not s["current"])
        revoked = await client.delete(
            f"/api/auth/sessions/{other_id}", headers=member.auth
        )
        missing = await client.delete(
            f"/api/auth/sessions/{other_id}", headers=member.auth
        )
        other_me = await client.get(
            "/api/auth/me", headers={"authorization": f"Bearer {other_token}"}
        )
        mine = await client.get("/api/auth/me", headers=member.auth)

    assert len(listed["sessions"]) == 2
    assert [s["current"] for s in listed["sessions"]].count(True) == 1
    assert other_id not in (member.token, other_token)
    assert any(s["userAgent"] == "second-device" for s in listed["sessions"])
    assert revoked.status_code == 204
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "SESSION_NOT_FOUND"
    assert other_me.status_code == 401
    assert mine.status_code == 200


async def test_session_of_other_user_not_revocable(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        alice = await register(client)
        bob = await register(client)
        client.cookies.clear()
        bob_sessions = (await client.get("/api/auth/sessions", headers=bob.auth)).json()
        bob_id = bob_sessions["sessions"][0]["id"]
        attempt = await client.delete(
            f"/api/auth/sessions/{bob_id}", headers=alice.auth
        )
        bob_me = await client.get("/api/auth/me", headers=bob.auth)

    assert attempt.status_code == 404
    assert bob_me.status_code == 200


async def test_password_change_revokes_other_sessions(
    shared_settings: Settings,
) -> None:
    new_password = "a brand new password"

    async with (
        client_for(shared_settings) as first,
        client_for(shared_settings) as second,
    ):
        member = await register(first)
        first.cookies.clear()
        login = await second.post(
            "/api/auth/login", json={"email": member.email, "password": PASSWORD}
        )
        second.cookies.clear()
        other = {"authorization": f"Bearer {login.json()['token']}"}
        change = await first.post(
            "/api/auth/change-password",
            json={"currentPassword": PASSWORD, "newPassword": new_password},
            headers=member.auth,
        )
        other_me = await second.get("/api/auth/me", headers=other)
        own_me = await second.get("/api/auth/me", headers=member.auth)
        old = await first.post(
            "/api/auth/login", json={"email": member.email, "password": PASSWORD}
        )
        new = await first.post(
            "/api/auth/login", json={"email": member.email, "password": new_password}
        )

    assert change.status_code == 204
    assert other_me.status_code == 401
    assert own_me.status_code == 200
    assert old.status_code == 401
    assert new.status_code == 200


async def test_change_password_needs_current(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        response = await client.post(
            "/api/auth/change-password",
            json={"currentPassword": "not my password", "newPassword": "whatever123"},
            headers=member.auth,
        )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "INVALID_PASSWORD"


async def test_store_down_answers_503(settings_for: SettingsFactory) -> None:
    settings = settings_for(REDIS_URL="redis://127.0.0.1:1/0")

    async with client_for(settings) as client:
        response = await client.get(
            "/api/auth/me", headers={"authorization": "Bearer some-token"}
        )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"


async def test_oldest_session_ends_over_cap(
    embedded_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions, "MAX_SESSIONS_PER_USER", 2)

    async with client_for(embedded_settings) as client:
        member = await register(client)
        client.cookies.clear()
        tokens = [member.token]
        for _ in range(2):
            login = await client.post(
                "/api/auth/login", json={"email": member.email, "password": PASSWORD}
            )
            tokens.append(login.json()["token"])
        client.cookies.clear()
        statuses = [
            (
                await client.get(
                    "/api/auth/me", headers={"authorization": f"Bearer {token}"}
                )
            ).status_code
            for token in tokens
        ]
        listed = await client.get(
            "/api/auth/sessions", headers={"authorization": f"Bearer {tokens[-1]}"}
        )

    assert statuses == [401, 200, 200]
    assert len(listed.json()["sessions"]) == 2
