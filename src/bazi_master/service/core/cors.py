"""CORS with rejected preflights in the service's JSON error envelope.

Starlette's ``CORSMiddleware`` responds to a preflight it rejects with a plain-text 400
("Disallowed CORS origin"). This subclass keeps its decisions and headers and only
rewrites that body, naming what was rejected and what the server allows.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from .errors import error_response

# Starlette's words for the parts of a preflight that can fail.
FAILURE_PREFIX = "Disallowed CORS "


class EnvelopeCORSMiddleware(CORSMiddleware):
    """``CORSMiddleware`` whose rejected preflights use the error envelope."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        text = bytes(response.body).decode()
        failures = text.removeprefix(FAILURE_PREFIX).split(", ")
        details = [
            {"field": failure, "message": self._reason(failure, request_headers)}
            for failure in failures
        ]
        reasons = "; ".join(detail["message"] for detail in details)
        message = f"CORS preflight rejected: {reasons}"
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower().startswith("access-control-")
        }
        return error_response(400, "CORS_REJECTED", message, details, headers)

    def _reason(self, failure: str, request_headers: Headers) -> str:
        if failure == "origin":
            origin = request_headers["origin"][:200]
            return f"the origin {origin!r} is not in CORS_ALLOWED_ORIGINS"
        if failure == "method":
            method = request_headers["access-control-request-method"][:20]
            allowed = ", ".join(sorted(self.allow_methods))
            return f"the method {method!r} is not allowed; use one of {allowed}"
        if failure == "headers":
            allowed = ", ".join(sorted(self.allow_headers))
            return f"a requested header is not allowed; the allowed ones are {allowed}"
        return f"{failure} is not allowed"
