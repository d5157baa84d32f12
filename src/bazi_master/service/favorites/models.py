"""The favourites table: a member's marks on their own saved charts."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utc_now
from ..core.db import Base


class Favorite(Base):
    """One member's mark on one record, at most once per pair.

    Both foreign keys cascade, so deleting the account or purging the record removes
    the mark. A record in the trash keeps its mark, and the favourites list hides it
    until the record is restored.
    """

    __tablename__ = "favorites"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "record_id"),
        sa.Index("ix_favorites_user_created", "user_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    record_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("bazi_records.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utc_now
    )
