"""Rate limits of the sign-in routes: per client IP and per email address."""

from __future__ import annotations

import pytest

from ..conftest import SettingsFactory, client_for
from .conftest import PASSWORD, new_email


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/auth/login", "email"),
        ("/api/auth/register", "email"),
        ("/api/auth/password/forgot", "email"),
    ],
)
async def test_limit_per_ip(
    settings_for: SettingsFactory, path: str, field: str
) -> None:
    settings = settings_for(AUTH_RATE_LIMIT_MAX=3)

    async with client_for(settings) as client:
        statuses = []
        for _ in range(4):
            body = {field: new_email(), "password": PASSWORD}
            if path.endswith("forgot"):
                body.pop("password")
            statuses.append((await client.post(path, json=body)).status_code)
        last = await client.post(path, json=body)

    assert 429 not in statuses[:3]
    assert statuses[3] == 429
    assert last.status_code == 429
    assert int(last.headers["retry-after"]) > 0
    assert last.json()["error"]["code"] == "RATE_LIMITED"


async def test_limit_per_email(settings_for: SettingsFactory) -> None:
    settings = settings_for(AUTH_RATE_LIMIT_MAX=3, TRUST_PROXY=1)
    email = new_email()

    async with client_for(settings) as client:
        statuses = []
        for number in range(4):
            response = await client.post(
                "/api/auth/login",
                json={"email": email.upper() if number % 2 else email, "password": "x"},
                headers={"x-forwarded-for": f"203.0.113.{number}"},
            )
            statuses.append(response.status_code)
        other = await client.post(
            "/api/auth/login",
            json={"email": new_email(), "password": "x"},
            headers={"x-forwarded-for": "203.0.113.9"},
        )

    assert statuses == [401, 401, 401, 429]
    assert other.status_code == 401


async def test_reset_limited_per_ip(settings_for: SettingsFactory) -> None:
    settings = settings_for(AUTH_RATE_LIMIT_MAX=2)

    async with client_for(settings) as client:
        statuses = [
            (
                await client.post(
                    "/api/auth/password/reset",
                    json={"token": f"guess-{number}", "password": PASSWORD},
                )
            ).status_code
            for number in range(3)
        ]

    assert statuses == [400, 400, 429]
