"""Account logic: registration, login, profile, passwords, deletion, provider sign-in.

Each method takes validated input, works through the repository and the runtime, and
returns domain objects or raises ``ApiError``. Store failures become 503: without the
store there are no sessions, reset tokens or rate limits.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ..core.errors import ApiError
from ..core.logging import get_logger
from ..core.store import StoreError
from .mailer import MailError, ResetEmail
from .models import DISPLAY_NAME_MAX_LENGTH, OAuthIdentity, User, UserSettings, utc_now
from .oauth import OAuthFailure, ProviderProfile
from .repository import AccountRepository, DuplicateError
from .runtime import AccountsRuntime
from .schemas import (
    ChangePasswordRequest,
    LoginRequest,
    RegisterRequest,
    ResetPasswordRequest,
    UpdateMeRequest,
    UserOut,
)
from .sessions import LoginSession, NewSession

log = get_logger(__name__)

INVALID_CREDENTIALS = (
    "the email or password is incorrect; check both, or reset the password through "
    "POST /api/auth/password/forgot"
)


@dataclass(frozen=True)
class Client:
    """Origin of a request (IP and user agent), stored with the session it opens."""

    ip: str
    user_agent: str | None


def email_key(email: str) -> str:
    """Return the case-folded address that the unique constraint compares."""
    return email.lower()


def is_admin(user: User, admin_emails: list[str]) -> bool:
    """Return whether the user's address is in ``ADMIN_EMAILS`` and proven.

    An address counts as proven after a password reset through it or a Google sign-in
    that reports it as verified; registering it is not enough.
    """
    return bool(user.email_verified and user.email_key in admin_emails)


def store_unavailable(exc: StoreError) -> ApiError:
    """Describe a store failure as 503 (the cause goes to the log, not the client)."""
    log.error("auth.store_failed", error=str(exc))
    return ApiError(
        503,
        "SERVICE_UNAVAILABLE",
        "the store of login sessions and tokens failed; retry in a few seconds",
    )


class AccountService:
    """The account operations of one request."""

    def __init__(self, repository: AccountRepository, runtime: AccountsRuntime):
        self.repository = repository
        self.runtime = runtime

    async def describe(self, user: User) -> UserOut:
        """Return the user as the API shows it to its owner."""
        return UserOut(
            id=str(user.id),
            email=user.email,
            display_name=user.display_name,
            email_verified=user.email_verified,
            is_admin=is_admin(user, self.runtime.settings.ADMIN_EMAILS),
            has_password=user.password_hash is not None,
            providers=await self.repository.providers_of(user.id),
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )

    async def register(
        self, body: RegisterRequest, client: Client
    ) -> tuple[User, NewSession]:
        """Create a password account and open its first session."""
        key = email_key(body.email)
        await self._limit(client, key)
        if await self.repository.user_by_email_key(key) is not None:
            raise _email_taken(body.email)
        password_hash = await self.runtime.passwords.hash(body.password)
        now = utc_now()
        user = User(
            email=body.email,
            email_key=key,
            display_name=body.display_name,
            password_hash=password_hash,
            created_at=now,
            last_login_at=now,
        )
        try:
            await self.repository.add_user(user)
        except DuplicateError as exc:
            raise _email_taken(body.email) from exc
        log.info("auth.user_registered", user_id=str(user.id))
        return user, await self._open_session(user, client)

    async def login(
        self, body: LoginRequest, client: Client
    ) -> tuple[User, NewSession]:
        """Check the credentials and open a session; one message for every failure."""
        key = email_key(body.email)
        await self._limit(client, key)
        user = await self.repository.user_by_email_key(key)
        stored = user.password_hash if user else None
        check = await self.runtime.passwords.verify(stored, body.password)
        if user is None or not check.valid:
            log.info("auth.login_failed", reason="invalid_credentials")
            raise ApiError(401, "INVALID_CREDENTIALS", INVALID_CREDENTIALS)
        _require_active(user)
        if check.needs_rehash:
            user.password_hash = await self.runtime.passwords.hash(body.password)
        user.last_login_at = utc_now()
        return user, await self._open_session(user, client)

    async def update_profile(self, user: User, body: UpdateMeRequest) -> User:
        """Change the display name and the email; the email needs the password."""
        if body.email is not None and body.email != user.email:
            await self._confirm_password(user, body.current_password)
            await self._change_email(user, body.email)
        if "display_name" in body.model_fields_set:
            user.display_name = body.display_name
        await self._save_or_conflict(user)
        return user

    async def change_password(
        self,
        user: User,
        session: LoginSession,
        body: ChangePasswordRequest,
        client: Client,
    ) -> int:
        """Replace the password and end every other session; return how many."""
        await self._limit(client, user.email_key)
        await self._confirm_password(user, body.current_password)
        user.password_hash = await self.runtime.passwords.hash(body.new_password)
        await self.repository.save()
        await self.repository.session.commit()
        ended = await self._revoke(user.id, keep=session.id)
        log.info("auth.password_changed", user_id=str(user.id), sessions_ended=ended)
        return ended

    async def delete_account(self, user: User) -> None:
        """Delete the user with everything it owns, then end all its sessions."""
        user_id = user.id
        await self.repository.delete_user(user)
        await self.repository.session.commit()
        await self._revoke(user_id)
        log.info("auth.user_deleted", user_id=str(user_id))

    async def settings_of(self, user: User) -> UserSettings:
        """Return the user's settings."""
        return await self.repository.settings_of(user.id)

    async def update_settings(
        self, user: User, locale: str | None, preferences: dict[str, Any] | None
    ) -> UserSettings:
        """Change the given settings fields."""
        return await self.repository.update_settings(user.id, locale, preferences)

    async def reset_password(self, body: ResetPasswordRequest, client: Client) -> None:
        """Redeem the reset token, set the password, and end every session."""
        await self._limit(client, None)
        try:
            user_id = await self.runtime.resets.redeem(body.token)
        except StoreError as exc:
            raise store_unavailable(exc) from exc
        user = await self.repository.user_by_id(user_id) if user_id else None
        if user is None:
            raise ApiError(
                400,
                "INVALID_RESET_TOKEN",
                "the reset link is invalid, expired or already used; request a new one",
            )
        user.password_hash = await self.runtime.passwords.hash(body.password)
        user.email_verified = True  # the link reached the address, which proves it
        await self.repository.save()
        await self.repository.session.commit()
        ended = await self._revoke(user.id)
        log.info("auth.password_reset", user_id=str(user.id), sessions_ended=ended)

    async def send_reset_link(self, address: str) -> None:
        """Email a reset link if an active account has this address.

        Runs in the background after the ``forgot`` response is sent, so the response
        never depends on whether the account exists. Failures are logged and counted.
        """
        user = await self.repository.user_by_email_key(email_key(address))
        if user is None or not user.is_active or user.email is None:
            log.info("auth.reset_requested", account_found=False)
            return
        settings = await self.repository.settings_of(user.id)
        token = await self.runtime.resets.issue(user.id)
        email = ResetEmail(
            to=user.email,
            link=self._reset_link(token),
            minutes=round(self.runtime.resets.ttl / 60),
            locale=settings.locale,
        )
        try:
            await self.runtime.mailer.send_password_reset(email)
        except MailError as exc:
            self.runtime.counters.reset_email_failures.inc()
            log.error("auth.reset_email_failed", user_id=str(user.id), error=str(exc))
            return
        log.info("auth.reset_email_sent", user_id=str(user.id))

    async def sign_in_with(
        self, profile: ProviderProfile, client: Client
    ) -> tuple[User, NewSession]:
        """Find or create the user of a provider identity and open a session.

        A new identity is linked to an existing account only when the provider reports
        the email as verified. If that account had not proven its address, its password
        and sessions are dropped, because the person who set them never proved ownership
        of the address.
        """
        user = await self._user_of_identity(profile)
        if user is None:
            user = await self._link_or_create(profile)
        if not user.is_active:
            raise OAuthFailure("account_disabled", f"user {user.id} is disabled")
        user.last_login_at = utc_now()
        return user, await self._open_session(user, client)

    async def _user_of_identity(self, profile: ProviderProfile) -> User | None:
        for subject in (profile.subject, *profile.other_subjects):
            user = await self.repository.user_by_identity(profile.provider, subject)
            if user is not None:
                return user
        return None

    async def _link_or_create(self, profile: ProviderProfile) -> User:
        if profile.email is not None and not profile.email_verified:
            raise OAuthFailure(
                "email_not_verified",
                f"{profile.provider} reports the email address as unverified",
            )
        existing = None
        if profile.email is not None:
            existing = await self.repository.user_by_email_key(email_key(profile.email))
        user = existing or await self._create_from(profile)
        if existing is not None and not existing.email_verified:
            await self._claim_unproven_account(existing)
        identity = OAuthIdentity(
            user_id=user.id,
            provider=profile.provider,
            subject=profile.subject,
            email=profile.email,
        )
        try:
            await self.repository.link_identity(identity)
        except DuplicateError as exc:
            raise OAuthFailure("server_error", "the identity was linked twice") from exc
        log.info(
            "auth.identity_linked", user_id=str(user.id), provider=profile.provider
        )
        return user

    async def _create_from(self, profile: ProviderProfile) -> User:
        user = User(
            email=profile.email,
            email_key=email_key(profile.email) if profile.email else None,
            email_verified=profile.email is not None,
            display_name=_provider_name(profile.display_name),
        )
        try:
            await self.repository.add_user(user)
        except DuplicateError as exc:
            raise OAuthFailure(
                "server_error", "the email was registered meanwhile"
            ) from exc
        log.info(
            "auth.user_registered", user_id=str(user.id), provider=profile.provider
        )
        return user

    async def _claim_unproven_account(self, user: User) -> None:
        user.password_hash = None
        user.email_verified = True
        await self.repository.save()
        ended = await self._revoke(user.id)
        log.warning("auth.unproven_account_claimed", user_id=str(user.id), ended=ended)

    async def _change_email(self, user: User, new_email: str) -> None:
        key = email_key(new_email)
        if key != user.email_key:
            if await self.repository.user_by_email_key(key) is not None:
                raise _email_taken(new_email)
            user.email_verified = False
        user.email = new_email
        user.email_key = key

    async def _confirm_password(self, user: User, password: str | None) -> None:
        if user.password_hash is None:
            raise ApiError(
                400,
                "PASSWORD_NOT_SET",
                "this account has no password; set one through "
                "POST /api/auth/password/forgot first",
            )
        if password is None:
            raise ApiError(
                400,
                "CURRENT_PASSWORD_REQUIRED",
                "changing the email needs the current password in currentPassword",
            )
        check = await self.runtime.passwords.verify(user.password_hash, password)
        if not check.valid:
            raise ApiError(
                403, "INVALID_PASSWORD", "the current password is incorrect; retry"
            )

    async def _save_or_conflict(self, user: User) -> None:
        try:
            await self.repository.save()
        except DuplicateError as exc:
            raise _email_taken(user.email or "") from exc

    async def _open_session(self, user: User, client: Client) -> NewSession:
        """Commit first, so a session never points at an uncommitted user."""
        await self.repository.save()
        await self.repository.session.commit()
        try:
            return await self.runtime.sessions.create(
                user.id, client.ip, client.user_agent
            )
        except StoreError as exc:
            raise store_unavailable(exc) from exc

    async def _revoke(self, user_id: uuid.UUID, keep: str | None = None) -> int:
        try:
            return await self.runtime.sessions.revoke_all(user_id, keep=keep)
        except StoreError as exc:
            raise store_unavailable(exc) from exc

    async def _limit(self, client: Client, key: str | None) -> None:
        await self.runtime.limiter.check(client.ip, key)

    def _reset_link(self, token: str) -> str:
        settings = self.runtime.settings
        base = settings.FRONTEND_URL.rstrip("/") + settings.PASSWORD_RESET_PATH
        return f"{base}?{urlencode({'token': token})}"


def _require_active(user: User) -> None:
    if not user.is_active:
        raise ApiError(
            403, "ACCOUNT_DISABLED", "this account is disabled; contact the operator"
        )


def _email_taken(email: str) -> ApiError:
    return ApiError(
        409,
        "EMAIL_TAKEN",
        f"an account with the email {email!r} exists; sign in or reset its password",
    )


def _provider_name(name: str | None) -> str | None:
    """Keep a provider's display name within the column, without control characters."""
    if name is None:
        return None
    visible = "".join(char for char in name if unicodedata.category(char) != "Cc")
    return visible[:DISPLAY_NAME_MAX_LENGTH] or None
