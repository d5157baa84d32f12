"""A short mutual-exclusion lock kept in the key-value store."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ..core.store import KeyValueStore, StoreError

LOCK_TTL = 5.0  # seconds before the lock of a crashed holder frees itself
LOCK_WAIT = 2.0  # seconds a caller waits for the lock before failing
POLL_INTERVAL = 0.01  # seconds between two attempts


@asynccontextmanager
async def store_lock(store: KeyValueStore, key: str) -> AsyncIterator[None]:
    """Hold ``key`` as a lock (SET NX with a TTL); raise ``StoreError`` on timeout.

    Every instance sharing the store uses the same lock, so read-modify-write steps on
    one value run one at a time.
    """
    owner = secrets.token_hex(8)
    deadline = time.monotonic() + LOCK_WAIT
    while not await store.set(key, owner, ttl=LOCK_TTL, nx=True):
        if time.monotonic() > deadline:
            raise StoreError(f"timed out after {LOCK_WAIT} s waiting for lock {key}")
        await asyncio.sleep(POLL_INTERVAL)
    try:
        yield
    finally:
        # NOTE: reading then deleting is not atomic. It misfires only when a holder
        # overran LOCK_TTL and another caller took the lock in between.
        if await store.get(key) == owner:
            await store.delete(key)
