"""Saved-chart logic: save, read, list, trash, restore, purge, import and export.

Every chart comes from the calculate route's normalisation (``chart_request``) and
engine call (``compute_chart_json``), so a saved chart equals what
``POST /api/bazi/calculate`` returns for the same body. A record whose
``engine_version`` differs from the running engine's is recomputed when read.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ...engine._errors import BaziInputError
from ..accounts.models import utc_now
from ..bazi.service import (
    ChartRequest,
    ChartService,
    compute_chart_json,
    engine_version,
)
from ..core.errors import ApiError
from ..core.logging import get_logger
from .batch import ImportPool, prepared_batches
from .charts import chart_columns, prepare_input
from .models import BaziRecord
from .repository import RecordRepository
from .schemas import ExportQuery, ListQuery, RecordInput
from .transfer import (
    ParsedRows,
    csv_chunk,
    csv_header,
    export_fields,
    export_row,
    json_chunk,
)

log = get_logger(__name__)

DUPLICATE_WINDOW = timedelta(seconds=60)
EXPORT_CHUNK = 1000
INPUT_ALIASES = tuple(
    info.alias or name for name, info in RecordInput.model_fields.items()
)


@dataclass
class RecordView:
    """A record as read, and whether this read recomputed its chart."""

    record: BaziRecord
    recomputed: bool = False


@dataclass
class RecordListing:
    """One page of records and the counts of the list."""

    views: list[RecordView]
    total: int
    filtered: int


@dataclass
class ImportOutcome:
    """The number of records an import saved, and the problems of rejected rows."""

    received: int
    created: int
    problems: list[dict[str, Any]] = field(default_factory=list)


def stored_input(record: BaziRecord) -> RecordInput:
    """Rebuild the body a record was saved from."""
    row = export_row(record, include_deleted=False)
    values = {name: row[name] for name in INPUT_ALIASES if row.get(name) is not None}
    return RecordInput.model_validate(values)


def not_found(record_id: uuid.UUID) -> ApiError:
    """Build the 404 error for a record that is missing or another member's."""
    return ApiError(
        404,
        "RECORD_NOT_FOUND",
        f"record {record_id} was not found; list your records with "
        "GET /api/bazi/records",
    )


