"""The parts of the accounts domain shared by all requests of one app instance.

Created when the app starts (``accounts_lifespan``) and kept at
``app.state.accounts``. Shutting down waits for password reset emails still being
sent, then closes the HTTP client of the sign-in providers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from prometheus_client import Counter

from ..core.logging import get_logger
from ..core.metrics import Metrics
from ..core.settings import Settings
from ..core.store import KeyValueStore
from .limits import AuthLimiter
from .mailer import Mailer
from .oauth import OAuthStates
from .oauth_google import GoogleSignIn
from .oauth_wechat import WeChatSignIn
from .passwords import Passwords
from .resets import ResetTokens
from .sessions import SessionStore

log = get_logger(__name__)

BACKGROUND_DRAIN = 10.0  # seconds shutdown waits for background work


class AccountCounters:
    """Prometheus counters of the accounts domain, registered once per app."""

    def __init__(self, metrics: Metrics) -> None:
        self.reset_email_failures = Counter(
            "bazi_auth_reset_email_failures",
            "Password reset emails that the SMTP server did not accept.",
            registry=metrics.registry,
        )
        self.oauth_failures = Counter(
            "bazi_auth_oauth_failures",
            "Failed Google and WeChat sign-ins by provider and error code.",
            ["provider", "code"],
            registry=metrics.registry,
        )


class AccountsRuntime:
    """Sessions, passwords, mail, limits and sign-in providers of one instance."""

    def __init__(
        self,
        settings: Settings,
        store: KeyValueStore,
        metrics: Metrics,
        counters: AccountCounters,
    ) -> None:
        self.settings = settings
        self.sessions = SessionStore(store, settings)
        self.passwords = Passwords(settings)
        self.mailer = Mailer(settings)
        self.resets = ResetTokens(store, settings)
        self.limiter = AuthLimiter(store, metrics, settings)
        self.oauth_states = OAuthStates(store)
        timeout = settings.OAUTH_HTTP_TIMEOUT.total_seconds()
        self.http = httpx.AsyncClient(timeout=timeout, follow_redirects=False)
        self.google = GoogleSignIn(settings, self.http)
        self.wechat = WeChatSignIn(settings, self.http)
        self.counters = counters
        self._tasks: set[asyncio.Task[None]] = set()

    def run_in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after the response is sent; shutdown waits for it."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_for_background(self, timeout: float = BACKGROUND_DRAIN) -> None:
        """Wait until the background work started so far has finished."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def close(self) -> None:
        """Finish background work, then close the HTTP client."""
        await self.wait_for_background()
        for task in self._tasks:
            log.warning("auth.background_cancelled", task=task.get_name())
            task.cancel()
        await self.http.aclose()


@asynccontextmanager
async def accounts_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Create ``app.state.accounts`` at start-up and close it at shutdown.

    The counters outlive one start: an app may run its lifespan more than once (test
    tools do), and a registry accepts each metric name only once.
    """
    counters = getattr(app.state, "account_counters", None)
    if counters is None:
        counters = app.state.account_counters = AccountCounters(app.state.metrics)
    runtime = AccountsRuntime(
        app.state.settings, app.state.store, app.state.metrics, counters
    )
    app.state.accounts = runtime
    if not runtime.settings.ADMIN_EMAILS:
        log.info("auth.no_admins", reason="ADMIN_EMAILS is empty")
    yield
    await runtime.close()
