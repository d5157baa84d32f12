"""Pure ASGI middleware: request context and access log, size limits, rate limits.

Order from the outside in (``app.py`` adds them): request context, CORS, size limits,
rate limits, then FastAPI's routing. So every response, 413 and 429 included, carries
the request id, the security headers and the CORS headers, and reaches the access log.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import parse_qsl

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body, internal_error_body
from .logging import get_logger
from .metrics import Metrics
from .ratelimit import Decision, RateLimit, RateLimiter

log = get_logger(__name__)

REQUEST_ID_HEADER = b"x-request-id"
# A caller's request id is kept only if it is short and plain, so it cannot forge log
# lines or headers. Any other value is replaced by a generated one.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# Swagger UI loads its script and style from jsDelivr, as FastAPI's /docs page does.
DOCS_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'"
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def header(scope: Scope, name: bytes) -> str | None:
    """Return the first value of a request header, decoded as Latin-1."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def client_ip(scope: Scope, trusted_hops: int) -> str:
    """Return the client address, trusting ``trusted_hops`` proxies in front.

    Each trusted proxy appends the address it received the request from to
    ``X-Forwarded-For``, so with N proxies the client is the N-th address from the end
    of (forwarded addresses + peer). Addresses further left are client-supplied and
    never trusted.
    """
    peer = scope.get("client")
    chain = [peer[0] if peer else "unknown"]
    if trusted_hops:
        forwarded = header(scope, b"x-forwarded-for") or ""
        hops = [part.strip() for part in forwarded.split(",") if part.strip()]
        chain = hops + chain
    return chain[max(0, len(chain) - 1 - trusted_hops)]


