"""Password reset by email through a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import ssl
import statistics
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bazi_master.service import Settings

from ..conftest import SettingsFactory, client_for, free_port
from .conftest import FRONTEND, PASSWORD, register, wait_for_mail
from .fakes import MailServer, link_in, self_signed_certificate

NEW_PASSWORD = "reset password 2026"


def token_of(link: str) -> str:
    """Return the token of a reset link."""
    return parse_qs(urlsplit(link).query)["token"][0]


async def request_link(
    client: httpx.AsyncClient, server: MailServer, email: str, count: int = 1
) -> str:
    """Ask for a reset and return the link of the ``count``-th email."""
    response = await client.post("/api/auth/password/forgot", json={"email": email})
    assert response.status_code == 202
    return link_in(await wait_for_mail(server, email, count))


async def test_reset_by_email_link(
    backend_settings: Settings, mail_server: MailServer
) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        client.cookies.clear()
        link = await request_link(client, mail_server, member.email)
        reset = await client.post(
            "/api/auth/password/reset",
            json={"token": token_of(link), "password": NEW_PASSWORD},
        )
        old_session = await client.get("/api/auth/me", headers=member.auth)
        login = await client.post(
            "/api/auth/login", json={"email": member.email, "password": NEW_PASSWORD}
        )

    message = mail_server.messages_to(member.email)[-1]
    assert link.startswith(f"{FRONTEND}/reset-password?token=")
    assert message["From"] == "BaZi Master <no-reply@bazi.example>"
    assert reset.status_code == 204
    assert old_session.status_code == 401
    assert login.status_code == 200
    assert login.json()["user"]["emailVerified"] is True


async def test_forgot_same_answer_for_unknown(
    embedded_settings: Settings, mail_server: MailServer
) -> None:
    async with client_for(embedded_settings) as client:
        member = await register(client)
        known = await client.post(
            "/api/auth/password/forgot", json={"email": member.email}
        )
        unknown = await client.post(
            "/api/auth/password/forgot", json={"email": "nobody-" + member.email}
        )
        await wait_for_mail(mail_server, member.email)

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert mail_server.messages_to("nobody-" + member.email) == []


async def test_forgot_time_independent_of_account(
    embedded_settings: Settings, mail_server: MailServer
) -> None:
    async def timed(client: httpx.AsyncClient, email: str) -> float:
        start = time.perf_counter()
        response = await client.post("/api/auth/password/forgot", json={"email": email})
        assert response.status_code == 202
        return time.perf_counter() - start

    async with client_for(embedded_settings) as client:
        member = await register(client)
        known, unknown = [], []
        for round_number in range(5):
            known.append(await timed(client, member.email))
            unknown.append(await timed(client, f"absent{round_number}-{member.email}"))
            await wait_for_mail(mail_server, member.email, round_number + 1)

    # The email goes out after the response, so neither median includes SMTP time.
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.05


async def test_reset_token_single_use(
    embedded_settings: Settings, mail_server: MailServer
) -> None:
    async with client_for(embedded_settings) as client:
        member = await register(client)
        token = token_of(await request_link(client, mail_server, member.email))
        body = {"token": token, "password": NEW_PASSWORD}
        first = await client.post("/api/auth/password/reset", json=body)
        second = await client.post("/api/auth/password/reset", json=body)

    assert first.status_code == 204
    assert second.status_code == 400
    assert second.json()["error"]["code"] == "INVALID_RESET_TOKEN"


async def test_new_request_replaces_token(
    embedded_settings: Settings, mail_server: MailServer
) -> None:
    async with client_for(embedded_settings) as client:
        member = await register(client)
        first = token_of(await request_link(client, mail_server, member.email))
        second = token_of(await request_link(client, mail_server, member.email, 2))
        old = await client.post(
            "/api/auth/password/reset", json={"token": first, "password": NEW_PASSWORD}
        )
        new = await client.post(
            "/api/auth/password/reset", json={"token": second, "password": NEW_PASSWORD}
        )

    assert old.status_code == 400
    assert new.status_code == 204


async def test_concurrent_redemption_one_wins(
    shared_settings: Settings, mail_server: MailServer
) -> None:
    async with (
        client_for(shared_settings) as first,
        client_for(shared_settings) as second,
    ):
        member = await register(first)
        token = token_of(await request_link(first, mail_server, member.email))
        body = {"token": token, "password": NEW_PASSWORD}
        responses = await asyncio.gather(
            *(
                client.post("/api/auth/password/reset", json=body)
                for client in (first, second, first, second)
            )
        )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [204, 400, 400, 400]


async def test_smtp_failure_logged_and_counted(
    settings_for: SettingsFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(SMTP_PORT=free_port())  # nothing listens there

    async with client_for(settings) as client:
        member = await register(client)
        response = await client.post(
            "/api/auth/password/forgot", json={"email": member.email}
        )
        failures = ""
        for _ in range(200):
            metrics = (await client.get("/metrics")).text
            failures = next(
                line
                for line in metrics.splitlines()
                if line.startswith("bazi_auth_reset_email_failures_total")
            )
            if not failures.endswith(" 0.0"):
                break
            await asyncio.sleep(0.02)

    assert response.status_code == 202
    assert failures == "bazi_auth_reset_email_failures_total 1.0"
    assert "auth.reset_email_failed" in capsys.readouterr().out


async def test_reset_rejects_short_password(embedded_settings: Settings) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.post(
            "/api/auth/password/reset", json={"token": "x" * 43, "password": "short"}
        )

    assert response.status_code == 422


async def test_reset_disabled_answers_503(settings_for: SettingsFactory) -> None:
    settings = settings_for(PASSWORD_RESET_ENABLED=False)

    async with client_for(settings) as client:
        forgot = await client.post(
            "/api/auth/password/forgot", json={"email": "ann@bazi.example"}
        )
        reset = await client.post(
            "/api/auth/password/reset", json={"token": "t", "password": PASSWORD}
        )

    assert forgot.status_code == 503
    assert forgot.json()["error"]["code"] == "PASSWORD_RESET_DISABLED"
    assert reset.status_code == 503


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_reset_email_over_tls(
    settings_for: SettingsFactory, tmp_path: Path, security: str
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = MailServer(context, implicit=security == "tls")
    server.start()
    settings = settings_for(
        SMTP_PORT=server.port, SMTP_SECURITY=security, SMTP_CA_FILE=cert
    )

    try:
        async with client_for(settings) as client:
            member = await register(client)
            link = await request_link(client, server, member.email)
    finally:
        server.stop()

    assert token_of(link)
