"""Every SQL statement of the accounts domain."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .models import OAuthIdentity, User, UserSettings


class DuplicateError(Exception):
    """An insert or update hit a unique constraint (email or provider identity)."""


class AccountRepository:
    """Reads and writes users, identities and settings in one database session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user_by_id(self, user_id: uuid.UUID) -> User | None:
        """Return the user with this id, or None."""
        return await self.session.get(User, user_id)

    async def user_by_email_key(self, email_key: str) -> User | None:
        """Return the user whose case-folded email is ``email_key``, or None."""
        query = sa.select(User).where(User.email_key == email_key)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def user_by_identity(self, provider: str, subject: str) -> User | None:
        """Return the user linked to the provider account, or None."""
        query = (
            sa.select(User)
            .join(OAuthIdentity, OAuthIdentity.user_id == User.id)
            .where(OAuthIdentity.provider == provider)
            .where(OAuthIdentity.subject == subject)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def providers_of(self, user_id: uuid.UUID) -> list[str]:
        """Return the names of the providers linked to the user, sorted."""
        query = (
            sa.select(OAuthIdentity.provider)
            .where(OAuthIdentity.user_id == user_id)
            .order_by(OAuthIdentity.provider)
        )
        return list((await self.session.execute(query)).scalars())

    async def add_user(self, user: User) -> User:
        """Insert ``user`` with default settings; raise ``DuplicateError`` if its
        email is taken."""
        self.session.add(user)
        await self._flush()
        self.session.add(UserSettings(user_id=user.id))
        await self._flush()
        return user

    async def link_identity(self, identity: OAuthIdentity) -> None:
        """Insert the identity; raise ``DuplicateError`` if it is linked already."""
        self.session.add(identity)
        await self._flush()

    async def save(self) -> None:
        """Write pending changes; raise ``DuplicateError`` on a unique constraint."""
        await self._flush()

    async def delete_user(self, user: User) -> None:
        """Delete the user row; foreign keys delete everything the user owns."""
        await self.session.execute(sa.delete(User).where(User.id == user.id))
        self.session.expunge(user)

    async def settings_of(self, user_id: uuid.UUID) -> UserSettings:
        """Return the user's settings, creating the default row if it is missing."""
        settings = await self.session.get(UserSettings, user_id)
        if settings is None:
            settings = UserSettings(user_id=user_id, locale="zh", preferences={})
            self.session.add(settings)
            await self._flush()
        return settings

    async def update_settings(
        self, user_id: uuid.UUID, locale: str | None, preferences: dict[str, Any] | None
    ) -> UserSettings:
        """Change the given fields of the user's settings."""
        settings = await self.settings_of(user_id)
        if locale is not None:
            settings.locale = locale
        if preferences is not None:
            settings.preferences = preferences
        await self._flush()
        return settings

    async def _flush(self) -> None:
        try:
            await self.session.flush()
        except IntegrityError as exc:
            await self.session.rollback()
            raise DuplicateError(str(exc.orig)) from exc
