"""Fixed-window rate limits per client IP, counted in the key-value store.

With Redis every instance shares the counters. When the store fails, counting falls back
to the process's own ``MemoryStore`` (each instance then allows the limit on its own),
the failure is logged once per minute and counted in ``bazi_rate_limit_store_errors``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from .logging import get_logger
from .metrics import Metrics
from .store import KeyValueStore, MemoryStore, StoreError

log = get_logger(__name__)
FAILURE_LOG_INTERVAL = 60.0  # seconds between two ``rate_limit.store_failed`` lines


@dataclass(frozen=True)
class RateLimit:
    """A limit of ``limit`` requests per ``window`` seconds, counted under ``scope``."""

    scope: str
    limit: int
    window: float


@dataclass(frozen=True)
class Decision:
    """The outcome of one check, with the values of the rate-limit headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float  # seconds until the window ends

    def headers(self) -> list[tuple[bytes, bytes]]:
        """``X-RateLimit-*`` headers (reset as epoch seconds), plus ``Retry-After``."""
        reset_at = math.ceil(time.time() + self.reset_after)
        headers = [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(reset_at).encode()),
        ]
        if not self.allowed:
            retry = max(1, math.ceil(self.reset_after))
            headers.append((b"retry-after", str(retry).encode()))
        return headers


class RateLimiter:
    """Count requests per scope and client, in the store or its in-process fallback."""

    def __init__(self, store: KeyValueStore, metrics: Metrics) -> None:
        self._store = store
        self._fallback = MemoryStore()
        self._metrics = metrics
        self._last_failure_log = -math.inf

    async def hit(self, rule: RateLimit, client: str) -> Decision:
        """Count one request of ``client`` against ``rule``."""
        now = time.time()
        window_index = int(now // rule.window)
        key = f"rate-limit:{rule.scope}:{client}:{window_index}"
        count = await self._increment(key, rule.window)

        remaining = max(0, rule.limit - count)
        reset_after = (window_index + 1) * rule.window - now
        return Decision(count <= rule.limit, rule.limit, remaining, reset_after)

    async def _increment(self, key: str, window: float) -> int:
        """Add one to the window's counter; the key expires when the window ends."""
        try:
            count, _ = await self._store.incr(key, ttl=window)
            return count
        except StoreError as exc:
            self._report_failure(exc)
        count, _ = await self._fallback.incr(key, ttl=window)
        return count

    def _report_failure(self, exc: StoreError) -> None:
        self._metrics.rate_limit_degraded.inc()
        now = time.monotonic()
        if now - self._last_failure_log >= FAILURE_LOG_INTERVAL:
            self._last_failure_log = now
            log.error("rate_limit.store_failed", error=str(exc), fallback="in_process")
