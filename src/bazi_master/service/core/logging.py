"""Structured logs: one JSON object per line on stdout, or readable console lines.

Every line carries ``time`` (ISO-8601 UTC), ``level`` (``debug``, ``info``, ``warn``,
``error``, ``fatal``) and ``event``, a dotted snake_case name such as ``http.request``.
Standard-library loggers (uvicorn, SQLAlchemy, Alembic) go through the same renderer.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from .settings import LogFormat

# Field names whose values never reach the log, matched case-insensitively anywhere in
# the name (so ``refresh_token`` and ``SMTP_PASS`` are caught too).
SENSITIVE_KEY = re.compile(
    r"pass(word|wd)?|secret|token|authorization|cookie|api[_-]?key|credential",
    re.IGNORECASE,
)
# ``scheme://user:password@host`` in any string value: the password is masked.
URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/:@\s]*:)[^@\s/]+@", re.I)
REDACTED = "[redacted]"
LEVEL_NAMES = {"warning": "warn", "critical": "fatal", "exception": "error"}
# Library messages with an event name of their own; the other lines of a library
# logger take the logger's name, such as ``uvicorn.error``.
LIBRARY_EVENTS = {"Invalid HTTP request received.": "http.invalid_request"}


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return URL_PASSWORD.sub(r"\g<head>" + REDACTED + "@", value)
    if isinstance(value, MutableMapping):
        return {key: _redact_item(key, item) for key, item in value.items()}
    return value


def _redact_item(key: Any, value: Any) -> Any:
    if isinstance(key, str) and SENSITIVE_KEY.search(key):
        return REDACTED
    return _redact(value)


def redact_secrets(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """Mask values under sensitive keys and passwords inside URLs, at any depth."""
    return {key: _redact_item(key, value) for key, value in event.items()}


def rename_level(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """Use the runbook's level names: ``warn`` and ``fatal``."""
    level = event.get("level")
    if isinstance(level, str):
        event["level"] = LEVEL_NAMES.get(level, level)
    return event


def name_library_event(
    _logger: WrappedLogger, _name: str, event: EventDict
) -> EventDict:
    """Give a standard-library record a dotted event name; keep its text in ``message``.

    Libraries such as uvicorn log prose ("Invalid HTTP request received."), while
    every event of the service is a dotted name that a log query can match.
    """
    record = event.get("_record")
    text = event.get("event")
    if isinstance(record, logging.LogRecord) and isinstance(text, str):
        event["message"] = text
        event["event"] = LIBRARY_EVENTS.get(text, record.name.lower())
    return event


def order_keys(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """Put ``time``, ``level`` and ``event`` first, so lines read left to right."""
    head = {key: event.pop(key) for key in ("time", "level", "event") if key in event}
    return {**head, **event}


def configure_logging(level: str = "info", fmt: LogFormat = LogFormat.JSON) -> None:
    """Route structlog and the standard library through one renderer on stdout."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
        rename_level,
        redact_secrets,
        order_keys,
    ]
    renderer: Processor
    if fmt is LogFormat.JSON:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.ExtraAdder(),
            name_library_event,
            *shared,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    _install_handler(formatter, level)


def _install_handler(formatter: logging.Formatter, level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

    # uvicorn's own start and access lines are replaced by the service's events.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # httpx logs every request it sends at INFO, in prose.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Alembic's prose lines are replaced by the service's ``db.migrated`` event.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("uvicorn.error").setLevel(max(logging.WARNING, root.level))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """Return a logger that writes through the configured renderer."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
