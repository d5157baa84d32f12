"""Alembic environment: runs on the connection that ``core.db.migrate`` passes in.

The service migrates through ``bazi-master migrate`` (or on start-up), never through the
``alembic`` command, so this file expects ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bazi_master.service.models import metadata


def run_migrations(connection: Connection) -> None:
    """Apply the pending revisions; batch mode lets ALTER TABLE work on SQLite."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `bazi-master migrate`, not `alembic`")
run_migrations(connection)
