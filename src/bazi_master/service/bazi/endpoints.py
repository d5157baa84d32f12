"""``POST /api/bazi/calculate``: a full chart for a birth, public and rate-limited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from ..core.errors import error_responses
from .schemas import AnyCalculateRequest
from .service import ChartService, chart_request

CALCULATE_PATH = "/api/bazi/calculate"

router = APIRouter(tags=["bazi"])


@router.post(
    CALCULATE_PATH,
    responses={
        200: {
            "description": "The chart, the same model as `bazi-master chart --json`. "
            "The X-Bazi-Cache header is `hit` or `miss`.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **error_responses(400, 413, 415, 422, 429, 500),
    },
    response_class=Response,
)
async def calculate(
    body: Annotated[AnyCalculateRequest, Body()], request: Request
) -> Response:
    """Compute a BaZi chart; accepts the current and the earlier request shape."""
    charts: ChartService = request.app.state.charts
    result = await charts.calculate(chart_request(body))
    headers = {"x-bazi-cache": "hit" if result.cache_hit else "miss"}
    return Response(result.body, media_type="application/json", headers=headers)
