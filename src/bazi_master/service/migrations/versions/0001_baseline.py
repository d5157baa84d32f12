"""Start the migration chain.

The first revision creates no table: it marks a database as managed by this service.
Each domain package adds its tables in the revisions that follow.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    raise NotImplementedError("migrations are add-only; restore a backup to go back")
