"""Tables of the accounts domain: users, their OAuth identities and their settings.

Every table that belongs to a user references ``users.id`` with ``ON DELETE CASCADE``,
so deleting the user row deletes everything the user owns.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base

# A 64-character local part, "@" and a 255-character domain (RFC 5321 limits).
EMAIL_MAX_LENGTH = 320
DISPLAY_NAME_MAX_LENGTH = 100
LOCALES = ("zh", "en")


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class User(Base):
    """A member account.

    ``email_key`` is the case-folded address and carries the unique constraint, so
    ``Ann@example.com`` and ``ann@example.com`` cannot both register while ``email``
    keeps the spelling the user typed. Both are NULL for a WeChat-only account.
    ``password_hash`` is NULL for an account that only signs in through OAuth.
    """

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str | None] = mapped_column(sa.String(EMAIL_MAX_LENGTH))
    email_key: Mapped[str | None] = mapped_column(
        sa.String(EMAIL_MAX_LENGTH), unique=True
    )
    display_name: Mapped[str | None] = mapped_column(sa.String(DISPLAY_NAME_MAX_LENGTH))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    email_verified: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    is_active: Mapped[bool] = mapped_column(
        sa.Boolean, default=True, server_default=sa.true()
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utc_now
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class OAuthIdentity(Base):
    """A provider account linked to a user, with ``subject`` as the provider's user id.

    For Google the subject is the ID token's ``sub``. For WeChat it is the unionid when
    the response carries one (apps bound to an open platform account), else the openid.
    """

    __tablename__ = "oauth_identities"
    __table_args__ = (sa.UniqueConstraint("provider", "subject"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(sa.String(32))
    subject: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(EMAIL_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utc_now
    )


class UserSettings(Base):
    """Per-user preferences: interface locale and a free-form JSON object."""

    __tablename__ = "user_settings"
    __table_args__ = (sa.CheckConstraint("locale IN ('zh', 'en')", name="locale"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh", server_default="zh")
    preferences: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )
