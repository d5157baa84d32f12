"""Google (OpenID Connect) and WeChat sign-in against fake providers on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bazi_master.service import Settings

from ..conftest import SettingsFactory, client_for
from .conftest import FRONTEND, PASSWORD, new_email, register
from .fakes import FakeProviders, GoogleScenario, WeChatScenario


@pytest.fixture
def google(providers: FakeProviders) -> Iterator[FakeProviders]:
    """The fake providers, with the Google scenario reset after the test."""
    yield providers
    providers.google = GoogleScenario()


@pytest.fixture
def wechat(providers: FakeProviders) -> Iterator[FakeProviders]:
    """The fake providers, with the WeChat scenario reset after the test."""
    yield providers
    providers.wechat = WeChatScenario()


async def through_provider(client: httpx.AsyncClient, start: str) -> httpx.Response:
    """Run a sign-in: start here, pass the provider, return the callback response."""
    started = await client.get(start)
    assert started.status_code == 302, started.text
    async with httpx.AsyncClient() as browser:
        approved = await browser.get(started.headers["location"])
    assert approved.status_code in (302, 307), approved.text
    callback = urlsplit(approved.headers["location"])
    return await client.get(f"{callback.path}?{callback.query}")


def error_of(response: httpx.Response) -> dict[str, list[str]]:
    """Return the query of a redirect to the frontend's login page."""
    location = urlsplit(response.headers["location"])
    assert (
        f"{location.scheme}://{location.netloc}{location.path}" == f"{FRONTEND}/login"
    )
    return parse_qs(location.query)


async def test_google_sign_in_creates_user(
    backend_settings: Settings, google: FakeProviders
) -> None:
    email = new_email("google")
    google.google = GoogleScenario(email=email, name="Grace")

    async with client_for(backend_settings) as client:
        response = await through_provider(client, "/api/auth/google?next=/charts?id=7")
        me = await client.get("/api/auth/me")

    assert response.status_code == 302
    assert response.headers["location"] == f"{FRONTEND}/charts?id=7"
    assert "bazi_session=" in response.headers["set-cookie"]
    user = me.json()["user"]
    assert user["email"] == email
    assert user["emailVerified"] is True
    assert user["displayName"] == "Grace"
    assert user["providers"] == ["google"]
    assert user["hasPassword"] is False


