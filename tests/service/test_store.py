"""The key-value store contract, on Redis and in process, and Redis failure handling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import redis

from bazi_master.service import Settings
from bazi_master.service.core.store import (
    KeyValueStore,
    MemoryStore,
    RedisStore,
    StoreError,
    create_store,
)

from .conftest import PrivateRedis, SettingsFactory


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, settings_for: SettingsFactory
) -> AsyncIterator[KeyValueStore]:
    if request.param == "memory":
        settings = settings_for()
    else:
        settings = request.getfixturevalue("shared_settings")
    store = create_store(settings)
    yield store
    await store.close()


async def test_store_kind_follows_redis_url(
    embedded_settings: Settings, shared_settings: Settings
) -> None:
    embedded = create_store(embedded_settings)
    shared = create_store(shared_settings)

    assert isinstance(embedded, MemoryStore)
    assert embedded.shared is False
    assert isinstance(shared, RedisStore)
    assert shared.shared is True
    await shared.close()


async def test_get_set_delete(store: KeyValueStore) -> None:
    assert await store.get("a") is None

    assert await store.set("a", "1") is True
    assert await store.get("a") == "1"
    assert await store.delete("a", "missing") == 1
    assert await store.get("a") is None


async def test_set_ttl_expires(store: KeyValueStore) -> None:
    await store.set("short", "x", ttl=0.15)

    assert await store.get("short") == "x"
    await asyncio.sleep(0.3)
    assert await store.get("short") is None


async def test_set_nx_keeps_first_value(store: KeyValueStore) -> None:
    first = await store.set("once", "first", nx=True)
    second = await store.set("once", "second", nx=True)

    assert first is True
    assert second is False
    assert await store.get("once") == "first"


async def test_getdel_returns_value_once(store: KeyValueStore) -> None:
    await store.set("token", "secret-value", ttl=60)

    results = await asyncio.gather(*(store.getdel("token") for _ in range(5)))

    assert results.count("secret-value") == 1
    assert results.count(None) == 4


async def test_incr_counts_and_expires(store: KeyValueStore) -> None:
    counts = [await store.incr("hits", ttl=0.3) for _ in range(3)]

    assert [count for count, _ in counts] == [1, 2, 3]
    assert 0 < counts[-1][1] <= 0.3
    await asyncio.sleep(0.45)
    assert (await store.incr("hits", ttl=0.3))[0] == 1


async def test_redis_keys_live_under_prefix(
    shared_settings: Settings, redis_url: str
) -> None:
    store = create_store(shared_settings)
    await store.set("probe", "1", ttl=60)
    await store.close()

    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    keys = list(raw.scan_iter(match=shared_settings.REDIS_KEY_PREFIX + "*"))
    raw.close()

    assert keys == [shared_settings.REDIS_KEY_PREFIX + "probe"]


async def test_redis_down_raises_store_error_fast(
    settings_for: SettingsFactory, private_redis: PrivateRedis
) -> None:
    store = create_store(settings_for(REDIS_URL=private_redis.url))
    await store.set("k", "v")
    private_redis.stop()

    started = time.perf_counter()
    with pytest.raises(StoreError, match="redis GET failed"):
        await store.get("k")
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0
    await store.close()


async def test_breaker_skips_hung_redis(
    settings_for: SettingsFactory, private_redis: PrivateRedis
) -> None:
    settings = settings_for(
        REDIS_URL=private_redis.url, REDIS_BREAKER_FAILURES=2, REDIS_BREAKER_COOLDOWN=30
    )
    store = create_store(settings)
    await store.set("k", "v")
    private_redis.pause()

    for _ in range(2):
        with pytest.raises(StoreError, match="failed"):
            await store.get("k")
    started = time.perf_counter()
    with pytest.raises(StoreError, match="skipped"):
        await store.get("k")
    skipped_in = time.perf_counter() - started

    assert skipped_in < 0.01
    private_redis.resume()
    await store.close()


async def test_redis_recovers_after_restart(
    settings_for: SettingsFactory, private_redis: PrivateRedis
) -> None:
    store = create_store(settings_for(REDIS_URL=private_redis.url))
    await store.set("k", "v")
    private_redis.stop()
    with pytest.raises(StoreError):
        await store.get("k")

    private_redis.start()

    assert await store.get("k") is None  # no persistence: the restart lost the key
    assert await store.set("k", "again") is True
    await store.close()


async def test_memory_store_bounded() -> None:
    store = MemoryStore(max_entries=3)
    await store.set("expired", "x", ttl=0.01)
    await store.set("a", "1")
    await store.set("b", "2")
    await asyncio.sleep(0.03)

    await store.set("c", "3")  # drops the expired key
    await store.set("d", "4")  # full: drops the oldest, "a"

    assert await store.get("a") is None
    assert [await store.get(key) for key in "bcd"] == ["2", "3", "4"]
