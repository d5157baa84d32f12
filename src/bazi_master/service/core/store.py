"""Short-lived key-value data: caches, rate-limit counters, login sessions, tokens.

``RedisStore`` shares the data between instances; ``MemoryStore`` keeps it in the
process and serves a single instance only (the default without ``REDIS_URL``). Both
take logical keys such as ``bazi-cache:<hash>`` and store them under one prefix
(``REDIS_KEY_PREFIX``, default ``bazi-master:``), so the service never touches keys it
did not write. Every operation raises ``StoreError`` on failure; callers decide whether
that fails the request (a login session lookup) or not (a cache read).
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import RedisError

from .logging import get_logger
from .settings import Settings

log = get_logger(__name__)
T = TypeVar("T")


class StoreError(Exception):
    """A store operation failed; the message names the operation and the cause."""


class KeyValueStore(Protocol):
    """The operations every store offers. TTLs are in seconds."""

    kind: str  # "redis" or "memory"
    shared: bool  # whether other instances see the same data

    async def get(self, key: str) -> str | None: ...

    async def set(
        self, key: str, value: str, *, ttl: float | None = None, nx: bool = False
    ) -> bool:
        """Store ``value``, with ``nx`` only if the key is absent; return if stored."""
        ...

    async def getdel(self, key: str) -> str | None:
        """Read and delete in one step, so only one caller gets a one-time value."""
        ...

    async def delete(self, *keys: str) -> int: ...

    async def incr(self, key: str, *, ttl: float) -> tuple[int, float]:
        """Add one; start the expiry on the first increment. Return count, TTL left."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


@dataclass
class _Entry:
    value: str
    expires_at: float | None  # time.monotonic() seconds, None for no expiry