def route_template(scope: Scope) -> str:
    """Return the matched route's path template, or ``unmatched``.

    Labelling metrics by template instead of path keeps their number bounded.
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Request id, security headers, access log, metrics and the last-resort 500."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        trusted_hops: int,
        production: bool,
        show_error_details: bool = False,
        probe_paths: Collection[str] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.trusted_hops = trusted_hops
        self.production = production
        # Only in development does a 500 carry the exception's type and message.
        self.show_error_details = show_error_details
        # A probe's 503 is a degraded dependency or a drain, logged as a warning.
        self.probe_paths = frozenset(probe_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_ip"] = client_ip(scope, self.trusted_hops)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        await _RequestRun(self, scope, request_id).run(receive, send)

    @staticmethod
    def _request_id(scope: Scope) -> str:
        supplied = header(scope, REQUEST_ID_HEADER)
        if supplied and VALID_REQUEST_ID.fullmatch(supplied):
            return supplied
        return uuid.uuid4().hex

    def response_headers(
        self, scope: Scope, request_id: str
    ) -> list[tuple[bytes, bytes]]:
        """Headers added to every response."""
        headers = [(REQUEST_ID_HEADER, request_id.encode()), *SECURITY_HEADERS]
        docs = scope["path"] in ("/docs", "/docs/oauth2-redirect", "/redoc")
        headers.append((b"content-security-policy", DOCS_CSP if docs else API_CSP))
        if self.production:
            headers.append(HSTS)
        return headers


class _RequestRun:
    """The state of one request passing through ``RequestContextMiddleware``."""

    def __init__(self, owner: RequestContextMiddleware, scope: Scope, rid: str) -> None:
        self.owner = owner
        self.scope = scope
        self.request_id = rid
        self.status = 500
        self.started = False
        self.start = time.perf_counter()

    async def run(self, receive: Receive, send: Send) -> None:
        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.started = True
                self.status = message["status"]
                extra = self.owner.response_headers(self.scope, self.request_id)
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.owner.app(self.scope, receive, send_wrapper)
        except Exception as exc:
            await self._fail(exc, send_wrapper)
        finally:
            self._finish()
            structlog.contextvars.clear_contextvars()

    async def _fail(self, exc: Exception, send: Send) -> None:
        """Log an exception that no handler caught and send a 500 envelope."""
        log.error(
            "http.unhandled_error",
            path=self.scope["path"],
            error_type=type(exc).__name__,
            exc_info=exc,
        )
        if self.started:
            raise exc
        body = internal_error_body(exc, debug=self.owner.show_error_details)
        await send_response(send, 500, body)

    def _finish(self) -> None:
        seconds = time.perf_counter() - self.start
        method = self.scope["method"]
        route = route_template(self.scope)
        self.owner.metrics.count_request(method, route, self.status, seconds)
        self._log(seconds)

    def _log(self, seconds: float) -> None:
        if self.status < 500 and not _info_enabled():
            return
        state: dict[str, Any] = self.scope.get("state", {})
        fields = {
            "method": self.scope["method"],
            "path": self.scope["path"],
            "status": self.status,
            "duration_ms": round(seconds * 1000, 2),
            "client_ip": state.get("client_ip"),
        }
        if state.get("user_id") is not None:
            fields["user_id"] = state["user_id"]
        if self.status < 500:
            log.info("http.request", **fields)
        elif self.scope["path"] in self.owner.probe_paths and self.status == 503:
            log.warning("http.request", **fields)
        else:
            log.error("http.request", **fields)


def _info_enabled() -> bool:
    """Return whether an INFO line of this module would be written.

    Below the configured level structlog still runs its processors (about 20
    microseconds) before the standard library drops the line, so the access log
    checks first. Without ``configure_logging`` structlog's default logger has no
    level, and every line is written.
    """
    enabled = getattr(log, "isEnabledFor", None)
    return enabled is None or bool(enabled(logging.INFO))


async def send_response(
    send: Send,
    status: int,
    body: bytes,
    headers: Collection[tuple[bytes, bytes]] = (),
) -> None:
    """Send a complete JSON response."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class LimitsMiddleware:
    """Reject an oversized URL or body, and a query parameter that is not UTF-8.

    A URL over ``max_url`` characters gets 414, a body over its limit 413, and a
    query parameter whose percent-decoded bytes are not UTF-8 gets 422.

    The body limit is ``max_body``, or for a path in ``path_max_body`` the larger of
    that path's limit and ``max_body``.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        max_url: int,
        path_max_body: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_url = max_url
        self.path_max_body = {
            path: max(limit, max_body) for path, limit in (path_max_body or {}).items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        url_length = len(scope.get("raw_path") or b"") + len(scope["query_string"]) + 1
        if url_length > self.max_url:
            message = (
                f"the URL has {url_length} characters; the limit is {self.max_url}"
            )
            await send_response(send, 414, error_body("URI_TOO_LONG", message))
            return
        undecodable = _undecodable_query(scope["query_string"])
        if undecodable is not None:
            await send_response(send, 422, undecodable)
            return
        limit = self.path_max_body.get(scope["path"], self.max_body)
        declared = header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await send_response(send, 413, _too_large(int(declared), limit))
            return
        await self.app(scope, _counting(receive, limit), send)


def _undecodable_query(query: bytes) -> bytes | None:
    """Describe the first query parameter whose bytes are not UTF-8, if any.

    Starlette decodes the query with replacement characters, so without this check
    a route would filter by U+FFFD in place of the bytes that the client sent.
    """
    text = query.decode("latin-1")
    for name, value in parse_qsl(text, keep_blank_values=True, encoding="latin-1"):
        for part in (name, value):
            try:
                part.encode("latin-1").decode()
            except UnicodeDecodeError as exc:
                return _not_utf8(name, exc.object[exc.start])
    return None


def _not_utf8(name: str, byte: int) -> bytes:
    shown = name.encode("latin-1").decode(errors="replace")[:100]
    message = (
        f"the query parameter {shown!r} is not valid UTF-8: byte 0x{byte:02x} "
        "cannot be decoded; percent-encode the parameter's UTF-8 bytes"
    )
    detail = {"field": f"query.{shown}", "message": message, "type": "utf8"}
    return error_body("VALIDATION_ERROR", message, [detail])


def _too_large(size: int, limit: int) -> bytes:
    message = f"the request body has {size} bytes; the limit is {limit}"
    return error_body("PAYLOAD_TOO_LARGE", message)


def _counting(receive: Receive, limit: int) -> Receive:
    """Wrap ``receive`` to stop a body without Content-Length at ``limit`` bytes."""
    received = 0

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                detail = f"the request body exceeds the limit of {limit} bytes"
                raise HTTPException(413, detail)
        return message

    return counting_receive


class RateLimitMiddleware:
    """Apply the global limit to every route but the probes, and a stricter one to
    the compute routes; loopback clients are counted like any other."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        general: RateLimit,
        compute: RateLimit,
        compute_paths: Collection[str],
        exempt_paths: Collection[str],
        metrics: Metrics,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.general = general
        self.compute = compute
        self.compute_paths = frozenset(compute_paths)
        self.exempt_paths = frozenset(exempt_paths)
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exempt = scope["type"] != "http" or scope["path"] in self.exempt_paths
        if exempt or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        decision = await self._check(scope)
        if not decision.allowed:
            await self._reject(send, decision)
            return
        await self.app(scope, receive, _with_headers(send, decision.headers()))

    async def _check(self, scope: Scope) -> Decision:
        """Count the request in each applicable scope; stop at the first refusal."""
        client = scope["state"]["client_ip"]
        rules = [self.general]
        if scope["path"] in self.compute_paths:
            rules.append(self.compute)
        for rule in rules:
            decision = await self.limiter.hit(rule, client)
            if not decision.allowed:
                self.metrics.rate_limited.labels(rule.scope).inc()
                break
        return decision

    async def _reject(self, send: Send, decision: Decision) -> None:
        retry = max(1, round(decision.reset_after))
        message = (
            f"too many requests: the limit is {decision.limit} per window; "
            f"retry in {retry} s"
        )
        body = error_body("RATE_LIMITED", message, [{"retryAfter": retry}])
        await send_response(send, 429, body, decision.headers())


def _with_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    async def send_wrapper(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *headers]
        await send(message)

    return send_wrapper
