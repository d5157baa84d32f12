"""Google and WeChat sign-in routes: a start URL and a callback per provider.

Every outcome is a 302. Success sets the ``bazi_session`` cookie and goes to
``FRONTEND_URL`` + ``next``; a failure goes to
``FRONTEND_URL/login?error=<code>&provider=<name>`` with one of the codes:
``not_configured``, ``invalid_next``, ``provider_unavailable``, ``invalid_state``,
``provider_error``, ``missing_code``, ``token_failed``, ``invalid_id_token``,
``invalid_nonce``, ``userinfo_failed``, ``missing_openid``, ``email_not_verified``,
``account_disabled``, ``server_error``.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Protocol
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Query, Request
from fastapi.responses import RedirectResponse

from ..core.logging import get_logger
from ..core.store import StoreError
from .oauth import (
    STATE_COOKIE,
    STATE_TTL,
    FlowState,
    OAuthFailure,
    ProviderProfile,
    safe_next_path,
)
from .runtime import AccountsRuntime
from .web import Accounts, client_of, runtime_of, set_session_cookie

log = get_logger(__name__)

router = APIRouter(prefix="/api/auth", tags=["auth"])

NextPath = Annotated[
    str | None, Query(max_length=512, description="Path on the frontend to return to.")
]
StateCookie = Annotated[str | None, Cookie(alias=STATE_COOKIE, include_in_schema=False)]


class SignInProvider(Protocol):
    """Interface of a provider module, as the routes use it."""

    name: str

    @property
    def configured(self) -> bool: ...

    def new_secrets(self) -> dict[str, str]: ...

    async def authorization_url(self, state: str, secrets: dict[str, str]) -> str: ...

    async def profile(self, code: str, secrets: dict[str, str]) -> ProviderProfile: ...


@router.get("/google", status_code=302, response_class=RedirectResponse)
async def google_start(request: Request, next: NextPath = None) -> RedirectResponse:
    """Send the browser to Google's sign-in page."""
    runtime = runtime_of(request)
    return await _start(runtime, runtime.google, next)


@router.get("/google/callback", status_code=302, response_class=RedirectResponse)
async def google_callback(
    request: Request,
    accounts: Accounts,
    state_cookie: StateCookie = None,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    """Finish a Google sign-in and send the browser back to the frontend."""
    callback = _Callback(code, state, error, state_cookie)
    return await _finish(request, accounts, accounts.runtime.google, callback)


@router.get("/wechat", status_code=302, response_class=RedirectResponse)
@router.get("/wechat/redirect", include_in_schema=False)
async def wechat_start(request: Request, next: NextPath = None) -> RedirectResponse:
    """Send the browser to WeChat's QR-code sign-in page."""
    runtime = runtime_of(request)
    return await _start(runtime, runtime.wechat, next)


@router.get("/wechat/callback", status_code=302, response_class=RedirectResponse)
async def wechat_callback(
    request: Request,
    accounts: Accounts,
    state_cookie: StateCookie = None,
    code: str | None = None,
    state: str | None = None,
) -> RedirectResponse:
    """Finish a WeChat sign-in; WeChat omits ``code`` when the user declines."""
    callback = _Callback(code, state, None, state_cookie)
    return await _finish(request, accounts, accounts.runtime.wechat, callback)


class _Callback:
    """The query parameters and state cookie of a callback request."""

    def __init__(
        self, code: str | None, state: str | None, error: str | None, cookie: str | None
    ) -> None:
        self.code = code
        self.state = state
        self.error = error
        self.cookie = cookie


async def _start(
    runtime: AccountsRuntime, provider: SignInProvider, next_path: str | None
) -> RedirectResponse:
    try:
        if not provider.configured:
            raise OAuthFailure("not_configured", f"{provider.name} is not configured")
        flow = FlowState(
            provider.name, safe_next_path(next_path), provider.new_secrets()
        )
        state = await runtime.oauth_states.create(flow)
        url = await provider.authorization_url(state, flow.secrets)
    except OAuthFailure as failure:
        return _failed(runtime, provider.name, failure)
    except StoreError as exc:
        return _failed(runtime, provider.name, OAuthFailure("server_error", str(exc)))
    response = RedirectResponse(url, status_code=302)
    _set_state_cookie(response, runtime, provider.name, state)
    return response


async def _finish(
    request: Request,
    accounts: Accounts,
    provider: SignInProvider,
    callback: _Callback,
) -> RedirectResponse:
    runtime = accounts.runtime
    try:
        flow, code = await _check_callback(runtime, provider.name, callback)
        profile = await provider.profile(code, flow.secrets)
        user, new = await accounts.sign_in_with(profile, client_of(request))
    except OAuthFailure as failure:
        await accounts.repository.session.rollback()
        return _failed(runtime, provider.name, failure)
    except StoreError as exc:
        await accounts.repository.session.rollback()
        return _failed(runtime, provider.name, OAuthFailure("server_error", str(exc)))
    log.info("auth.oauth_signed_in", provider=provider.name, user_id=str(user.id))
    target = runtime.settings.FRONTEND_URL.rstrip("/") + flow.next_path
    response = RedirectResponse(target, status_code=302)
    set_session_cookie(response, new.token, runtime.settings)
    _clear_state_cookie(response, runtime, provider.name)
    return response


async def _check_callback(
    runtime: AccountsRuntime, provider: str, callback: _Callback
) -> tuple[FlowState, str]:
    """Consume the state, then check the cookie, the provider's error and the code.

    Return the stored flow and the code.
    """
    if not callback.state:
        raise OAuthFailure("invalid_state", "the callback has no state")
    flow = await runtime.oauth_states.consume(callback.state, provider)
    if not hmac.compare_digest(callback.cookie or "", callback.state):
        raise OAuthFailure("invalid_state", "the state cookie does not match")
    if callback.error:
        raise OAuthFailure(
            "provider_error", f"the provider returned {callback.error!r}"
        )
    if not callback.code:
        raise OAuthFailure("missing_code", "the callback has no code")
    return flow, callback.code


def _failed(
    runtime: AccountsRuntime, provider: str, failure: OAuthFailure
) -> RedirectResponse:
    runtime.counters.oauth_failures.labels(provider, failure.code).inc()
    log.warning(
        "auth.oauth_failed", provider=provider, code=failure.code, detail=failure.detail
    )
    query = urlencode({"error": failure.code, "provider": provider})
    target = f"{runtime.settings.FRONTEND_URL.rstrip('/')}/login?{query}"
    response = RedirectResponse(target, status_code=302)
    _clear_state_cookie(response, runtime, provider)
    return response


def _set_state_cookie(
    response: RedirectResponse, runtime: AccountsRuntime, provider: str, state: str
) -> None:
    """SameSite=Lax, because the redirect back from the provider is a top-level GET."""
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=int(STATE_TTL),
        path=f"/api/auth/{provider}/callback",
        secure=runtime.settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )


def _clear_state_cookie(
    response: RedirectResponse, runtime: AccountsRuntime, provider: str
) -> None:
    response.delete_cookie(
        STATE_COOKIE,
        path=f"/api/auth/{provider}/callback",
        secure=runtime.settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )
