"""Fixtures of the saved-chart tests: a migrated app on each backend and members.

``settings_for`` here wraps the service-wide one with cheap password hashing and no
sign-in rate limit, so every test can register the members it needs.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bazi_master.service import Settings
from bazi_master.service.core.db import create_engine

from ..conftest import SettingsFactory, client_for

PASSWORD = "correct horse battery staple"


@pytest.fixture
def settings_for(settings_for: SettingsFactory) -> SettingsFactory:
    """Service test settings plus cheap Argon2id and a generous sign-in limit."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
            "ARGON2_PARALLELISM": 1,
            "AUTH_RATE_LIMIT_MAX": 1000,
            "PASSWORD_RESET_ENABLED": False,
        }
        values.update(overrides)
        return settings_for(**values)

    return build


@dataclass
class Member:
    """A registered member and the client that sends their token."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    user_id: str
    email: str

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send a request with the member's bearer token."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def save(self, **body: Any) -> dict[str, Any]:
        """Save a record and return it; fail the test unless it was created."""
        response = await self.request("POST", "/api/bazi/records", json=body)
        assert response.status_code == 201, response.text
        record: dict[str, Any] = response.json()
        return record


MemberFactory = Callable[[], Any]


@pytest.fixture
async def client(backend_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a migrated app on SQLite and on PostgreSQL."""
    async with client_for(backend_settings) as http:
        yield http


@pytest.fixture
def new_member(client: httpx.AsyncClient) -> MemberFactory:
    """Register a member with a unique email and return it."""

    async def register() -> Member:
        email = f"member-{secrets.token_hex(6)}@example.com"
        body = {"email": email, "password": PASSWORD}
        response = await client.post("/api/auth/register", json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        headers = {"authorization": f"Bearer {data['token']}"}
        return Member(client, headers, data["user"]["id"], email)

    return register


async def run_sql(settings: Settings, statement: str, **params: Any) -> list[Any]:
    """Run one SQL statement on the test database; return its rows, if any."""
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(sa.text(statement), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


def uuid_param(settings: Settings, value: str) -> str:
    """Spell a UUID as each backend stores it: 32 hex digits on SQLite."""
    return value.replace("-", "") if settings.DATABASE_URL is None else value
