"""The one error envelope: ``{"error": {"code", "message", "details"}}``.

Every error response of the service has this shape, whatever raised it: a domain
``ApiError``, a FastAPI validation error, an engine input error, a routing 404/405 or an
unexpected exception (500, without a stack trace outside development).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from ...engine._errors import BaziDataError, BaziInputError
from .body_errors import (
    BodyError,
    describe_problem,
    invalid_json,
    unreadable_body,
    unsupported_media_type,
)
from .logging import get_logger

log = get_logger(__name__)

# Codes used for plain HTTP statuses; domain errors pick their own.
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    414: "URI_TOO_LONG",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
# The methods that a 405's Allow header can list.
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ErrorBody(BaseModel):
    """The fields of an error."""

    code: str
    message: str
    details: list[Any] = []


class ErrorEnvelope(BaseModel):
    """The body of every error response."""

    error: ErrorBody


class ApiError(Exception):
    """An error that a handler raises to respond with the envelope and a status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Sequence[Any] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details)
        self.headers = headers


def error_body(code: str, message: str, details: Sequence[Any] = ()) -> bytes:
    """Serialise the envelope; used by the ASGI middleware that has no FastAPI."""
    payload = {"error": {"code": code, "message": message, "details": list(details)}}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[Any] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    """Build the envelope response."""
    return Response(
        error_body(code, message, details),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Describe error statuses for a route's OpenAPI ``responses``."""
    return {
        status: {"model": ErrorEnvelope, "description": STATUS_CODES[status]}
        for status in statuses
    }


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers that turn errors raised in the routes into the envelope.

    The request middleware handles unexpected exceptions instead, so their 500 still
    carries the request id and reaches the access log.
    """
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(BaziInputError, _engine_input_error)
    app.add_exception_handler(BaziDataError, _engine_data_error)


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    content_type = request.headers.get("content-type")
    unsupported = unsupported_media_type(exc.body, content_type)
    if unsupported is not None:
        return _body_error_response(unsupported)
    problems = exc.errors()
    syntax = [item for item in problems if item.get("type") == "json_invalid"]
    if syntax:
        return _body_error_response(invalid_json(syntax[0]))
    details = [describe_problem(problem) for problem in problems]
    first = details[0] if details else {"field": "body", "message": "invalid request"}
    message = f"invalid request: {first['field']}: {first['message']}"
    return error_response(422, "VALIDATION_ERROR", message, details)


def _body_error_response(error: BodyError) -> Response:
    return error_response(error.status, error.code, error.message, error.details)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    unreadable = unreadable_body(exc.__cause__) if exc.status_code == 400 else None
    if unreadable is not None:
        return _body_error_response(unreadable)
    code = STATUS_CODES.get(exc.status_code, "HTTP_ERROR")
    message = _http_message(exc)
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers = {
            name: value for name, value in headers.items() if name.lower() != "allow"
        }
        headers["allow"] = ", ".join(allowed_methods(request))
    return error_response(exc.status_code, code, message, headers=headers or None)


def allowed_methods(request: Request) -> list[str]:
    """List every method that some route accepts on the request's path.

    Starlette's own 405 names only the methods of the first route whose path
    matches, but a path such as ``/api/auth/me`` has one route per method. So each
    method is tried against the app's routes through the public ``matches()``,
    which also works through FastAPI's included routers.
    """
    allowed = []
    for method in HTTP_METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.routes):
            allowed.append(method)
    return allowed


def _http_message(exc: StarletteHTTPException) -> str:
    if exc.status_code == 404 and exc.detail == "Not Found":
        return "no route matches this path; see /docs for the API"
    if exc.status_code == 405:
        return "this path does not accept the request method; see the Allow header"
    return str(exc.detail)


async def _engine_input_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BaziInputError)
    return error_response(422, exc.code, str(exc))


async def _engine_data_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BaziDataError)
    log.error("bazi.data_error", error=str(exc))
    message = "the chart tables of the server are damaged; try again later"
    return error_response(500, exc.code, message)


def internal_error_body(exc: BaseException, *, debug: bool) -> bytes:
    """Describe an unexpected exception; its text is shown only in development."""
    message = "internal server error; the request id in X-Request-ID identifies it"
    details = [_exception_text(exc)] if debug else []
    return error_body("INTERNAL_ERROR", message, details)


def _exception_text(exc: BaseException) -> str:
    """Name the exception, with its text unless a database error could carry SQL.

    SQLAlchemy's text contains the statement and its parameters, and the driver's can
    quote stored values, so a database error shows only the two exception types.
    """
    if isinstance(exc, SQLAlchemyError):
        original = getattr(exc, "orig", None)
        driver = f" ({type(original).__name__})" if original is not None else ""
        return f"{type(exc).__name__}{driver}: a database error; see the server log"
    return f"{type(exc).__name__}: {exc}"
