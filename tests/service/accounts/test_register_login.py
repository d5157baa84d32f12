"""Register, login, logout and ``/api/auth/me`` on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import pytest

from bazi_master.service import Settings

from ..conftest import client_for
from .conftest import PASSWORD, new_email, register


async def test_register_returns_token_and_user(backend_settings: Settings) -> None:
    email = new_email()

    async with client_for(backend_settings) as client:
        response = await client.post(
            "/api/auth/register",
            json={"email": email, "password": PASSWORD, "displayName": "  Ann  "},
        )
        me = await client.get("/api/auth/me")

    body = response.json()
    assert response.status_code == 201
    assert len(body["token"]) == 43
    assert body["user"]["email"] == email
    assert body["user"]["displayName"] == "  Ann  "
    assert body["user"]["emailVerified"] is False
    assert body["user"]["isAdmin"] is False
    assert body["user"]["hasPassword"] is True
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"bazi_session={body['token']};")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie
    assert me.status_code == 200
    assert me.json()["user"]["id"] == body["user"]["id"]


async def test_register_login_time_is_creation_time(
    backend_settings: Settings,
) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)

    assert member.user["lastLoginAt"] == member.user["createdAt"]


async def test_register_email_taken_any_case(backend_settings: Settings) -> None:
    email = new_email("Case")

    async with client_for(backend_settings) as client:
        await register(client, email)
        response = await client.post(
            "/api/auth/register", json={"email": email.upper(), "password": PASSWORD}
        )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "EMAIL_TAKEN"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": " ann@bazi.example", "password": PASSWORD}, "email"),
        ({"email": "ann@bazi.example", "password": "short77"}, "password"),
        ({"email": "ann@bazi.example", "password": "x" * 257}, "password"),
        ({"email": "ann@bazi.example", "password": 12345678}, "password"),
        ({"email": "ann@bazi.example", "password": PASSWORD, "admin": True}, "admin"),
        (
            {"email": "ann@bazi.example", "password": PASSWORD, "displayName": ""},
            "displayName",
        ),
        (
            {
                "email": "ann@bazi.example",
                "password": PASSWORD,
                "displayName": "a\x00b",
            },
            "displayName",
        ),
    ],
)
async def test_register_rejects_invalid_input(
    embedded_settings: Settings, body: dict[str, object], field: str
) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.post("/api/auth/register", json=body)

    error = response.json()["error"]
    assert response.status_code == 422
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"][0]["field"] == field


async def test_password_kept_exactly(backend_settings: Settings) -> None:
    spaced = "  padded password  "

    async with client_for(backend_settings) as client:
        member = await register(client, password=spaced)
        trimmed = await client.post(
            "/api/auth/login", json={"email": member.email, "password": spaced.strip()}
        )
        exact = await client.post(
            "/api/auth/login", json={"email": member.email, "password": spaced}
        )

    assert trimmed.status_code == 401
    assert exact.status_code == 200


async def test_login_one_message_for_failures(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        wrong_password = await client.post(
            "/api/auth/login",
            json={"email": member.email, "password": "wrong password"},
        )
        unknown_email = await client.post(
            "/api/auth/login", json={"email": new_email(), "password": PASSWORD}
        )

    assert wrong_password.status_code == 401
    assert unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["error"]["code"] == "INVALID_CREDENTIALS"


async def test_login_ignores_email_case(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client, new_email("Mixed"))
        response = await client.post(
            "/api/auth/login",
            json={"email": member.email.swapcase(), "password": PASSWORD},
        )

    assert response.status_code == 200
    assert response.json()["user"]["id"] == member.user["id"]
    assert response.json()["user"]["lastLoginAt"] is not None


async def test_bearer_and_cookie_both_work(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        client.cookies.clear()
        anonymous = await client.get("/api/auth/me")
        by_bearer = await client.get("/api/auth/me", headers=member.auth)
        client.cookies.set("bazi_session", member.token)
        by_cookie = await client.get("/api/auth/me")

    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "UNAUTHORIZED"
    assert by_bearer.status_code == 200
    assert by_cookie.status_code == 200


async def test_logout_revokes_session(backend_settings: Settings) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        client.cookies.clear()
        logout = await client.post("/api/auth/logout", headers=member.auth)
        after = await client.get("/api/auth/me", headers=member.auth)
        again = await client.post("/api/auth/logout", headers=member.auth)

    assert logout.status_code == 204
    assert 'bazi_session=""' in logout.headers["set-cookie"]
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "SESSION_EXPIRED"
    assert again.status_code == 204


async def test_secure_cookie_in_production_style(settings_for: object) -> None:
    assert callable(settings_for)
    settings = settings_for(
        SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="strict"
    )

    async with client_for(settings) as client:
        response = await client.post(
            "/api/auth/register", json={"email": new_email(), "password": PASSWORD}
        )

    cookie = response.headers["set-cookie"]
    assert "Secure" in cookie
    assert "SameSite=strict" in cookie


async def test_unpaired_surrogate_rejected(embedded_settings: Settings) -> None:
    email = new_email()
    # Raw JSON, because a client library cannot encode the surrogates itself.
    password_body = json.dumps({"email": email, "password": "abc\ud800defgh"})
    name_body = json.dumps(
        {"email": email, "password": PASSWORD, "displayName": "\udc00"}
    )
    headers = {"content-type": "application/json"}

    async with client_for(embedded_settings) as client:
        password = await client.post(
            "/api/auth/register", content=password_body, headers=headers
        )
        name = await client.post(
            "/api/auth/register", content=name_body, headers=headers
        )
        member = await register(client)
        preferences = await client.put(
            "/api/user/settings",
            content='{"preferences": {"k": "\\ud83d"}}',
            headers={**headers, **member.auth},
        )

    assert password.status_code == 422
    assert "unicode" in password.json()["error"]["message"]
    assert name.status_code == 422
    assert preferences.status_code == 422
