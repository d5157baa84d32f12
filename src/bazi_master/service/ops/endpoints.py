"""``/metrics`` (Prometheus) and the API documentation, both protected in production.

``/metrics`` needs ``Authorization: Bearer $METRICS_TOKEN`` in production, and anywhere
``METRICS_TOKEN`` is set. ``/openapi.json`` and ``/docs`` need HTTP Basic with
``DOCS_USER`` and ``DOCS_PASSWORD`` in production. Secrets are compared through their
SHA-256 digests in constant time, so a wrong length reveals nothing either.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..core.errors import ApiError
from ..core.metrics import Metrics
from ..core.settings import Settings

router = APIRouter(include_in_schema=False)
DOCS_REALM = 'Basic realm="BaZi Master API docs"'


def _same_secret(supplied: str, expected: str) -> bool:
    digest_supplied = hashlib.sha256(supplied.encode()).digest()
    digest_expected = hashlib.sha256(expected.encode()).digest()
    return hmac.compare_digest(digest_supplied, digest_expected)


def _check_metrics_token(request: Request, settings: Settings) -> None:
    if not settings.METRICS_TOKEN and not settings.is_production:
        return
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    valid = scheme.lower() == "bearer" and bool(settings.METRICS_TOKEN)
    if not (valid and _same_secret(token.strip(), settings.METRICS_TOKEN)):
        raise ApiError(
            401,
            "UNAUTHORIZED",
            "missing or invalid metrics token; send Authorization: Bearer <token>",
            headers={"www-authenticate": "Bearer"},
        )


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Return the metrics in Prometheus text format."""
    settings: Settings = request.app.state.settings
    _check_metrics_token(request, settings)
    registry = request.app.state.metrics
    assert isinstance(registry, Metrics)
    return Response(
        generate_latest(registry.registry),
        media_type=CONTENT_TYPE_LATEST,
        headers={"cache-control": "no-store"},
    )


def _check_docs_login(request: Request, settings: Settings) -> None:
    if not settings.is_production:
        return
    scheme, _, encoded = (request.headers.get("authorization") or "").partition(" ")
    try:
        user, _, password = (
            base64.b64decode(encoded, validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        user, password = "", ""
    user_ok = _same_secret(user, settings.DOCS_USER)
    password_ok = _same_secret(password, settings.DOCS_PASSWORD)
    if scheme.lower() != "basic" or not (
        user_ok and password_ok and settings.DOCS_PASSWORD
    ):
        raise ApiError(
            401,
            "UNAUTHORIZED",
            "the API docs need HTTP Basic credentials (DOCS_USER and DOCS_PASSWORD)",
            headers={"www-authenticate": DOCS_REALM},
        )


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    """Return the OpenAPI document."""
    _check_docs_login(request, request.app.state.settings)
    app: FastAPI = request.app
    return JSONResponse(app.openapi())


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    """Return the Swagger UI page for the OpenAPI document."""
    _check_docs_login(request, request.app.state.settings)
    return get_swagger_ui_html(openapi_url="/openapi.json", title="BaZi Master API")