class RecordService:
    """The saved-chart operations of one request, for one owner at a time."""

    def __init__(
        self,
        repository: RecordRepository,
        charts: ChartService,
        import_pool: ImportPool,
    ) -> None:
        self.repository = repository
        self.charts = charts
        self.import_pool = import_pool

    async def create(
        self, owner_id: uuid.UUID, body: RecordInput
    ) -> tuple[RecordView, bool]:
        """Save a chart; return (record, whether it is new).

        An active record with the same label and inputs saved in the last
        ``DUPLICATE_WINDOW`` is returned instead of a new one.
        """
        prepared = prepare_input(body)
        await self.repository.lock_input(owner_id, prepared.digest)
        since = utc_now() - DUPLICATE_WINDOW
        existing = await self.repository.find_recent(owner_id, prepared.digest, since)
        if existing is not None:
            return await self.fresh(existing), False

        chart = await self._calculate(prepared.request)
        record = BaziRecord(
            id=uuid.uuid4(),
            owner_id=owner_id,
            input_hash=prepared.digest,
            **prepared.columns,
            **chart_columns(chart, prepared.columns["birth"]),
        )
        await self.repository.add(record)
        log.info("records.created", record_id=str(record.id))
        return RecordView(record), True

    async def _calculate(self, request: ChartRequest) -> dict[str, Any]:
        result = await self.charts.calculate(request)
        chart: dict[str, Any] = json.loads(result.body)
        return chart

    async def get(self, owner_id: uuid.UUID, record_id: uuid.UUID) -> RecordView:
        """Return the owner's record, recomputed if an older engine made it."""
        return await self.fresh(await self._owned(owner_id, record_id))

    async def _owned(self, owner_id: uuid.UUID, record_id: uuid.UUID) -> BaziRecord:
        record = await self.repository.get(owner_id, record_id)
        if record is None:
            raise not_found(record_id)
        return record

    async def fresh(self, record: BaziRecord) -> RecordView:
        """Recompute a record's chart if an older engine version made it.

        The update is saved with the request. A stored input that the current
        engine rejects keeps its old chart, and the failure is logged.
        """
        if record.engine_version == engine_version():
            return RecordView(record)
        previous = record.engine_version
        try:
            prepared = prepare_input(stored_input(record))
            chart = json.loads(compute_chart_json(prepared.request))
        except (BaziInputError, ValidationError) as exc:
            log.warning(
                "records.recompute_failed",
                record_id=str(record.id),
                engine_version=previous,
                error=str(exc),
            )
            return RecordView(record)
        for name, value in chart_columns(chart, record.birth).items():
            setattr(record, name, value)
        await self.repository.flush()
        log.info(
            "records.recomputed",
            record_id=str(record.id),
            engine_version_before=previous,
            engine_version=record.engine_version,
        )
        return RecordView(record, recomputed=True)

    async def list(self, owner_id: uuid.UUID, query: ListQuery) -> RecordListing:
        """Return one page of the owner's records and the list's counts."""
        total, filtered = await self.repository.counts(owner_id, query)
        records = await self.repository.page(owner_id, query)
        views = [await self.fresh(record) for record in records]
        return RecordListing(views, total, filtered)

    async def update(
        self, owner_id: uuid.UUID, record_id: uuid.UUID, body: RecordInput
    ) -> RecordView:
        """Replace a record's label and inputs and recompute its chart."""
        record = await self._owned(owner_id, record_id)
        if record.deleted_at is not None:
            raise ApiError(
                409,
                "RECORD_IN_TRASH",
                f"record {record_id} is in the trash; restore it with "
                f"POST /api/bazi/records/{record_id}/restore before editing it",
            )
        prepared = prepare_input(body)
        chart = await self._calculate(prepared.request)
        changes = {
            **prepared.columns,
            **chart_columns(chart, prepared.columns["birth"]),
        }
        for name, value in changes.items():
            setattr(record, name, value)
        record.input_hash = prepared.digest
        record.updated_at = utc_now()
        await self.repository.flush()
        log.info("records.updated", record_id=str(record.id))
        return RecordView(record)

    async def trash(self, owner_id: uuid.UUID, record_id: uuid.UUID) -> RecordView:
        """Move a record to the trash; a trashed record stays as it is."""
        record = await self._owned(owner_id, record_id)
        if record.deleted_at is None:
            record.deleted_at = utc_now()
            await self.repository.flush()
            log.info("records.trashed", record_id=str(record_id))
        return await self.fresh(record)

    async def restore(self, owner_id: uuid.UUID, record_id: uuid.UUID) -> RecordView:
        """Take a record out of the trash; an active record stays as it is."""
        record = await self._owned(owner_id, record_id)
        if record.deleted_at is not None:
            record.deleted_at = None
            await self.repository.flush()
            log.info("records.restored", record_id=str(record_id))
        return await self.fresh(record)

    async def purge(self, owner_id: uuid.UUID, record_id: uuid.UUID) -> None:
        """Delete a trashed record and its favourites for good."""
        record = await self._owned(owner_id, record_id)
        if record.deleted_at is None:
            raise ApiError(
                409,
                "RECORD_NOT_IN_TRASH",
                f"record {record_id} is not in the trash; move it there with "
                f"DELETE /api/bazi/records/{record_id} before purging it",
            )
        await self.repository.purge(owner_id, record_id)
        log.info("records.purged", record_id=str(record_id))

    async def bulk_set_trash(
        self, owner_id: uuid.UUID, ids: Sequence[uuid.UUID], trashed: bool
    ) -> int:
        """Trash or restore many records; any unknown id changes nothing (404)."""
        wanted = set(ids)
        missing = wanted - await self.repository.owned_ids(owner_id, wanted)
        if missing:
            names = sorted(str(record_id) for record_id in missing)
            raise ApiError(
                404,
                "RECORD_NOT_FOUND",
                f"{len(names)} of the ids name no record of yours: "
                f"{', '.join(names[:10])}; nothing was changed",
                [{"id": name} for name in names],
            )
        deleted_at = utc_now() if trashed else None
        updated = await self.repository.set_deleted(owner_id, list(wanted), deleted_at)
        action = "records.bulk_trashed" if trashed else "records.bulk_restored"
        log.info(action, count=updated)
        return updated

    async def import_rows(
        self, owner_id: uuid.UUID, parsed: ParsedRows, atomic: bool
    ) -> ImportOutcome:
        """Validate and chart every row; insert each batch of valid rows as it comes.

        With ``atomic`` any bad row rejects the whole import (422, every problem
        in the details), and the request's rollback removes the rows inserted
        before it.
        """
        if not parsed.rows:
            raise ApiError(
                422, "EMPTY_IMPORT", "the import has no rows; export records first"
            )
        problems = list(parsed.problems)
        created = 0
        now = utc_now()
        async for done, failed in prepared_batches(parsed.rows, self.import_pool):
            problems.extend(failed)
            if atomic and problems:
                continue  # chart the rest anyway, so the error lists every bad row
            for row in done:
                _complete_import_row(row, owner_id, now)
            await self.repository.insert_many(done)
            created += len(done)

        problems.sort(key=lambda item: item["row"])
        if atomic and problems:
            # Raising rolls back the request's transaction with every row inserted.
            raise ApiError(
                422,
                "IMPORT_REJECTED",
                f"{len({item['row'] for item in problems})} of {len(parsed.rows)} "
                "rows are invalid, so nothing was imported; fix the rows listed in "
                "details or import with mode=partial",
                problems,
            )
        log.info("records.imported", created=created, rejected=len(problems))
        return ImportOutcome(len(parsed.rows), created, problems)


