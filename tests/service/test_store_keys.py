"""The store key table of docs/service-architecture.md against the keys in the code.

The code is read with ``ast``: a key is an f-string or a string constant that starts
with a lowercase, hyphenated name and a colon (``f"session:{digest}"``,
``CACHE_PREFIX = "bazi-cache:"``), and a rate-limit scope is the first argument of
``RateLimit(...)``. ``core/settings.py`` is skipped: its ``bazi-master:`` is the
prefix of every key and ``postgres:`` is a URL scheme.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "src" / "bazi_master" / "service"
ARCHITECTURE = ROOT / "docs" / "service-architecture.md"
NOT_KEYS = {SERVICE / "core" / "settings.py"}
KEY_START = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*:")


def _key_prefix(node: ast.AST) -> str | None:
    """Return the key prefix a string node starts with, or None."""
    if isinstance(node, ast.JoinedStr) and len(node.values) > 1:
        node = node.values[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if KEY_START.fullmatch(node.value) else None
    return None


def _rate_limit_scope(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call) or not node.args:
        return None
    named = isinstance(node.func, ast.Name) and node.func.id == "RateLimit"
    first = node.args[0]
    if named and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return f"rate-limit:{first.value}:"
    return None


def _code_prefixes() -> set[str]:
    """Every key prefix and ``rate-limit:<scope>:`` that the service code writes."""
    prefixes = set()
    for path in SERVICE.rglob("*.py"):
        if path in NOT_KEYS:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            found = _key_prefix(node) or _rate_limit_scope(node)
            if found:
                prefixes.add(found)
    return prefixes


def _documented_keys() -> list[str]:
    """The first column of the table after "Key names in use"."""
    text = ARCHITECTURE.read_text()
    section = text[text.index("Key names in use") :]
    table = section[: section.index("\n\n", section.index("| key |"))]
    return re.findall(r"^\| `([^`]+)` \|", table, re.MULTILINE)


def test_every_key_prefix_documented() -> None:
    documented = _documented_keys()
    missing = [
        prefix
        for prefix in sorted(_code_prefixes())
        if not any(key.startswith(prefix) for key in documented)
    ]

    assert "session:" in _code_prefixes()
    assert missing == []


def test_documented_keys_exist_in_code() -> None:
    prefixes = _code_prefixes()
    stale = [
        key
        for key in _documented_keys()
        if not any(key.startswith(prefix) for prefix in prefixes)
    ]

    assert stale == []
