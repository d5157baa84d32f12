"""Descriptions of request bodies that a route cannot read as JSON, and field paths.

FastAPI responds to a body that ``json.loads`` cannot decode for a reason other than
syntax (invalid UTF-8, nesting deeper than Python's recursion limit, an integer
longer than ``sys.get_int_max_str_digits()``) with a bare 400 "There was an error
parsing the body", and it passes a body with a non-JSON content type to validation as
bytes. The functions here say what was wrong and what to send instead;
``errors.py`` turns their result into the envelope.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

JSON_HINT = "send a JSON object with the header Content-Type: application/json"
# Tags of the unions that pick a request shape (``bazi/schemas.py``,
# ``records/schemas.py``). Pydantic puts the tag into the error location, where it
# names no field that a client sent.
SHAPE_TAGS = frozenset({"current", "legacy"})
# The types of pydantic's error for a body that is not an object at all.
NOT_AN_OBJECT = frozenset({"model_type", "model_attributes_type", "dict_type"})
# Pydantic's start of the message of a ValueError raised in a validator.
VALUE_ERROR_PREFIX = "Value error, "


@dataclass(frozen=True)
class BodyError:
    """The status, code, message and details of an error response."""

    status: int
    code: str
    message: str
    details: list[dict[str, Any]]


def field_path(location: Sequence[Any]) -> str:
    """Join an error location into the path a client sent: ``birth``, ``query.q``.

    The leading ``body`` and a request-shape tag after it are dropped.
    """
    parts = list(location)
    if parts[:1] == ["body"]:
        parts = parts[1:]
        if parts[:1] and parts[0] in SHAPE_TAGS:
            parts = parts[1:]
    return ".".join(str(part) for part in parts)


def describe_problem(problem: Any) -> dict[str, Any]:
    """Keep the field, message and type of a pydantic error, never the input."""
    field = field_path(problem.get("loc", ()))
    kind = str(problem.get("type", "value_error"))
    message = problem_message(problem)
    if not field and kind in NOT_AN_OBJECT:
        message = "the request body must be a JSON object"
    return {"field": field or "body", "message": message, "type": kind}


def problem_message(problem: Any) -> str:
    """Return a pydantic error's message without pydantic's "Value error, " start."""
    return str(problem.get("msg", "invalid value")).removeprefix(VALUE_ERROR_PREFIX)


def invalid_json(problem: Any) -> BodyError:
    """Describe a JSON syntax error at a character position of the body."""
    location = problem.get("loc", ())
    position = location[-1] if len(location) > 1 else None
    reason = str(problem.get("ctx", {}).get("error", "invalid JSON"))
    where = "" if position is None else f" at character {position}"
    message = f"the request body is not valid JSON: {reason}{where}; fix it and "
    return _body_error(400, "INVALID_JSON", message + JSON_HINT)


def unreadable_body(
    cause: BaseException | None, subject: str = "the request body"
) -> BodyError | None:
    """Describe why ``json.loads`` failed, for the causes that FastAPI hides."""
    if isinstance(cause, UnicodeDecodeError):
        byte = cause.object[cause.start]
        message = (
            f"{subject} is not valid UTF-8: byte 0x{byte:02x} at offset "
            f"{cause.start} cannot be decoded; encode the JSON as UTF-8"
        )
    elif isinstance(cause, RecursionError):
        message = (
            f"{subject} nests arrays or objects too deeply to parse; no route "
            "needs more than a few levels, so flatten it"
        )
    elif isinstance(cause, ValueError) and "digits" in str(cause):
        limit = sys.get_int_max_str_digits()
        message = (
            f"{subject} contains an integer with more than {limit} digits; "
            "no field accepts such a number"
        )
    else:
        return None
    return _body_error(400, "INVALID_JSON", message)


def unsupported_media_type(body: Any, content_type: str | None) -> BodyError | None:
    """Return a 415 when the route got the body as bytes: its type was not JSON."""
    if not isinstance(body, bytes | bytearray) or not body:
        return None
    if content_type:
        sent = f"the request body has Content-Type {content_type[:100]!r}, not JSON"
    else:
        sent = "the request has a body but no Content-Type header"
    message = f"{sent}; {JSON_HINT}"
    return _body_error(415, "UNSUPPORTED_MEDIA_TYPE", message, "unsupported_media")


def _body_error(
    status: int, code: str, message: str, kind: str = "json_invalid"
) -> BodyError:
    return BodyError(
        status, code, message, [{"field": "body", "message": message, "type": kind}]
    )
