"""Add the saved-chart tables: bazi_records and favorites.

Revision ID: 0003_records
Revises: 0002_accounts
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_records"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_records()
    _compress_charts_with_lz4()
    _create_favorites()


def _create_records() -> None:
    op.create_table(
        "bazi_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        *_input_columns(),
        sa.Column(
            "chart", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("engine_version", sa.String(64), nullable=False),
        sa.Column("pillars", sa.String(11), nullable=False),
        sa.Column("day_master", sa.String(1), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("birth_instant", sa.DateTime(timezone=True), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "gender IN ('male', 'female')", name=op.f("ck_bazi_records_gender")
        ),
        sa.CheckConstraint(
            "zi IN ('roll', 'stay-next', 'stay-same')", name=op.f("ck_bazi_records_zi")
        ),
        sa.CheckConstraint(
            "fold IN ('earlier', 'later')", name=op.f("ck_bazi_records_fold")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_bazi_records_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bazi_records")),
    )
    indexes = {
        "ix_bazi_records_owner_trash_created": ["owner_id", "deleted_at", "created_at"],
        "ix_bazi_records_owner_birth": ["owner_id", "birth_instant"],
        "ix_bazi_records_owner_input": ["owner_id", "input_hash", "created_at"],
    }
    for name, columns in indexes.items():
        op.create_index(name, "bazi_records", columns)


def _compress_charts_with_lz4() -> None:
    """Store charts with lz4 on PostgreSQL 14+ built with it, else the default pglz.

    A chart is about 17 kB of JSON, so every row goes through TOAST compression;
    lz4 compresses several times faster than pglz, which sets the pace of a
    10,000-row import.
    """
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    query = sa.text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
        "WHERE name = 'default_toast_compression'"
    )
    if bind.execute(query).scalar():
        op.execute("ALTER TABLE bazi_records ALTER COLUMN chart SET COMPRESSION lz4")


def _input_columns() -> list[sa.Column[object]]:
    """The birth inputs and chart options, stored as the member gave them."""
    return [
        sa.Column("birth", sa.DateTime(timezone=False), nullable=False),
        sa.Column("birth_has_seconds", sa.Boolean(), nullable=False),
        sa.Column("tz", sa.String(200), nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("gender", sa.String(6), nullable=True),
        sa.Column("true_solar_time", sa.Boolean(), nullable=False),
        sa.Column("zi", sa.String(9), nullable=False),
        sa.Column("fold", sa.String(7), nullable=True),
        sa.Column("uncertainty_minutes", sa.Float(), nullable=False),
        sa.Column("luck_rule", sa.String(16), nullable=False),
        sa.Column("luck_school", sa.String(16), nullable=False),
        sa.Column("luck_count", sa.Integer(), nullable=False),
        sa.Column("luck_index", sa.Integer(), nullable=True),
        sa.Column("annual_year", sa.Integer(), nullable=True),
    ]


def _create_favorites() -> None:
    op.create_table(
        "favorites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_favorites_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["bazi_records.id"],
            name=op.f("fk_favorites_record_id_bazi_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_favorites")),
        sa.UniqueConstraint("user_id", "record_id", name=op.f("uq_favorites_user_id")),
    )
    op.create_index("ix_favorites_user_created", "favorites", ["user_id", "created_at"])
    op.create_index(op.f("ix_favorites_record_id"), "favorites", ["record_id"])


def downgrade() -> None:
    raise NotImplementedError("migrations are add-only; restore a backup to go back")