async def test_google_start_sends_pkce_and_nonce(
    embedded_settings: Settings, google: FakeProviders
) -> None:
    async with client_for(embedded_settings) as client:
        started = await client.get("/api/auth/google")

    query = parse_qs(urlsplit(started.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["nonce"][0]) >= 32
    assert query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == ["http://testserver/api/auth/google/callback"]


async def test_google_same_subject_signs_in_again(
    embedded_settings: Settings, google: FakeProviders
) -> None:
    google.google = GoogleScenario(email=new_email("again"))

    async with client_for(embedded_settings) as client:
        await through_provider(client, "/api/auth/google")
        first = (await client.get("/api/auth/me")).json()["user"]["id"]
        client.cookies.clear()
        await through_provider(client, "/api/auth/google")
        second = (await client.get("/api/auth/me")).json()["user"]["id"]

    assert first == second


async def test_google_links_verified_email(
    backend_settings: Settings, google: FakeProviders
) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        client.cookies.clear()
        google.google = GoogleScenario(email=member.email.upper(), email_verified=True)
        response = await through_provider(client, "/api/auth/google")
        me = (await client.get("/api/auth/me")).json()["user"]
        old_session = await client.get("/api/auth/me", headers=member.auth)
        password_login = await client.post(
            "/api/auth/login", json={"email": member.email, "password": PASSWORD}
        )

    assert response.headers["location"] == f"{FRONTEND}/"
    assert me["id"] == member.user["id"]
    assert me["providers"] == ["google"]
    # The password was set without proof of the address, so linking drops it.
    assert me["hasPassword"] is False
    assert old_session.status_code == 401
    assert password_login.status_code == 401


async def test_google_unverified_email_rejected(
    backend_settings: Settings, google: FakeProviders
) -> None:
    async with client_for(backend_settings) as client:
        member = await register(client)
        client.cookies.clear()
        google.google = GoogleScenario(email=member.email, email_verified=False)
        response = await through_provider(client, "/api/auth/google")
        me = await client.get("/api/auth/me")
        login = await client.post(
            "/api/auth/login", json={"email": member.email, "password": PASSWORD}
        )

    assert error_of(response) == {
        "error": ["email_not_verified"],
        "provider": ["google"],
    }
    assert me.status_code == 401
    assert login.json()["user"]["providers"] == []


async def test_google_wrong_nonce_rejected(
    embedded_settings: Settings, google: FakeProviders
) -> None:
    google.google = GoogleScenario(email=new_email(), nonce="not-the-nonce-we-sent")

    async with client_for(embedded_settings) as client:
        response = await through_provider(client, "/api/auth/google")

    assert error_of(response)["error"] == ["invalid_nonce"]


async def test_google_provider_error_reported(
    embedded_settings: Settings, google: FakeProviders
) -> None:
    google.google = GoogleScenario(error="access_denied")

    async with client_for(embedded_settings) as client:
        response = await through_provider(client, "/api/auth/google")

    assert error_of(response) == {"error": ["provider_error"], "provider": ["google"]}


async def test_google_wrong_state_rejected(
    embedded_settings: Settings, google: FakeProviders
) -> None:
    google.google = GoogleScenario(email=new_email())

    async with client_for(embedded_settings) as client:
        started = await client.get("/api/auth/google")
        async with httpx.AsyncClient() as browser:
            approved = await browser.get(started.headers["location"])
        callback = urlsplit(approved.headers["location"])
        query = parse_qs(callback.query)
        requests_before = google.token_requests
        forged = await client.get(
            callback.path, params={"code": query["code"][0], "state": "forged-state"}
        )
        missing = await client.get(callback.path, params={"code": query["code"][0]})

    assert error_of(forged)["error"] == ["invalid_state"]
    assert error_of(missing)["error"] == ["invalid_state"]
    assert google.token_requests == requests_before


async def test_google_replayed_state_rejected(
    embedded_settings: Settings, google: FakeProviders
) -> None:
    google.google = GoogleScenario(email=new_email())

    async with client_for(embedded_settings) as client:
        started = await client.get("/api/auth/google")
        async with httpx.AsyncClient() as browser:
            approved = await browser.get(started.headers["location"])
        callback = urlsplit(approved.headers["location"])
        state_cookie = client.cookies.get("bazi_oauth_state")
        assert state_cookie is not None
        first = await client.get(f"{callback.path}?{callback.query}")
        client.cookies.set("bazi_oauth_state", state_cookie, path=callback.path)
        replay = await client.get(f"{callback.path}?{callback.query}")

    assert first.headers["location"] == f"{FRONTEND}/"
    assert error_of(replay)["error"] == ["invalid_state"]


async def test_google_state_bound_to_browser(
    embedded_settings: Settings, google: FakeProviders
) -> None:
    google.google = GoogleScenario(email=new_email())

    async with client_for(embedded_settings) as client:
        started = await client.get("/api/auth/google")
        async with httpx.AsyncClient() as browser:
            approved = await browser.get(started.headers["location"])
        callback = urlsplit(approved.headers["location"])
        client.cookies.clear()  # the victim's browser never started this flow
        response = await client.get(f"{callback.path}?{callback.query}")

    assert error_of(response)["error"] == ["invalid_state"]


async def test_google_name_from_userinfo(
    embedded_settings: Settings, google: FakeProviders
) -> None:
    google.google = GoogleScenario(
        email=new_email(), name="Info Name", name_only_in_userinfo=True
    )

    async with client_for(embedded_settings) as client:
        await through_provider(client, "/api/auth/google")
        me = (await client.get("/api/auth/me")).json()["user"]

    assert me["displayName"] == "Info Name"


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "x"]
)
async def test_next_must_be_local_path(
    embedded_settings: Settings, google: FakeProviders, next_path: str
) -> None:
    async with client_for(embedded_settings) as client:
        response = await client.get("/api/auth/google", params={"next": next_path})

    assert error_of(response)["error"] == ["invalid_next"]


