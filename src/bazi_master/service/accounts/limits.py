"""Rate limits of register, login, password change, forgot and reset.

Two fixed-window counters, one per client IP and one per email address, each allowing
``AUTH_RATE_LIMIT_MAX`` requests per ``AUTH_RATE_LIMIT_WINDOW``. The email counter is
keyed by the SHA-256 of the case-folded address, so store keys carry no address.
"""

from __future__ import annotations

import hashlib
import math

from ..core.errors import ApiError
from ..core.metrics import Metrics
from ..core.ratelimit import RateLimit, RateLimiter
from ..core.settings import Settings
from ..core.store import KeyValueStore


class AuthLimiter:
    """Count attempts per client IP and per email; raise 429 over the limit."""

    def __init__(
        self, store: KeyValueStore, metrics: Metrics, settings: Settings
    ) -> None:
        self._limiter = RateLimiter(store, metrics)
        self._metrics = metrics
        self._enabled = settings.RATE_LIMIT_ENABLED
        window = settings.AUTH_RATE_LIMIT_WINDOW.total_seconds()
        self._per_ip = RateLimit("auth-ip", settings.AUTH_RATE_LIMIT_MAX, window)
        self._per_email = RateLimit("auth-email", settings.AUTH_RATE_LIMIT_MAX, window)

    async def check(self, client_ip: str, email_key: str | None = None) -> None:
        """Count one attempt; raise ``ApiError`` 429 with Retry-After over a limit."""
        if not self._enabled:
            return
        attempts = [(self._per_ip, client_ip)]
        if email_key is not None:
            digest = hashlib.sha256(email_key.encode()).hexdigest()
            attempts.append((self._per_email, digest))
        for rule, client in attempts:
            decision = await self._limiter.hit(rule, client)
            if not decision.allowed:
                self._metrics.rate_limited.labels(rule.scope).inc()
                raise _too_many(rule, decision.reset_after)


def _too_many(rule: RateLimit, reset_after: float) -> ApiError:
    retry = max(1, math.ceil(reset_after))
    subject = "this client" if rule.scope == "auth-ip" else "this email address"
    message = (
        f"too many sign-in attempts for {subject}: the limit is {rule.limit} per "
        f"{round(rule.window)} s; retry in {retry} s"
    )
    return ApiError(
        429,
        "RATE_LIMITED",
        message,
        [{"retryAfter": retry, "scope": rule.scope}],
        headers={"retry-after": str(retry)},
    )
