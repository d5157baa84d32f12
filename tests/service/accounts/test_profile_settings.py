"""``/api/auth/me`` changes and deletion, ``/api/user/settings``, admin health."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bazi_master.service import Settings
from bazi_master.service.accounts.models import UserSettings
from bazi_master.service.core.db import database_url

from ..conftest import client_for
from .conftest import PASSWORD, new_email, register, wait_for_mail
from .fakes import MailServer, link_in


async def test_display_name_changed(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        response = await client.patch(
            "/api/auth/me", json={"displayName": "新名字"}, headers=member.auth
        )

    assert response.status_code == 200
    assert response.json()["user"]["displayName"] == "新名字"


async def test_email_change_needs_password(backend_settings: Settings) -> None:
    new = new_email("moved")

    async with client_for(backend_settings) as client:
        member = await register(client)
        taken = await register(client)
        without = await client.patch(
            "/api/auth/me", json={"email": new}, headers=member.auth
        )
        wrong = await client.patch(
            "/api/auth/me",
            json={"email": new, "currentPassword": "wrong password"},
            headers=member.auth,
        )
        conflict = await client.patch(
            "/api/auth/me",
            json={"email": taken.email.upper(), "currentPassword": PASSWORD},
            headers=member.auth,
        )
        changed = await client.patch(
            "/api/auth/me",
            json={"email": new, "currentPassword": PASSWORD},
            headers=member.auth,
        )
        login = await client.post(
            "/api/auth/login", json={"email": new, "password": PASSWORD}
        )

    assert without.status_code == 400
    assert without.json()["error"]["code"] == "CURRENT_PASSWORD_REQUIRED"
    assert wrong.status_code == 403
    assert conflict.status_code == 409
    assert changed.status_code == 200
    assert changed.json()["user"]["email"] == new
    assert changed.json()["user"]["emailVerified"] is False
    assert login.status_code == 200


async def test_settings_default_then_updated(backend_settings: Settings) -> None:
    preferences = {"theme": "dark", "pillars": [1, 2], "note": "  keep  "}

    async with client_for(backend_settings) as client:
        member = await register(client)
        default = await client.get("/api/user/settings", headers=member.auth)
        put = await client.put(
            "/api/user/settings",
            json={"locale": "en", "preferences": preferences},
            headers=member.auth,
        )
        locale_only = await client.put(
            "/api/user/settings", json={"locale": "zh"}, headers=member.auth
        )

    assert default.json() == {"settings": {"locale": "zh", "preferences": {}}}
    assert put.json() == {"settings": {"locale": "en", "preferences": preferences}}
    assert locale_only.json()["settings"]["preferences"] == preferences


async def test_settings_reject_invalid(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        member = await register(client)
        locale = await client.put(
            "/api/user/settings", json={"locale": "fr"}, headers=member.auth
        )
        not_object = await client.put(
            "/api/user/settings", json={"preferences": [1, 2]}, headers=member.auth
        )
        too_big = await client.put(
            "/api/user/settings",
            json={"preferences": {"blob": "x" * 20_000}},
            headers=member.auth,
        )
        client.cookies.clear()
        anonymous = await client.get("/api/user/settings")

    assert locale.status_code == 422
    assert not_object.status_code == 422
    assert too_big.status_code == 422
    assert "16384" in too_big.json()["error"]["message"]
    assert anonymous.status_code == 401


async def test_delete_account_removes_everything(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        await client.put(
            "/api/user/settings", json={"locale": "en"}, headers=member.auth
        )
        deleted = await client.delete("/api/auth/me", headers=member.auth)
        after = await client.get("/api/auth/me", headers=member.auth)
        login = await client.post(
            "/api/auth/login", json={"email": member.email, "password": PASSWORD}
        )
        again = await register(client, member.email)

    engine = create_async_engine(database_url(backend_settings))
    query = sa.select(sa.func.count()).where(
        UserSettings.user_id == uuid.UUID(member.user["id"])
    )
    async with engine.connect() as connection:
        count = (await connection.execute(query)).scalar_one()
    await engine.dispose()
    assert deleted.status_code == 204
    assert after.status_code == 401
    assert login.status_code == 401
    assert again.user["id"] != member.user["id"]
    assert count == 0


async def test_admin_needs_listed_proven_email(
    backend_settings: Settings, mail_server: MailServer
) -> None:
    admin_email = new_email("admin")
    settings = backend_settings.model_copy(update={"ADMIN_EMAILS": [admin_email]})

    async with client_for(settings) as client:
        admin = await register(client, admin_email)
        member = await register(client)
        client.cookies.clear()
        unproven = await client.get("/api/admin/health", headers=admin.auth)
        forbidden = await client.get("/api/admin/health", headers=member.auth)
        anonymous = await client.get("/api/admin/health")
        await client.post("/api/auth/password/forgot", json={"email": admin_email})
        link = link_in(await wait_for_mail(mail_server, admin_email))
        token = parse_qs(urlsplit(link).query)["token"][0]
        await client.post(
            "/api/auth/password/reset", json={"token": token, "password": PASSWORD}
        )
        login = await client.post(
            "/api/auth/login", json={"email": admin_email, "password": PASSWORD}
        )
        health = await client.get("/api/admin/health")

    assert admin.user["isAdmin"] is False
    assert unproven.status_code == 403
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "FORBIDDEN"
    assert anonymous.status_code == 401
    assert login.json()["user"]["isAdmin"] is True
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.json()["user"]["email"] == admin_email
    assert set(health.json()["checks"]) == {"db", "redis"}
