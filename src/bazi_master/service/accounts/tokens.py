"""Random tokens and the digests under which the store keeps them."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 random bits


def new_token() -> str:
    """Return 256 random bits as URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest that stands for ``token`` in store keys.

    A dump of the store then yields no usable token: the tokens carry 256 random bits,
    so the digest cannot be reversed by guessing.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
