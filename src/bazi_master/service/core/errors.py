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
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ...engine._errors import BaziDataError, BaziInputError
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
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


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


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = [_describe_problem(problem) for problem in exc.errors()]
    if any(problem["type"] == "json_invalid" for problem in details):
        message = "the request body is not valid JSON; send a JSON object"
        return error_response(400, "INVALID_JSON", message, details)
    first = details[0] if details else {"field": "", "message": "invalid request"}
    message = f"invalid request: {first['field'] or 'body'}: {first['message']}"
    return error_response(422, "VALIDATION_ERROR", message, details)


def _describe_problem(problem: Any) -> dict[str, Any]:
    """Keep the location, message and type of a pydantic error, never the input."""
    location = [str(part) for part in problem.get("loc", ()) if part != "body"]
    return {
        "field": ".".join(location),
        "message": str(problem.get("msg", "invalid value")),
        "type": str(problem.get("type", "value_error")),
    }


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODES.get(exc.status_code, "HTTP_ERROR")
    message = _http_message(exc)
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, message, headers=headers)


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
    details = [f"{type(exc).__name__}: {exc}"] if debug else []
    return error_body("INTERNAL_ERROR", message, details)
