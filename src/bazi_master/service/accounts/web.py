"""Helpers shared by the accounts routes: the service per request, cookies, client."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import get_session
from ..core.settings import Settings
from .dependencies import SESSION_COOKIE
from .repository import AccountRepository
from .runtime import AccountsRuntime
from .service import AccountService, Client


def runtime_of(request: Request) -> AccountsRuntime:
    """Return the accounts runtime of the app."""
    runtime: AccountsRuntime = request.app.state.accounts
    return runtime


async def account_service(
    request: Request, database: Annotated[AsyncSession, Depends(get_session)]
) -> AccountService:
    """FastAPI dependency: the account service on the request's database session."""
    return AccountService(AccountRepository(database), runtime_of(request))


Accounts = Annotated[AccountService, Depends(account_service)]


def client_of(request: Request) -> Client:
    """Return the client address (after trusted proxies) and user agent."""
    ip = getattr(request.state, "client_ip", None)
    if ip is None:
        ip = request.client.host if request.client else "unknown"
    return Client(ip=str(ip), user_agent=request.headers.get("user-agent"))


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """Set ``bazi_session``: HttpOnly, for the session's absolute lifetime."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.SESSION_LIFETIME.total_seconds()),
        path="/",
        domain=settings.SESSION_COOKIE_DOMAIN,
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    """Tell the browser to drop ``bazi_session``."""
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        domain=settings.SESSION_COOKIE_DOMAIN,
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def utc_datetime(seconds: float) -> datetime:
    """Convert Unix seconds to an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)
