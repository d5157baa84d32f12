"""Parts shared by the Google and WeChat sign-in flows.

The state parameter is 256 random bits. Its SHA-256 keys ``oauth-state:<digest>`` in the
store for ten minutes, holding the provider, the ``next`` path and the secrets of the
flow (PKCE verifier, nonce). The callback consumes it with GETDEL, so a state works
once. The same state also goes into a cookie on the callback path, and the callback
requires the two to match, so a callback URL started in another browser fails.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..core.store import KeyValueStore
from .tokens import new_token, token_digest

STATE_TTL = 600.0  # seconds
STATE_COOKIE = "bazi_oauth_state"
NEXT_MAX_LENGTH = 512
# Characters allowed in a ``next`` path: RFC 3986 path, query and fragment characters.
NEXT_CHARACTERS = frozenset(
    string.ascii_letters + string.digits + "-._~/?#[]@!$&'()*+,;=%:"
)


class OAuthFailure(Exception):
    """A sign-in flow failed; ``code`` goes to the frontend as ``?error=<code>``."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ProviderProfile:
    """Claims of a provider about the person who signed in.

    ``subject`` identifies the account at the provider; ``other_subjects`` are older
    identifiers of the same account (a WeChat openid once a unionid is known).
    """

    provider: str
    subject: str
    email: str | None = None
    email_verified: bool = False
    display_name: str | None = None
    other_subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlowState:
    """The stored half of a sign-in flow."""

    provider: str
    next_path: str
    secrets: dict[str, str] = field(default_factory=dict)


def safe_next_path(value: str | None) -> str:
    """Return ``value`` if it is a path on this site, ``/`` if empty; else raise.

    Accepted: an absolute path such as ``/charts?id=3``. Rejected: ``//host`` and
    ``/\\host`` (browsers read both as another host), any scheme or host, and
    characters outside RFC 3986.
    """
    if not value:
        return "/"
    parts = urlsplit(value)
    plain = set(value) <= NEXT_CHARACTERS and len(value) <= NEXT_MAX_LENGTH
    relative = value.startswith("/") and not value.startswith("//")
    if not (plain and relative and not parts.scheme and not parts.netloc):
        raise OAuthFailure(
            "invalid_next", f"next must be a path on this site: {value!r}"
        )
    return value


class OAuthStates:
    """Create and consume single-use sign-in states."""

    def __init__(self, store: KeyValueStore) -> None:
        self._store = store

    async def create(self, flow: FlowState) -> str:
        """Store ``flow`` for ``STATE_TTL`` seconds and return the new state."""
        state = new_token()
        value = json.dumps(
            {"provider": flow.provider, "next": flow.next_path, "secrets": flow.secrets}
        )
        await self._store.set(
            f"oauth-state:{token_digest(state)}", value, ttl=STATE_TTL
        )
        return state

    async def consume(self, state: str, provider: str) -> FlowState:
        """Return the flow of ``state`` and delete it; raise if unknown or used."""
        value = await self._store.getdel(f"oauth-state:{token_digest(state)}")
        if value is None:
            raise OAuthFailure("invalid_state", "the state is unknown, used or expired")
        data: dict[str, Any] = json.loads(value)
        if data["provider"] != provider:
            raise OAuthFailure("invalid_state", "the state belongs to another provider")
        return FlowState(data["provider"], data["next"], dict(data["secrets"]))
