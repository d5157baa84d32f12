"""The saved-chart table: a member's birth inputs and the chart computed from them.

The birth inputs are stored as the member gave them (local date-time to the second,
zone, place, coordinates, gender and every chart option), so a chart can be
recomputed exactly. The columns after ``chart`` repeat parts of the chart for the
list queries' filters and sort orders.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utc_now
from ..core.db import Base

LABEL_MAX_LENGTH = 200
TEXT_INPUT_MAX_LENGTH = 200
# JSONB on PostgreSQL (compact, indexable); JSON text on SQLite.
ChartJson = sa.JSON().with_variant(JSONB(), "postgresql")


class BaziRecord(Base):
    """A saved chart owned by one member.

    ``birth`` is the naive local civil time and ``birth_has_seconds`` whether the
    member gave seconds. ``deleted_at`` is set while the record is in the trash.
    ``input_hash`` is the SHA-256 of the label and the normalised inputs; it finds a
    duplicate saved moments before. ``birth_instant`` is the birth in UTC and
    ``birth_year`` the year of the local civil date.
    """

    __tablename__ = "bazi_records"
    __table_args__ = (
        sa.Index(
            "ix_bazi_records_owner_trash_created",
            "owner_id",
            "deleted_at",
            "created_at",
        ),
        sa.Index("ix_bazi_records_owner_birth", "owner_id", "birth_instant"),
        sa.Index("ix_bazi_records_owner_input", "owner_id", "input_hash", "created_at"),
        sa.CheckConstraint("gender IN ('male', 'female')", name="gender"),
        sa.CheckConstraint("zi IN ('roll', 'stay-next', 'stay-same')", name="zi"),
        sa.CheckConstraint("fold IN ('earlier', 'later')", name="fold"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    label: Mapped[str | None] = mapped_column(sa.String(LABEL_MAX_LENGTH))

    birth: Mapped[datetime] = mapped_column(sa.DateTime(timezone=False))
    birth_has_seconds: Mapped[bool] = mapped_column(sa.Boolean)
    tz: Mapped[str | None] = mapped_column(sa.String(TEXT_INPUT_MAX_LENGTH))
    place: Mapped[str | None] = mapped_column(sa.String(TEXT_INPUT_MAX_LENGTH))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    gender: Mapped[str | None] = mapped_column(sa.String(6))
    true_solar_time: Mapped[bool] = mapped_column(sa.Boolean)
    zi: Mapped[str] = mapped_column(sa.String(9))
    fold: Mapped[str | None] = mapped_column(sa.String(7))
    uncertainty_minutes: Mapped[float] = mapped_column(sa.Float)
    luck_rule: Mapped[str] = mapped_column(sa.String(16))
    luck_school: Mapped[str] = mapped_column(sa.String(16))
    luck_count: Mapped[int] = mapped_column(sa.Integer)
    luck_index: Mapped[int | None] = mapped_column(sa.Integer)
    annual_year: Mapped[int | None] = mapped_column(sa.Integer)

    chart: Mapped[dict[str, Any]] = mapped_column(ChartJson)
    engine_version: Mapped[str] = mapped_column(sa.String(64))
    pillars: Mapped[str] = mapped_column(sa.String(11))
    day_master: Mapped[str] = mapped_column(sa.String(1))
    birth_year: Mapped[int] = mapped_column(sa.Integer)
    birth_instant: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    input_hash: Mapped[str] = mapped_column(sa.String(64))

    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utc_now
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utc_now
    )
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
