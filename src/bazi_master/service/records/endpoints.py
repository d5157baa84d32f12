"""Routes of the saved charts under ``/api/bazi/records`` and ``full-analysis``.

Every route needs a signed-in member and reads or changes only that member's records.
Another member's record id gets 404, exactly like an id that does not exist.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from ..accounts.dependencies import CurrentUser
from ..bazi.schemas import LegacyCalculateRequest
from ..core.db import get_session
from ..core.errors import ApiError, error_responses
from .charts import input_from_legacy
from .repository import RecordRepository
from .schemas import (
    AnyRecordInput,
    BulkResult,
    ExportQuery,
    IdList,
    ImportProblem,
    ImportQuery,
    ImportResult,
    ListQuery,
    RecordInput,
    RecordOut,
    RecordPage,
    RecordSummary,
)
from .service import RecordService, RecordView, export_text
from .transfer import as_utc, birth_text, parse_csv_rows, parse_json_rows

RECORDS_PATH = "/api/bazi/records"
IMPORT_PATH = f"{RECORDS_PATH}/import"
EXPORT_PATH = f"{RECORDS_PATH}/export"
FULL_ANALYSIS_PATH = "/api/bazi/full-analysis"
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}

router = APIRouter(tags=["records"])


def record_service(
    request: Request, session: Annotated[AsyncSession, Depends(get_session)]
) -> RecordService:
    """FastAPI dependency: the record service on the request's session."""
    state = request.app.state
    return RecordService(RecordRepository(session), state.charts, state.import_pool)


Records = Annotated[RecordService, Depends(record_service)]


def _summary_values(view: RecordView) -> dict[str, Any]:
    record = view.record
    values = {
        name: getattr(record, name)
        for name in RecordSummary.model_fields
        if name not in ("birth", "recomputed")
    }
    values["birth"] = birth_text(record.birth, record.birth_has_seconds)
    values["recomputed"] = view.recomputed
    for name in ("birth_instant", "created_at", "updated_at", "deleted_at"):
        if values[name] is not None:
            values[name] = as_utc(values[name])
    return values


def record_summary(view: RecordView) -> RecordSummary:
    """Shape a record for a list, without its chart."""
    return RecordSummary(**_summary_values(view))


def record_out(view: RecordView) -> RecordOut:
    """Shape a record with its chart."""
    return RecordOut(**_summary_values(view), chart=view.record.chart)


@router.post(
    RECORDS_PATH,
    status_code=201,
    responses={
        200: {"description": "An identical record saved in the last 60 s."},
        **error_responses(401, 413, 422, 429),
    },
)
async def create_record(
    body: RecordInput, user: CurrentUser, records: Records, response: Response
) -> RecordOut:
    """Compute a chart and save it; a duplicate within 60 s returns the first one."""
    view, created = await records.create(user.id, body)
    if not created:
        response.status_code = 200
    return record_out(view)


@router.post(
    FULL_ANALYSIS_PATH,
    status_code=201,
    responses={
        200: {"description": "An identical record saved in the last 60 s."},
        **error_responses(401, 413, 422, 429),
    },
)
async def full_analysis(
    body: Annotated[AnyRecordInput, Body()],
    user: CurrentUser,
    records: Records,
    response: Response,
) -> RecordOut:
    """Compute, save and return a full chart; accepts the earlier body shape too."""
    if isinstance(body, LegacyCalculateRequest):
        body = input_from_legacy(body)
    return await create_record(body, user, records, response)


@router.get(RECORDS_PATH, responses=error_responses(401, 422))
async def list_records(
    query: Annotated[ListQuery, Query()], user: CurrentUser, records: Records
) -> RecordPage:
    """List your records with search, filters, sort and pages."""
    listing = await records.list(user.id, query)
    shown = (query.page - 1) * query.page_size + len(listing.views)
    return RecordPage(
        records=[record_summary(view) for view in listing.views],
        page=query.page,
        page_size=query.page_size,
        total=listing.total,
        filtered=listing.filtered,
        has_more=shown < listing.filtered,
    )


