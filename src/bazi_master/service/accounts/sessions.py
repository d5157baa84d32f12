"""Login sessions in the key-value store, shared by every instance that shares it.

Keys (under ``REDIS_KEY_PREFIX``), where ``<digest>`` is the SHA-256 of the token:

- ``session:<digest>``: JSON with session id, user id, creation time, client address
  and user agent; expires at the absolute lifetime.
- ``session-seen:<digest>``: last-seen time; expires after the idle timeout and is
  written again by every authenticated request (the sliding window).
- ``user-sessions:<user id>``: JSON object of session id to digest, the index behind
  listing and revoking; ``user-sessions-lock:<user id>`` serialises its updates.

A session is valid only while both of its keys exist, and every request reads them, so a
revocation on one instance takes effect on all of them at once. A request that races a
revocation may rewrite ``session-seen:`` but never ``session:``, so it cannot revive
the session.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from ..core.settings import Settings
from ..core.store import KeyValueStore
from .locks import store_lock
from .tokens import new_token, token_digest

USER_AGENT_MAX_LENGTH = 200
# Sessions kept per user; a new login beyond it ends the oldest session. This bounds
# the index and the work of each login.
MAX_SESSIONS_PER_USER = 50


@dataclass(frozen=True)
class LoginSession:
    """A live login session as the store keeps it; times are Unix seconds."""

    id: str
    user_id: uuid.UUID
    created_at: float
    last_seen_at: float
    expires_at: float
    client_ip: str | None
    user_agent: str | None
    digest: str


@dataclass(frozen=True)
class NewSession:
    """A session just created, with the token that the client must present."""

    token: str
    session: LoginSession


class SessionStore:
    """Create, resolve, list and revoke login sessions."""

    def __init__(self, store: KeyValueStore, settings: Settings) -> None:
        self._store = store
        self._idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
        self._lifetime = settings.SESSION_LIFETIME.total_seconds()

    async def create(
        self, user_id: uuid.UUID, client_ip: str | None, user_agent: str | None
    ) -> NewSession:
        """Start a session for ``user_id`` and add it to the user's index."""
        token = new_token()
        now = time.time()
        session = LoginSession(
            id=secrets.token_urlsafe(16),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + min(self._lifetime, self._idle),
            client_ip=client_ip,
            user_agent=(user_agent or "")[:USER_AGENT_MAX_LENGTH] or None,
            digest=token_digest(token),
        )
        await self._write(session)
        async with self._user_lock(user_id):
            index = await self._live_index(user_id)
            await self._end_oldest(index, keep=MAX_SESSIONS_PER_USER - 1)
            index[session.id] = session.digest
            await self._write_index(user_id, index)
        return NewSession(token, session)

    async def resolve(self, token: str) -> LoginSession | None:
        """Return the session of ``token`` and slide its idle window, or None."""
        digest = token_digest(token)
        record = await self._store.get(_session_key(digest))
        if record is None:
            return None
        seen = await self._store.get(_seen_key(digest))
        now = time.time()
        session = self._parse(record, digest, seen)
        if seen is None or session.created_at + self._lifetime <= now:
            await self._store.delete(_session_key(digest), _seen_key(digest))
            return None
        await self._store.set(_seen_key(digest), repr(now), ttl=self._idle)
        return session

    async def list(self, user_id: uuid.UUID) -> list[LoginSession]:
        """Return the user's live sessions, newest first."""
        index = await self._read_index(user_id)
        sessions = [await self._load(digest) for digest in index.values()]
        live = [session for session in sessions if session is not None]
        return sorted(live, key=lambda session: session.created_at, reverse=True)

    async def revoke(self, user_id: uuid.UUID, session_id: str) -> bool:
        """End one session of the user; return False if the user has no such session."""
        async with self._user_lock(user_id):
            index = await self._read_index(user_id)
            digest = index.pop(session_id, None)
            if digest is None:
                return False
            await self._store.delete(_session_key(digest), _seen_key(digest))
            await self._write_index(user_id, index)
        return True

    async def revoke_all(self, user_id: uuid.UUID, *, keep: str | None = None) -> int:
        """End every session of the user except ``keep``; return how many ended."""
        async with self._user_lock(user_id):
            index = await self._read_index(user_id)
            ended = {sid: digest for sid, digest in index.items() if sid != keep}
            keys = [_session_key(digest) for digest in ended.values()]
            keys += [_seen_key(digest) for digest in ended.values()]
            await self._store.delete(*keys)
            remaining = {sid: digest for sid, digest in index.items() if sid == keep}
            await self._write_index(user_id, remaining)
        return len(ended)

    async def _end_oldest(self, index: dict[str, str], *, keep: int) -> None:
        """End the oldest sessions of ``index`` until ``keep`` remain.

        The index keeps insertion order, so its first entries are the oldest.
        """
        while len(index) > keep:
            session_id = next(iter(index))
            digest = index.pop(session_id)
            await self._store.delete(_session_key(digest), _seen_key(digest))

    async def _write(self, session: LoginSession) -> None:
        record = {
            "id": session.id,
            "user_id": str(session.user_id),
            "created_at": session.created_at,
            "client_ip": session.client_ip,
            "user_agent": session.user_agent,
        }
        digest = session.digest
        await self._store.set(
            _session_key(digest), json.dumps(record), ttl=self._lifetime
        )
        await self._store.set(
            _seen_key(digest), repr(session.last_seen_at), ttl=self._idle
        )

    async def _load(self, digest: str) -> LoginSession | None:
        record = await self._store.get(_session_key(digest))
        seen = await self._store.get(_seen_key(digest))
        if record is None or seen is None:
            return None
        return self._parse(record, digest, seen)

    def _parse(self, record: str, digest: str, seen: str | None) -> LoginSession:
        data = json.loads(record)
        created_at = float(data["created_at"])
        last_seen_at = float(seen) if seen else created_at
        return LoginSession(
            id=data["id"],
            user_id=uuid.UUID(data["user_id"]),
            created_at=created_at,
            last_seen_at=last_seen_at,
            expires_at=min(created_at + self._lifetime, last_seen_at + self._idle),
            client_ip=data.get("client_ip"),
            user_agent=data.get("user_agent"),
            digest=digest,
        )

    async def _read_index(self, user_id: uuid.UUID) -> dict[str, str]:
        raw = await self._store.get(_index_key(user_id))
        index: dict[str, str] = json.loads(raw) if raw else {}
        return index

    async def _live_index(self, user_id: uuid.UUID) -> dict[str, str]:
        """Read the index and drop the sessions that expired since it was written."""
        index = await self._read_index(user_id)
        live = {}
        for session_id, digest in index.items():
            if await self._store.get(_session_key(digest)) is not None:
                live[session_id] = digest
        return live

    async def _write_index(self, user_id: uuid.UUID, index: dict[str, str]) -> None:
        """Write the index; it outlives the newest session it lists, so no entry is
        lost before its session ends."""
        if not index:
            await self._store.delete(_index_key(user_id))
            return
        await self._store.set(
            _index_key(user_id), json.dumps(index), ttl=self._lifetime
        )

    def _user_lock(self, user_id: uuid.UUID) -> AbstractAsyncContextManager[None]:
        return store_lock(self._store, f"user-sessions-lock:{user_id}")


def _session_key(digest: str) -> str:
    return f"session:{digest}"


def _seen_key(digest: str) -> str:
    return f"session-seen:{digest}"


def _index_key(user_id: uuid.UUID) -> str:
    return f"user-sessions:{user_id}"
