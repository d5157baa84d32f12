"""Routes of the accounts domain: ``/api/auth/*``, ``/api/user/settings`` and
``/api/admin/health``. ``router`` includes them all, the provider sign-in routes too,
and carries the lifespan that creates ``app.state.accounts``."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ..core.errors import ApiError, error_responses
from ..core.logging import get_logger
from ..core.store import StoreError
from ..health.service import HealthChecker
from .dependencies import (
    AdminUser,
    CurrentLogin,
    CurrentUser,
    token_of,
)
from .oauth_endpoints import router as oauth_router
from .repository import AccountRepository
from .runtime import AccountsRuntime, accounts_lifespan
from .schemas import (
    AcceptedResponse,
    AuthResponse,
    ChangePasswordRequest,
    ForgotPasswordRequest,
    LoginRequest,
    MeResponse,
    RegisterRequest,
    ResetPasswordRequest,
    SessionOut,
    SessionsResponse,
    SettingsOut,
    SettingsRequest,
    SettingsResponse,
    UpdateMeRequest,
)
from .service import AccountService, email_key, store_unavailable
from .web import (
    Accounts,
    clear_session_cookie,
    client_of,
    runtime_of,
    set_session_cookie,
    utc_datetime,
)

log = get_logger(__name__)

FORGOT_MESSAGE = "if an account exists for this email, a reset link has been sent to it"

auth = APIRouter(prefix="/api/auth", tags=["auth"])
user_settings = APIRouter(prefix="/api/user", tags=["user"])
admin = APIRouter(prefix="/api/admin", tags=["admin"])


@auth.post(
    "/register",
    status_code=201,
    response_model=AuthResponse,
    responses=error_responses(400, 409, 422, 429, 503),
)
async def register(
    body: RegisterRequest, request: Request, response: Response, accounts: Accounts
) -> AuthResponse:
    """Create an account with email and password, and sign in."""
    user, new = await accounts.register(body, client_of(request))
    set_session_cookie(response, new.token, accounts.runtime.settings)
    return AuthResponse(token=new.token, user=await accounts.describe(user))


@auth.post(
    "/login",
    response_model=AuthResponse,
    responses=error_responses(400, 401, 403, 422, 429, 503),
)
async def login(
    body: LoginRequest, request: Request, response: Response, accounts: Accounts
) -> AuthResponse:
    """Sign in with email and password."""
    user, new = await accounts.login(body, client_of(request))
    set_session_cookie(response, new.token, accounts.runtime.settings)
    return AuthResponse(token=new.token, user=await accounts.describe(user))


@auth.post("/logout", status_code=204, responses=error_responses(503))
async def logout(request: Request) -> Response:
    """End the current session, if any, and clear the cookie."""
    runtime = runtime_of(request)
    token = token_of(request)
    if token is not None:
        await _end_session_of(runtime, token)
    response = Response(status_code=204)
    clear_session_cookie(response, runtime.settings)
    return response


async def _end_session_of(runtime: AccountsRuntime, token: str) -> None:
    try:
        session = await runtime.sessions.resolve(token)
        if session is not None:
            await runtime.sessions.revoke(session.user_id, session.id)
    except StoreError as exc:
        raise store_unavailable(exc) from exc


@auth.get("/me", response_model=MeResponse, responses=error_responses(401, 503))
async def read_me(user: CurrentUser, accounts: Accounts) -> MeResponse:
    """Return the signed-in user."""
    return MeResponse(user=await accounts.describe(user))


@auth.patch(
    "/me", response_model=MeResponse, responses=error_responses(400, 401, 403, 409, 422)
)
async def update_me(
    body: UpdateMeRequest, user: CurrentUser, accounts: Accounts
) -> MeResponse:
    """Change the display name or the email (the email needs currentPassword)."""
    updated = await accounts.update_profile(user, body)
    return MeResponse(user=await accounts.describe(updated))


@auth.delete("/me", status_code=204, responses=error_responses(401, 503))
async def delete_me(user: CurrentUser, accounts: Accounts) -> Response:
    """Delete the account and everything it owns; end all its sessions."""
    await accounts.delete_account(user)
    response = Response(status_code=204)
    clear_session_cookie(response, accounts.runtime.settings)
    return response


@auth.post(
    "/change-password",
    status_code=204,
    responses=error_responses(400, 401, 403, 422, 429, 503),
)
async def change_password(
    body: ChangePasswordRequest,
    request: Request,
    login: CurrentLogin,
    accounts: Accounts,
) -> Response:
    """Replace the password; every other session of the user ends."""
    await accounts.change_password(login.user, login.session, body, client_of(request))
    return Response(status_code=204)


@auth.post(
    "/password/forgot",
    status_code=202,
    response_model=AcceptedResponse,
    responses=error_responses(400, 422, 429, 503),
)
async def forgot_password(
    body: ForgotPasswordRequest, request: Request
) -> AcceptedResponse:
    """Email a reset link; the response never shows whether the account exists."""
    runtime = runtime_of(request)
    _require_reset_enabled(runtime)
    if not runtime.mailer.configured:
        raise ApiError(
            503,
            "PASSWORD_RESET_UNAVAILABLE",
            "this server cannot send email (SMTP_HOST or SMTP_FROM is not set)",
        )
    await runtime.limiter.check(client_of(request).ip, email_key(body.email))
    runtime.run_in_background(_send_reset_link(request.app, body.email))
    return AcceptedResponse(message=FORGOT_MESSAGE)


async def _send_reset_link(app: FastAPI, address: str) -> None:
    """Look the account up and send the email, on a database session of its own."""
    runtime: AccountsRuntime = app.state.accounts
    factory = app.state.session_factory
    try:
        async with factory() as database:
            service = AccountService(AccountRepository(database), runtime)
            await service.send_reset_link(address)
            await database.commit()
    except Exception as exc:  # a background task has no caller to raise to
        log.error("auth.reset_failed", error_type=type(exc).__name__, error=str(exc))


def _require_reset_enabled(runtime: AccountsRuntime) -> None:
    if not runtime.settings.PASSWORD_RESET_ENABLED:
        raise ApiError(
            503,
            "PASSWORD_RESET_DISABLED",
            "password reset is turned off on this server (PASSWORD_RESET_ENABLED)",
        )


@auth.post(
    "/password/reset", status_code=204, responses=error_responses(400, 422, 429, 503)
)
async def reset_password(
    body: ResetPasswordRequest, request: Request, accounts: Accounts
) -> Response:
    """Set a new password with the token from the reset email; all sessions end."""
    _require_reset_enabled(accounts.runtime)
    await accounts.reset_password(body, client_of(request))
    return Response(status_code=204)


@auth.get(
    "/sessions", response_model=SessionsResponse, responses=error_responses(401, 503)
)
async def list_sessions(login: CurrentLogin, request: Request) -> SessionsResponse:
    """List the user's live sessions, newest first; ``current`` marks this one."""
    try:
        sessions = await runtime_of(request).sessions.list(login.user.id)
    except StoreError as exc:
        raise store_unavailable(exc) from exc
    return SessionsResponse(
        sessions=[
            SessionOut(
                id=session.id,
                current=session.id == login.session.id,
                created_at=utc_datetime(session.created_at),
                last_seen_at=utc_datetime(session.last_seen_at),
                expires_at=utc_datetime(session.expires_at),
                client_ip=session.client_ip,
                user_agent=session.user_agent,
            )
            for session in sessions
        ]
    )