@router.get(
    EXPORT_PATH,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "A JSON array or CSV with a header line, one record each.",
            "content": {"application/json": {}, "text/csv": {}},
        },
        **error_responses(401, 422),
    },
)
async def export_records(
    query: Annotated[ExportQuery, Query()], user: CurrentUser, request: Request
) -> StreamingResponse:
    """Download every record of yours, the trashed ones on request."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    filename = f"bazi-records-{stamp}.{query.format}"
    return StreamingResponse(
        export_text(request.app.state.session_factory, user.id, query),
        media_type=MEDIA_TYPES[query.format],
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    IMPORT_PATH,
    responses={
        200: {"description": "The import result; in partial mode with rejected rows."},
        **error_responses(400, 401, 413, 422, 429),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_records(
    query: Annotated[ImportQuery, Query()],
    user: CurrentUser,
    records: Records,
    request: Request,
) -> ImportResult:
    """Import records as an export wrote them (JSON or CSV, up to 10,000 rows)."""
    body = await request.body()
    if _import_format(query, request) == "csv":
        parsed = parse_csv_rows(body)
    else:
        parsed = parse_json_rows(body)
    outcome = await records.import_rows(user.id, parsed, query.mode == "atomic")
    return ImportResult(
        mode=query.mode,
        received=outcome.received,
        created=outcome.created,
        failed=len({item["row"] for item in outcome.problems}),
        errors=[ImportProblem(**item) for item in outcome.problems],
    )


def _import_format(query: ImportQuery, request: Request) -> str:
    """Return the body format: the query's, else the Content-Type's."""
    if query.format is not None:
        return query.format
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if content_type in ("text/csv", "application/csv"):
        return "csv"
    if content_type == "application/json":
        return "json"
    raise ApiError(
        422,
        "UNKNOWN_FORMAT",
        f"cannot tell the import format from Content-Type {content_type!r}; send "
        "application/json or text/csv, or add format=json or format=csv",
    )


@router.post(f"{RECORDS_PATH}/bulk-delete", responses=error_responses(401, 404, 422))
async def bulk_delete(body: IdList, user: CurrentUser, records: Records) -> BulkResult:
    """Move many records to the trash; an unknown id changes nothing."""
    return BulkResult(updated=await records.bulk_set_trash(user.id, body.ids, True))


@router.post(f"{RECORDS_PATH}/bulk-restore", responses=error_responses(401, 404, 422))
async def bulk_restore(body: IdList, user: CurrentUser, records: Records) -> BulkResult:
    """Take many records out of the trash; an unknown id changes nothing."""
    return BulkResult(updated=await records.bulk_set_trash(user.id, body.ids, False))


@router.get(f"{RECORDS_PATH}/{{record_id}}", responses=error_responses(401, 404, 422))
async def get_record(
    record_id: uuid.UUID, user: CurrentUser, records: Records
) -> RecordOut:
    """Read one record; a chart of an older engine is recomputed first."""
    return record_out(await records.get(user.id, record_id))


@router.put(
    f"{RECORDS_PATH}/{{record_id}}", responses=error_responses(401, 404, 409, 422)
)
async def update_record(
    record_id: uuid.UUID, body: RecordInput, user: CurrentUser, records: Records
) -> RecordOut:
    """Replace a record's label and inputs and recompute its chart."""
    return record_out(await records.update(user.id, record_id, body))


@router.delete(f"{RECORDS_PATH}/{{record_id}}", responses=error_responses(401, 404))
async def trash_record(
    record_id: uuid.UUID, user: CurrentUser, records: Records
) -> RecordOut:
    """Move a record to the trash."""
    return record_out(await records.trash(user.id, record_id))


@router.post(
    f"{RECORDS_PATH}/{{record_id}}/restore", responses=error_responses(401, 404)
)
async def restore_record(
    record_id: uuid.UUID, user: CurrentUser, records: Records
) -> RecordOut:
    """Take a record out of the trash."""
    return record_out(await records.restore(user.id, record_id))


@router.delete(
    f"{RECORDS_PATH}/{{record_id}}/purge",
    status_code=204,
    responses=error_responses(401, 404, 409),
)
async def purge_record(
    record_id: uuid.UUID, user: CurrentUser, records: Records
) -> Response:
    """Delete a trashed record and its favourites for good."""
    await records.purge(user.id, record_id)
    return Response(status_code=204)