class MemoryStore:
    """A store inside the process: fine for one instance, invisible to others.

    It keeps at most ``max_entries`` keys: when full, expired keys go first, then the
    oldest written, so a flood of distinct requests cannot exhaust memory (at the cost
    of early eviction, also of rate-limit counters).
    """

    kind = "memory"
    shared = False

    def __init__(
        self, max_entries: int = 5000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: dict[str, _Entry] = {}
        self._max_entries = max_entries
        self._clock = clock
        self._last_sweep = -math.inf

    def _live(self, key: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry and entry.expires_at is not None and entry.expires_at <= self._clock():
            del self._entries[key]
            return None
        return entry

    def _expiry(self, ttl: float | None) -> float | None:
        return None if ttl is None else self._clock() + ttl

    def _make_room(self, key: str) -> None:
        """Before adding ``key``: if full, drop expired keys, then the oldest.

        The scan for expired keys runs at most once a second, so a full store costs
        O(1) per write in between.
        """
        if key in self._entries or len(self._entries) < self._max_entries:
            return
        now = self._clock()
        if now - self._last_sweep >= 1.0:
            self._last_sweep = now
            for name, entry in list(self._entries.items()):
                if entry.expires_at is not None and entry.expires_at <= now:
                    del self._entries[name]
        while len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]

    async def get(self, key: str) -> str | None:
        entry = self._live(key)
        return entry.value if entry else None

    async def set(
        self, key: str, value: str, *, ttl: float | None = None, nx: bool = False
    ) -> bool:
        if nx and self._live(key):
            return False
        self._make_room(key)
        self._entries.pop(key, None)  # re-inserting moves the key to the newest end
        self._entries[key] = _Entry(value, self._expiry(ttl))
        return True

    async def getdel(self, key: str) -> str | None:
        entry = self._live(key)
        self._entries.pop(key, None)
        return entry.value if entry else None

    async def delete(self, *keys: str) -> int:
        return sum(self._entries.pop(key, None) is not None for key in keys)

    async def incr(self, key: str, *, ttl: float) -> tuple[int, float]:
        entry = self._live(key)
        if entry is None:
            self._make_room(key)
            entry = self._entries[key] = _Entry("0", self._expiry(ttl))
        entry.value = str(int(entry.value) + 1)
        left = (entry.expires_at or math.inf) - self._clock()
        return int(entry.value), left

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._entries.clear()


class CircuitBreaker:
    """Skip a failing dependency for a cool-down after consecutive failures.

    A hung Redis costs every call its full socket timeout. So after ``failures``
    failures in a row the breaker opens, and calls fail at once for ``cooldown``
    seconds. Then one call is let through to probe.
    """

    def __init__(self, failures: int, cooldown: float) -> None:
        self.failures = failures
        self.cooldown = cooldown
        self._count = 0
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        """Whether calls are being skipped right now."""
        return time.monotonic() < self._open_until

    def record_success(self) -> None:
        self._count = 0

    def record_failure(self) -> bool:
        """Count a failure; return True when this failure opened the breaker."""
        self._count += 1
        if self._count < self.failures:
            return False
        self._count = 0
        self._open_until = time.monotonic() + self.cooldown
        return True


class RedisStore:
    """A store in Redis, shared by every instance that uses the same URL and prefix."""

    kind = "redis"
    shared = True

    def __init__(
        self, client: redis.Redis, prefix: str, breaker: CircuitBreaker
    ) -> None:
        self._client = client
        self._prefix = prefix
        self.breaker = breaker

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisStore:
        """Connect with short timeouts: redis-py 8 defaults wait up to a minute."""
        assert settings.REDIS_URL
        timeout = settings.REDIS_SOCKET_TIMEOUT
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            decode_responses=True,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.05), 1),
            health_check_interval=15,
            max_connections=100,
        )
        breaker = CircuitBreaker(
            settings.REDIS_BREAKER_FAILURES, settings.REDIS_BREAKER_COOLDOWN
        )
        return cls(client, settings.REDIS_KEY_PREFIX, breaker)

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def _call(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        if self.breaker.is_open:
            raise StoreError(f"redis {operation} skipped: too many recent failures")
        try:
            result = await call()
        except (RedisError, OSError, TimeoutError) as exc:
            self._record_failure(operation, exc)
            raise StoreError(f"redis {operation} failed: {type(exc).__name__}") from exc
        self.breaker.record_success()
        return result

    def _record_failure(self, operation: str, exc: BaseException) -> None:
        if self.breaker.record_failure():
            log.error(
                "redis.breaker_opened",
                operation=operation,
                error_type=type(exc).__name__,
                cooldown_seconds=self.breaker.cooldown,
            )

    async def get(self, key: str) -> str | None:
        async def call() -> str | None:
            return _text(await self._client.get(self._key(key)))

        return await self._call("GET", call)

    async def set(
        self, key: str, value: str, *, ttl: float | None = None, nx: bool = False
    ) -> bool:
        px = None if ttl is None else max(1, int(ttl * 1000))

        async def call() -> bool:
            return bool(await self._client.set(self._key(key), value, px=px, nx=nx))

        return await self._call("SET", call)

    async def getdel(self, key: str) -> str | None:
        async def call() -> str | None:
            return _text(await self._client.getdel(self._key(key)))

        return await self._call("GETDEL", call)

    async def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        names = [self._key(key) for key in keys]
        return int(await self._call("DEL", lambda: self._client.delete(*names)))

    async def incr(self, key: str, *, ttl: float) -> tuple[int, float]:
        name = self._key(key)
        px = max(1, int(ttl * 1000))

        async def call() -> tuple[int, float]:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.pexpire(name, px, nx=True)
                pipe.pttl(name)
                count, _, left_ms = await pipe.execute()
            return int(count), max(0, int(left_ms)) / 1000

        return await self._call("INCR", call)

    async def ping(self) -> None:
        """Send PING, bypassing the breaker: health checks report the real state."""
        try:
            await self._client.ping()
        except (RedisError, OSError, TimeoutError) as exc:
            raise StoreError(f"redis PING failed: {type(exc).__name__}") from exc
        self.breaker.record_success()

    async def close(self) -> None:
        await self._client.aclose()


def _text(value: bytes | str | None) -> str | None:
    """Values are stored as text; the client decodes them (``decode_responses``)."""
    if isinstance(value, bytes):
        return value.decode()
    return value


def create_store(settings: Settings) -> KeyValueStore:
    """Return the Redis store when ``REDIS_URL`` is set, else the in-process one."""
    if settings.REDIS_URL:
        return RedisStore.from_settings(settings)
    return MemoryStore()