async def test_unconfigured_provider_redirects(settings_for: SettingsFactory) -> None:
    settings = settings_for(GOOGLE_CLIENT_ID="", WECHAT_APP_ID="")

    async with client_for(settings) as client:
        google = await client.get("/api/auth/google")
        wechat = await client.get("/api/auth/wechat")

    assert error_of(google) == {"error": ["not_configured"], "provider": ["google"]}
    assert error_of(wechat) == {"error": ["not_configured"], "provider": ["wechat"]}


async def test_wechat_sign_in_without_email(
    backend_settings: Settings, wechat: FakeProviders
) -> None:
    wechat.wechat = WeChatScenario(nickname="小明")

    async with client_for(backend_settings) as client:
        response = await through_provider(client, "/api/auth/wechat?next=/me")
        me = (await client.get("/api/auth/me")).json()["user"]
        client.cookies.clear()
        wechat.wechat = WeChatScenario(openid=wechat.wechat.openid)
        await through_provider(client, "/api/auth/wechat")
        again = (await client.get("/api/auth/me")).json()["user"]

    assert response.headers["location"] == f"{FRONTEND}/me"
    assert me["email"] is None
    assert me["displayName"] == "小明"
    assert me["providers"] == ["wechat"]
    assert again["id"] == me["id"]


async def test_wechat_unionid_preferred(
    embedded_settings: Settings, wechat: FakeProviders
) -> None:
    async with client_for(embedded_settings) as client:
        wechat.wechat = WeChatScenario(unionid="union-1-" + new_email())
        await through_provider(client, "/api/auth/wechat")
        first = (await client.get("/api/auth/me")).json()["user"]["id"]
        client.cookies.clear()
        # The same person through another app of the same open platform account.
        wechat.wechat = WeChatScenario(unionid=wechat.wechat.unionid)
        await through_provider(client, "/api/auth/wechat")
        second = (await client.get("/api/auth/me")).json()["user"]["id"]

    assert first == second


async def test_wechat_declined_reports_missing_code(
    embedded_settings: Settings, wechat: FakeProviders
) -> None:
    wechat.wechat = WeChatScenario(declined=True)

    async with client_for(embedded_settings) as client:
        response = await through_provider(client, "/api/auth/wechat")

    assert error_of(response) == {"error": ["missing_code"], "provider": ["wechat"]}


async def test_wechat_token_error_reported(
    embedded_settings: Settings, wechat: FakeProviders
) -> None:
    wechat.wechat = WeChatScenario(token_errcode=40163)

    async with client_for(embedded_settings) as client:
        response = await through_provider(client, "/api/auth/wechat")

    assert error_of(response) == {"error": ["token_failed"], "provider": ["wechat"]}


async def test_wechat_replayed_state_rejected(
    embedded_settings: Settings, wechat: FakeProviders
) -> None:
    async with client_for(embedded_settings) as client:
        started = await client.get("/api/auth/wechat")
        async with httpx.AsyncClient() as browser:
            approved = await browser.get(started.headers["location"])
        callback = urlsplit(approved.headers["location"])
        state_cookie = client.cookies.get("bazi_oauth_state")
        assert state_cookie is not None
        first = await client.get(f"{callback.path}?{callback.query}")
        client.cookies.set("bazi_oauth_state", state_cookie, path=callback.path)
        replay = await client.get(f"{callback.path}?{callback.query}")
        wrong = await client.get(callback.path, params={"code": "c", "state": "nope"})

    assert first.headers["location"] == f"{FRONTEND}/"
    assert error_of(replay)["error"] == ["invalid_state"]
    assert error_of(wrong)["error"] == ["invalid_state"]
