"""Times in responses: ISO 8601 in UTC with ``Z``, whatever the database returned.

Columns are ``DateTime(timezone=True)`` and hold UTC. SQLite returns them without
an offset, and PostgreSQL returns them in the session's time zone. A response field
of type ``UtcDateTime`` attaches or converts to UTC, and pydantic writes a UTC time
with ``Z``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def as_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a time without an offset is taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