@auth.delete(
    "/sessions/{session_id}", status_code=204, responses=error_responses(401, 404, 503)
)
async def revoke_session(
    session_id: str, login: CurrentLogin, request: Request
) -> Response:
    """End one of the user's sessions by its id (not its token)."""
    runtime = runtime_of(request)
    try:
        ended = await runtime.sessions.revoke(login.user.id, session_id)
    except StoreError as exc:
        raise store_unavailable(exc) from exc
    if not ended:
        raise ApiError(
            404,
            "SESSION_NOT_FOUND",
            f"no live session {session_id!r} of this user; list them at "
            "GET /api/auth/sessions",
        )
    response = Response(status_code=204)
    if session_id == login.session.id:
        clear_session_cookie(response, runtime.settings)
    return response


@user_settings.get(
    "/settings", response_model=SettingsResponse, responses=error_responses(401, 503)
)
async def read_settings(user: CurrentUser, accounts: Accounts) -> SettingsResponse:
    """Return the user's locale and preferences."""
    settings = await accounts.settings_of(user)
    return SettingsResponse(
        settings=SettingsOut(locale=settings.locale, preferences=settings.preferences)
    )


@user_settings.put(
    "/settings",
    response_model=SettingsResponse,
    responses=error_responses(400, 401, 422),
)
async def write_settings(
    body: SettingsRequest, user: CurrentUser, accounts: Accounts
) -> SettingsResponse:
    """Change the locale (zh or en) and/or replace the preferences object."""
    settings = await accounts.update_settings(user, body.locale, body.preferences)
    return SettingsResponse(
        settings=SettingsOut(locale=settings.locale, preferences=settings.preferences)
    )


@admin.get(
    "/health",
    responses={
        200: {"description": "Every dependency is healthy."},
        **error_responses(401, 403, 503),
    },
)
async def admin_health(user: AdminUser, request: Request) -> JSONResponse:
    """Dependency checks for admins, with the admin's id and email."""
    checker: HealthChecker = request.app.state.health
    checks = await checker.check()
    ok = all(check["ok"] for check in checks.values())
    body = {
        "status": "ok" if ok else "degraded",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "uptime": round(time.monotonic() - request.app.state.started_at, 3),
        "checks": checks,
        "user": {"id": str(user.id), "email": user.email},
    }
    return JSONResponse(body, 200 if ok else 503, headers={"cache-control": "no-store"})


router = APIRouter(lifespan=accounts_lifespan)
for _part in (auth, user_settings, admin, oauth_router):
    router.include_router(_part)
