"""Every SQL statement of the saved charts; each call runs in the caller's session.

Every query is scoped to one owner, so a record id of another member matches nothing
and the caller returns 404 as for an id that does not exist.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from .models import BaziRecord
from .schemas import ListQuery, Sort, Status

# Rows per INSERT statement of an import; keeps each statement's parameters small.
INSERT_BATCH = 1000
# Every column but the chart: what an export reads.
EXPORT_COLUMNS = tuple(
    column for column in BaziRecord.__table__.columns if column.name != "chart"
)

_SORT_COLUMNS = {
    Sort.CREATED_DESC: (BaziRecord.created_at.desc(), BaziRecord.id.desc()),
    Sort.CREATED_ASC: (BaziRecord.created_at.asc(), BaziRecord.id.asc()),
    Sort.BIRTH_DESC: (BaziRecord.birth_instant.desc(), BaziRecord.id.desc()),
    Sort.BIRTH_ASC: (BaziRecord.birth_instant.asc(), BaziRecord.id.asc()),
}


def status_condition(status: Status) -> sa.ColumnElement[bool]:
    """Return the WHERE condition that selects records in ``status``."""
    if status is Status.ACTIVE:
        return BaziRecord.deleted_at.is_(None)
    if status is Status.DELETED:
        return BaziRecord.deleted_at.is_not(None)
    return sa.true()


def _like_pattern(word: str) -> str:
    """Escape LIKE wildcards so that ``%`` and ``_`` in a search match themselves."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_condition(q: str) -> sa.ColumnElement[bool]:
    """Every word of ``q`` must occur in the label, the place or the pillars."""
    conditions = []
    for word in q.split():
        pattern = _like_pattern(word)
        columns = (BaziRecord.label, BaziRecord.place, BaziRecord.pillars)
        matches = [column.ilike(pattern, escape="\\") for column in columns]
        conditions.append(sa.or_(*matches))
    return sa.and_(sa.true(), *conditions)


def filter_conditions(query: ListQuery) -> list[sa.ColumnElement[bool]]:
    """Return the conditions of every filter in ``query`` except the status.

    The text search comes last: PostgreSQL evaluates the conditions inside an
    aggregate's FILTER in the order given, so the cheap comparisons go first.
    """
    conditions: list[sa.ColumnElement[bool]] = []
    if query.gender is not None:
        conditions.append(BaziRecord.gender == query.gender)
    if query.day_master is not None:
        conditions.append(BaziRecord.day_master == query.day_master)
    if query.birth_year_from is not None:
        conditions.append(BaziRecord.birth_year >= query.birth_year_from)
    if query.birth_year_to is not None:
        conditions.append(BaziRecord.birth_year <= query.birth_year_to)
    if query.created_from is not None:
        conditions.append(BaziRecord.created_at >= query.created_from)
    if query.created_to is not None:
        conditions.append(BaziRecord.created_at < query.created_to)
    if query.q is not None:
        conditions.append(_text_condition(query.q))
    return conditions


