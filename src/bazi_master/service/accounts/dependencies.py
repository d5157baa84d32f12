"""FastAPI dependencies that authenticate a request, for every domain's routes.

``current_user`` raises 401 without a valid session, ``optional_user`` returns None
instead, and ``admin_user`` also raises 403 unless the user is an admin. The token
comes from ``Authorization: Bearer <token>`` first, then from the ``bazi_session``
cookie. Each request reads the session from the store, so a revocation anywhere takes
effect at once.

Usage: ``async def handler(user: CurrentUser) -> ...`` or
``Depends(current_user)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import get_session
from ..core.errors import ApiError
from ..core.logging import get_logger
from ..core.store import StoreError
from .models import User
from .repository import AccountRepository
from .runtime import AccountsRuntime
from .service import is_admin, store_unavailable
from .sessions import LoginSession

log = get_logger(__name__)

SESSION_COOKIE = "bazi_session"

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="The token returned by register or login.",
)
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="The HttpOnly cookie set by register, login and provider sign-in.",
)


@dataclass(frozen=True)
class Login:
    """An authenticated request: the user and the session it used."""

    user: User
    session: LoginSession


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"www-authenticate": "Bearer"})


def request_token(
    bearer: HTTPAuthorizationCredentials | None, cookie: str | None
) -> str | None:
    """Return the bearer token if sent, else the cookie value, else None."""
    if bearer is not None and bearer.credentials:
        return bearer.credentials
    return cookie or None


def token_of(request: Request) -> str | None:
    """Read the token as the security schemes do, for routes that must not declare
    them (logout accepts any request, so OpenAPI must not list it as secured)."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    bearer = None
    if scheme.lower() == "bearer" and credentials:
        bearer = HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)
    return request_token(bearer, request.cookies.get(SESSION_COOKIE))


async def _login_for(
    request: Request, token: str, database: AsyncSession
) -> Login | None:
    """Resolve the token to its session and active user, or return None."""
    runtime: AccountsRuntime = request.app.state.accounts
    session = await runtime.sessions.resolve(token)
    if session is None:
        return None
    user = await AccountRepository(database).user_by_id(session.user_id)
    if user is None or not user.is_active:
        return None
    request.state.user_id = str(user.id)
    return Login(user, session)


async def current_login(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
    database: Annotated[AsyncSession, Depends(get_session)],
) -> Login:
    """Authenticate the request; 401 without a valid session, 503 if the store fails."""
    token = request_token(bearer, cookie)
    if token is None:
        raise _unauthorized(
            "UNAUTHORIZED",
            "sign in first: send Authorization: Bearer <token> or the bazi_session "
            "cookie",
        )
    try:
        login = await _login_for(request, token, database)
    except StoreError as exc:
        raise store_unavailable(exc) from exc
    if login is None:
        raise _unauthorized(
            "SESSION_EXPIRED", "the session has expired or was revoked; sign in again"
        )
    return login


async def current_user(login: Annotated[Login, Depends(current_login)]) -> User:
    """Return the signed-in user; raise 401 without a valid session."""
    return login.user


async def optional_user(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
    database: Annotated[AsyncSession, Depends(get_session)],
) -> User | None:
    """Return the signed-in user, or None for an anonymous or expired request.

    A store failure also gives None (and a log line), so public routes keep working.
    """
    token = request_token(bearer, cookie)
    if token is None:
        return None
    try:
        login = await _login_for(request, token, database)
    except StoreError as exc:
        log.warning("auth.optional_user_unavailable", error=str(exc))
        return None
    return login.user if login else None


async def admin_user(
    request: Request, user: Annotated[User, Depends(current_user)]
) -> User:
    """Return the signed-in user if an admin; raise 403 otherwise."""
    if not is_admin(user, request.app.state.settings.ADMIN_EMAILS):
        raise ApiError(403, "FORBIDDEN", "this endpoint is for admins only")
    return user


CurrentLogin = Annotated[Login, Depends(current_login)]
CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
AdminUser = Annotated[User, Depends(admin_user)]