def _complete_import_row(
    row: dict[str, Any], owner_id: uuid.UUID, now: datetime
) -> None:
    """Give an imported row its id and owner, and the times the file left out.

    A missing ``createdAt`` becomes the earliest of the row's other times and
    ``now``, so no record changes or moves to the trash before it exists.
    """
    row["id"] = uuid.uuid4()
    row["owner_id"] = owner_id
    if row["created_at"] is None:
        later = [row[name] for name in ("updated_at", "deleted_at") if row[name]]
        row["created_at"] = min([now, *later])
    row["updated_at"] = row["updated_at"] or row["created_at"]


async def export_text(
    session_factory: async_sessionmaker[AsyncSession],
    owner_id: uuid.UUID,
    query: ExportQuery,
) -> AsyncIterator[str]:
    """Yield an export in pieces, reading ``EXPORT_CHUNK`` records per query.

    Each chunk uses its own short session, so a slow download holds no database
    connection. Records saved during the export appear if they sort after the
    chunk being read.
    """
    include = query.include_deleted
    fields = export_fields(include)
    yield "[\n" if query.format == "json" else csv_header(fields)
    after: tuple[datetime, uuid.UUID] | None = None
    first = True
    while True:
        async with session_factory() as session:
            chunk = await RecordRepository(session).export_chunk(
                owner_id, include, after, EXPORT_CHUNK
            )
        if not chunk:
            break
        rows = [export_row(record, include) for record in chunk]
        if query.format == "json":
            yield json_chunk(rows, first)
        else:
            yield csv_chunk(rows, fields)
        first = False
        after = (chunk[-1].created_at, chunk[-1].id)
    if query.format == "json":
        yield "\n]\n"
