"""Password reset tokens in the key-value store.

``password-reset:<digest>`` maps the SHA-256 of a token to the user id and expires
after ``PASSWORD_RESET_TTL``. ``password-reset-user:<user id>`` names the user's
current token, so a new request can delete the previous one. Redeeming reads and deletes
the token in one GETDEL, so of two concurrent redemptions exactly one succeeds.
"""

from __future__ import annotations

import uuid

from ..core.settings import Settings
from ..core.store import KeyValueStore
from .locks import store_lock
from .tokens import new_token, token_digest


class ResetTokens:
    """Issue and redeem single-use password reset tokens."""

    def __init__(self, store: KeyValueStore, settings: Settings) -> None:
        self._store = store
        self.ttl = settings.PASSWORD_RESET_TTL.total_seconds()

    async def issue(self, user_id: uuid.UUID) -> str:
        """Return a new token for the user; the previous one stops working."""
        token = new_token()
        digest = token_digest(token)
        async with store_lock(self._store, f"password-reset-lock:{user_id}"):
            previous = await self._store.getdel(_user_key(user_id))
            if previous is not None:
                await self._store.delete(_token_key(previous))
            await self._store.set(_token_key(digest), str(user_id), ttl=self.ttl)
            await self._store.set(_user_key(user_id), digest, ttl=self.ttl)
        return token

    async def redeem(self, token: str) -> uuid.UUID | None:
        """Consume the token; return its user id, or None if unknown, used or expired.

        Any other token still outstanding for the user is deleted too.
        """
        digest = token_digest(token)
        value = await self._store.getdel(_token_key(digest))
        if value is None:
            return None
        user_id = uuid.UUID(value)
        current = await self._store.getdel(_user_key(user_id))
        if current is not None and current != digest:
            await self._store.delete(_token_key(current))
        return user_id


def _token_key(digest: str) -> str:
    return f"password-reset:{digest}"


def _user_key(user_id: uuid.UUID) -> str:
    return f"password-reset-user:{user_id}"
