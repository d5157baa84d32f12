"""Request and response bodies of the accounts endpoints (camelCase on the wire).

Request bodies reject unknown fields and never trim or rewrite a value: a password or
name is used exactly as sent.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr
from pydantic.alias_generators import to_camel

from ..core.text import check_json_tree
from ..core.times import UtcDateTime
from .models import DISPLAY_NAME_MAX_LENGTH, EMAIL_MAX_LENGTH
from .passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

PREFERENCES_MAX_BYTES = 16_384
# Pydantic's serializer (pydantic-core 2.50) fails from 256 levels, and no settings
# page needs more than a few.
PREFERENCES_MAX_DEPTH = 32


def _check_email(value: str) -> str:
    """Check the syntax (no DNS lookup) and return email-validator's normal form.

    The normal form lowercases the domain and applies Unicode NFC; the local part
    keeps its case.
    """
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"invalid email address: {exc}") from exc
    return result.normalized


def _check_display_name(value: str) -> str:
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("the display name must not contain control characters")
    if not value.strip():
        raise ValueError("the display name must contain a visible character")
    return value


def _check_preferences(value: dict[str, Any]) -> dict[str, Any]:
    check_json_tree(value, PREFERENCES_MAX_DEPTH)
    size = len(json.dumps(value, ensure_ascii=False).encode())
    if size > PREFERENCES_MAX_BYTES:
        raise ValueError(
            f"preferences take {size} bytes; the limit is {PREFERENCES_MAX_BYTES}"
        )
    return value


Email = Annotated[
    StrictStr, Field(max_length=EMAIL_MAX_LENGTH), AfterValidator(_check_email)
]
NewPassword = Annotated[
    StrictStr,
    Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH),
]
GivenPassword = Annotated[
    StrictStr,
    Field(min_length=1, max_length=PASSWORD_MAX_LENGTH),
]
DisplayName = Annotated[
    StrictStr,
    Field(min_length=1, max_length=DISPLAY_NAME_MAX_LENGTH),
    AfterValidator(_check_display_name),
]
Preferences = Annotated[dict[str, Any], AfterValidator(_check_preferences)]


class _Request(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=False
    )


class _Response(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RegisterRequest(_Request):
    """A new account with email and password."""

    email: Email
    password: NewPassword
    display_name: DisplayName | None = None


class LoginRequest(_Request):
    """Credentials of an existing account."""

    email: Email
    password: GivenPassword


class UpdateMeRequest(_Request):
    """Profile changes; a new email needs the current password."""

    display_name: DisplayName | None = None
    email: Email | None = None
    current_password: GivenPassword | None = None


class ChangePasswordRequest(_Request):
    """The current password and the one to replace it."""

    current_password: GivenPassword
    new_password: NewPassword


class ForgotPasswordRequest(_Request):
    """The address to send a reset link to."""

    email: Email


class ResetPasswordRequest(_Request):
    """The token from the reset link and the new password."""

    token: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    password: NewPassword


class SettingsRequest(_Request):
    """Settings to change; a field left out keeps its value."""

    locale: Literal["zh", "en"] | None = None
    preferences: Preferences | None = None


class UserOut(_Response):
    """The account as its owner sees it."""

    id: str
    email: str | None
    display_name: str | None
    email_verified: bool
    is_admin: bool
    has_password: bool
    providers: list[str]
    created_at: UtcDateTime
    last_login_at: UtcDateTime | None


class AuthResponse(_Response):
    """A new login session: the bearer token (also set as a cookie) and the user."""

    token: str
    user: UserOut


class MeResponse(_Response):
    """The signed-in user."""

    user: UserOut


class SessionOut(_Response):
    """A live login session; ``id`` names it and is not the token."""

    id: str
    current: bool
    created_at: UtcDateTime
    last_seen_at: UtcDateTime
    expires_at: UtcDateTime
    client_ip: str | None
    user_agent: str | None


class SessionsResponse(_Response):
    """The user's live sessions, newest first."""

    sessions: list[SessionOut]


class SettingsOut(_Response):
    """Interface locale and free-form preferences."""

    locale: str
    preferences: dict[str, Any]


class SettingsResponse(_Response):
    """The user's settings."""

    settings: SettingsOut


class AcceptedResponse(_Response):
    """The request was accepted; the outcome is not reported."""

    status: Literal["accepted"] = "accepted"
    message: str
