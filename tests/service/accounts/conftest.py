"""Fixtures of the accounts tests: fast Argon2id, an SMTP server, fake providers.

``settings_for`` here wraps the service-wide one, so ``embedded_settings``,
``shared_settings`` and ``backend_settings`` all get the accounts settings below.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Any

import httpx
import pytest

from ..conftest import SettingsFactory
from .fakes import (
    CLIENT_ID,
    CLIENT_SECRET,
    WECHAT_APP_ID,
    WECHAT_APP_SECRET,
    FakeProviders,
    MailServer,
)

FRONTEND = "https://app.bazi.example"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def mail_server() -> Iterator[MailServer]:
    """A plain SMTP server on loopback for the whole session."""
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def providers() -> Iterator[FakeProviders]:
    """The fake OpenID provider and WeChat for the whole session."""
    fake = FakeProviders()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def settings_for(
    settings_for: SettingsFactory, mail_server: MailServer, providers: FakeProviders
) -> SettingsFactory:
    """Service test settings plus cheap hashing, SMTP and the fake providers."""

    def build(**overrides: Any) -> Any:
        values: dict[str, Any] = {
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
            "ARGON2_PARALLELISM": 1,
            "AUTH_RATE_LIMIT_MAX": 1000,
            "FRONTEND_URL": FRONTEND,
            "BACKEND_BASE_URL": "http://testserver",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": mail_server.port,
            "SMTP_SECURITY": "none",
            "SMTP_FROM": "no-reply@bazi.example",
            "GOOGLE_CLIENT_ID": CLIENT_ID,
            "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
            "GOOGLE_DISCOVERY_URL": providers.discovery_url,
            "WECHAT_APP_ID": WECHAT_APP_ID,
            "WECHAT_APP_SECRET": WECHAT_APP_SECRET,
            "WECHAT_AUTHORIZE_URL": f"{providers.base}/wechat/connect/qrconnect",
            "WECHAT_API_URL": f"{providers.base}/wechat",
        }
        values.update(overrides)
        return settings_for(**values)

    return build


def new_email(tag: str = "user") -> str:
    """Return an address no other test uses."""
    return f"{tag}-{secrets.token_hex(5)}@bazi.example"


@dataclass
class Member:
    """A registered user: credentials, session token and the user object."""

    email: str
    password: str
    token: str
    user: dict[str, Any]

    @property
    def auth(self) -> dict[str, str]:
        """The Authorization header of the member's session."""
        return {"authorization": f"Bearer {self.token}"}


async def register(
    client: httpx.AsyncClient, email: str | None = None, password: str = PASSWORD
) -> Member:
    """Register through the API and return the new member."""
    email = email or new_email()
    response = await client.post(
        "/api/auth/register", json={"email": email, "password": password}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Member(email, password, body["token"], body["user"])


async def wait_for_mail(server: MailServer, address: str, count: int = 1) -> Message:
    """Wait up to 5 s for the ``count``-th message to ``address``; return it."""
    for _ in range(500):
        messages = server.messages_to(address)
        if len(messages) >= count:
            return messages[count - 1]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no message number {count} to {address} within 5 s")
