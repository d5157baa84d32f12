"""Argon2id password hashing, run in a worker thread so requests keep flowing.

Passwords are hashed exactly as given: no trimming, no Unicode normalisation.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..core.settings import Settings

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256


@dataclass(frozen=True)
class Verification:
    """The outcome of a password check."""

    valid: bool
    needs_rehash: bool = False


class Passwords:
    """Hash and verify passwords with the Argon2id costs of the settings."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.ARGON2_TIME_COST,
            memory_cost=settings.ARGON2_MEMORY_KIB,
            parallelism=settings.ARGON2_PARALLELISM,
        )
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        """Return the PHC string (``$argon2id$v=19$m=…``) of ``password``."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> Verification:
        """Check ``password``; without a stored hash, spend the same time and fail.

        Comparing against a dummy hash keeps a login for an unknown email or an
        OAuth-only account as slow as a wrong password, so timing reveals neither.
        """
        if stored_hash is None:
            await asyncio.to_thread(self._check, await self._dummy(), password)
            return Verification(valid=False)
        valid = await asyncio.to_thread(self._check, stored_hash, password)
        if not valid:
            return Verification(valid=False)
        return Verification(True, self._hasher.check_needs_rehash(stored_hash))

    def _check(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash("dummy password for timing only")
        return self._dummy_hash
