"""Checks for request text that the databases cannot store.

PostgreSQL rejects the NUL character (U+0000) in ``text`` columns and in ``jsonb``,
while SQLite stores it, so the service rejects it in every request field that can
reach the database. Validators raise ``PydanticCustomError``, so the 422 names the
field and its message carries no "Value error" prefix.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

NUL = "\x00"


def reject_nul(value: Any) -> Any:
    """Raise for a string that contains NUL; return any other value unchanged."""
    if isinstance(value, str) and NUL in value:
        raise PydanticCustomError(
            "nul_character",
            "the text contains a NUL character (U+0000) at position {position}, "
            "which cannot be stored; remove it",
            {"position": value.index(NUL)},
        )
    return value


def check_json_tree(value: Any, max_depth: int) -> None:
    """Reject JSON nested deeper than ``max_depth``, or with NUL in a key or string.

    The depth counts objects and arrays: ``{"a": 1}`` is 1 and ``{"a": [1]}`` is 2.
    The walk keeps its own stack, so no depth can exhaust Python's recursion limit.
    """
    stack = [(value, 0)]
    while stack:
        item, enclosing = stack.pop()
        if not isinstance(item, dict | list):
            reject_nul(item)
            continue
        if enclosing + 1 > max_depth:
            raise PydanticCustomError(
                "json_too_deep",
                "the value nests objects or arrays more than {limit} levels deep; "
                "flatten it",
                {"limit": max_depth},
            )
        if isinstance(item, dict):
            for key in item:
                reject_nul(key)
            stack.extend((child, enclosing + 1) for child in item.values())
        else:
            stack.extend((child, enclosing + 1) for child in item)
