"""Checks for request text that the databases cannot store.

PostgreSQL rejects the NUL character (U+0000) in ``text`` columns and in ``jsonb``,
while SQLite stores it, so the service rejects it in every request field that can
reach the database. Validators raise ``PydanticCustomError``, so the 422 names the
field and its message carries no "Value error" prefix.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic_core import PydanticCustomError

NUL = "\x00"


def reject_nul(value: Any) -> Any:
    """Raise for a string that contains NUL; return any other value unchanged."""
    return _reject_nul(value, "the text", "which cannot be stored")


def reject_nul_in_query(value: Any) -> Any:
    """Like ``reject_nul``, worded for a query parameter, which is never stored."""
    return _reject_nul(value, "the query parameter", "which no record can contain")


def _reject_nul(value: Any, subject: str, reason: str) -> Any:
    if isinstance(value, str) and NUL in value:
        raise PydanticCustomError(
            "nul_character",
            f"{subject} contains a NUL character (U+0000) at position {{position}}, "
            f"{reason}; remove it",
            {"position": value.index(NUL)},
        )
    return value


def reject_non_finite(value: Any, key: str) -> None:
    """Raise for NaN or an infinity, which JSON cannot hold, naming the key."""
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError(
            "non_finite_number",
            "the value of {key} is {value}, which is not a JSON number; "
            "send a finite number",
            {"key": repr(key), "value": str(value)},
        )


def check_json_tree(value: Any, max_depth: int) -> None:
    """Reject JSON too deep, with NUL in a key or string, or a non-finite number.

    Python's JSON parser reads ``NaN`` and ``1e400`` as floats that JSON cannot hold.
    The depth counts objects and arrays: ``{"a": 1}`` is 1 and ``{"a": [1]}`` is 2.
    The walk keeps its own stack, so no depth can exhaust Python's recursion limit.
    A value in an array is named by the key of the nearest enclosing object.
    """
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, enclosing, key = stack.pop()
        if not isinstance(item, dict | list):
            reject_nul(item)
            reject_non_finite(item, key)
            continue
        if enclosing + 1 > max_depth:
            raise PydanticCustomError(
                "json_too_deep",
                "the value nests objects or arrays more than {limit} levels deep; "
                "flatten it",
                {"limit": max_depth},
            )
        if isinstance(item, dict):
            for name in item:
                reject_nul(name)
            stack.extend((child, enclosing + 1, name) for name, child in item.items())
        else:
            stack.extend((child, enclosing + 1, key) for child in item)