def _lock_key(owner_id: uuid.UUID, input_hash: str) -> int:
    """Return a signed 64-bit advisory lock key for one owner's one input."""
    digest = hashlib.sha256(owner_id.bytes + input_hash.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class RecordRepository:
    """Reads and writes ``bazi_records`` through one ``AsyncSession``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_input(self, owner_id: uuid.UUID, input_hash: str) -> None:
        """Serialise saves of the same input by the same owner until commit.

        PostgreSQL only, through a transaction-scoped advisory lock. SQLite has no
        such lock, so two identical saves racing on SQLite can both insert.
        """
        if self.session.get_bind().dialect.name != "postgresql":
            return
        key = _lock_key(owner_id, input_hash)
        statement = sa.text("SELECT pg_advisory_xact_lock(:key)")
        await self.session.execute(statement, {"key": key})

    async def find_recent(
        self, owner_id: uuid.UUID, input_hash: str, since: datetime
    ) -> BaziRecord | None:
        """Return the newest active record with this input created at or after
        ``since``."""
        statement = (
            sa.select(BaziRecord)
            .where(
                BaziRecord.owner_id == owner_id,
                BaziRecord.input_hash == input_hash,
                BaziRecord.created_at >= since,
                BaziRecord.deleted_at.is_(None),
            )
            .order_by(BaziRecord.created_at.desc())
            .limit(1)
        )
        return (await self.session.scalars(statement)).first()

    async def add(self, record: BaziRecord) -> None:
        """Insert ``record`` now, so its defaults are set."""
        self.session.add(record)
        await self.session.flush()

    async def flush(self) -> None:
        """Write pending changes of loaded records."""
        await self.session.flush()

    async def get(self, owner_id: uuid.UUID, record_id: uuid.UUID) -> BaziRecord | None:
        """Return the owner's record, in the trash or not, or None."""
        statement = sa.select(BaziRecord).where(
            BaziRecord.id == record_id, BaziRecord.owner_id == owner_id
        )
        return (await self.session.scalars(statement)).first()

    async def counts(self, owner_id: uuid.UUID, query: ListQuery) -> tuple[int, int]:
        """Return (records in the status, records that match every filter)."""
        conditions = filter_conditions(query)
        filtered: sa.ColumnElement[int] = sa.func.count()
        if conditions:
            filtered = sa.func.count().filter(sa.and_(*conditions))
        statement = sa.select(sa.func.count(), filtered).where(
            BaziRecord.owner_id == owner_id, status_condition(query.status)
        )
        total, matching = (await self.session.execute(statement)).one()
        return int(total), int(matching)

    async def page(self, owner_id: uuid.UUID, query: ListQuery) -> list[BaziRecord]:
        """Return one page of matching records, without loading their charts."""
        statement = (
            sa.select(BaziRecord)
            .options(defer(BaziRecord.chart))
            .where(
                BaziRecord.owner_id == owner_id,
                status_condition(query.status),
                *filter_conditions(query),
            )
            .order_by(*_SORT_COLUMNS[query.sort])
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        )
        return list((await self.session.scalars(statement)).all())

    async def owned_ids(
        self, owner_id: uuid.UUID, ids: Iterable[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Return those of ``ids`` that name records of the owner."""
        statement = sa.select(BaziRecord.id).where(
            BaziRecord.owner_id == owner_id, BaziRecord.id.in_(list(ids))
        )
        return set((await self.session.scalars(statement)).all())

    async def set_deleted(
        self,
        owner_id: uuid.UUID,
        ids: Sequence[uuid.UUID],
        deleted_at: datetime | None,
    ) -> int:
        """Move records into the trash (a time) or out of it (None).

        Returns how many records changed; records already in the requested state
        keep their ``deleted_at``.
        """
        in_other_state = (
            BaziRecord.deleted_at.is_(None)
            if deleted_at is not None
            else BaziRecord.deleted_at.is_not(None)
        )
        statement = (
            sa.update(BaziRecord)
            .where(
                BaziRecord.owner_id == owner_id,
                BaziRecord.id.in_(list(ids)),
                in_other_state,
            )
            .values(deleted_at=deleted_at)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0))

    async def purge(self, owner_id: uuid.UUID, record_id: uuid.UUID) -> int:
        """Delete a trashed record for good; its favourites go by ON DELETE CASCADE.

        Returns 1 when a row was deleted, else 0.
        """
        statement = sa.delete(BaziRecord).where(
            BaziRecord.id == record_id,
            BaziRecord.owner_id == owner_id,
            BaziRecord.deleted_at.is_not(None),
        )
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0))

    async def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert records given as column values, with the chart as JSON text.

        Each row carries its chart in ``chart_text``, which goes to the database
        unparsed: PostgreSQL receives it through COPY into the JSONB column, which
        costs far less than INSERT statements, and SQLite stores the text as it is.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            await self._copy(rows)
            return
        text = sa.bindparam("chart_text", type_=sa.Text())
        statement = sa.insert(BaziRecord).values(chart=text)
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start : start + INSERT_BATCH]
            await self.session.execute(statement, list(batch))

    async def _copy(self, rows: Sequence[dict[str, Any]]) -> None:
        """COPY rows into ``bazi_records`` inside the session's transaction."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        names = [column.name for column in BaziRecord.__table__.columns]
        sources = ["chart_text" if name == "chart" else name for name in names]
        statement = f"COPY bazi_records ({', '.join(names)}) FROM STDIN"
        async with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                await copy.write_row([row[source] for source in sources])

    async def export_chunk(
        self,
        owner_id: uuid.UUID,
        include_deleted: bool,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[sa.Row[Any]]:
        """Return up to ``limit`` records after the key ``after``, oldest first.

        The key is (created_at, id) of the previous chunk's last row, so every chunk
        is one indexed range query however far the export has gone.
        """
        statement = sa.select(*EXPORT_COLUMNS).where(BaziRecord.owner_id == owner_id)
        if not include_deleted:
            statement = statement.where(BaziRecord.deleted_at.is_(None))
        if after is not None:
            key = sa.tuple_(BaziRecord.created_at, BaziRecord.id)
            statement = statement.where(key > sa.tuple_(*after))
        statement = statement.order_by(BaziRecord.created_at, BaziRecord.id)
        return list((await self.session.execute(statement.limit(limit))).all())
