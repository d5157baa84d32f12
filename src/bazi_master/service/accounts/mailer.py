"""Outgoing email over SMTP (aiosmtplib): the password reset message.

``SMTP_SECURITY`` picks the transport. ``starttls`` upgrades a plain connection (port
587), ``tls`` speaks TLS from the first byte (port 465), and ``none`` sends plain text.
Production accepts ``none`` only for a relay on loopback.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr

import aiosmtplib

from ..core.settings import Settings

SUBJECTS = {
    "en": "Reset your BaZi Master password",
    "zh": "重置您的 BaZi Master 密码",
}
BODIES = {
    "en": (
        "Someone requested a reset of the password of the BaZi Master account for this "
        "address.\n\nOpen this link within {minutes} minutes to choose a new "
        "password:\n\n{link}\n\nThe link works once. If you did not request it, ignore "
        "this email: your password stays as it is.\n"
    ),
    "zh": (
        "有人请求重置此邮箱对应的 BaZi Master 账户密码。\n\n请在 {minutes} "
        "分钟内打开以下链接设置新密码:\n\n{link}\n\n该链接只能使用一次。"
        "如果这不是您的操作,请忽略本邮件,您的密码不会改变。\n"
    ),
}


class MailError(Exception):
    """Sending failed; the message names the SMTP server and the cause."""


@dataclass(frozen=True)
class ResetEmail:
    """Content of the reset message: recipient, link, lifetime and language."""

    to: str
    link: str
    minutes: int
    locale: str


class Mailer:
    """Send messages through the SMTP server of the settings."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def configured(self) -> bool:
        """Whether ``SMTP_HOST`` and ``SMTP_FROM`` are set."""
        return bool(self._settings.SMTP_HOST and self._settings.SMTP_FROM)

    async def send_password_reset(self, email: ResetEmail) -> None:
        """Send the reset link; raise ``MailError`` if the server rejects it."""
        locale = email.locale if email.locale in SUBJECTS else "en"
        message = EmailMessage()
        message["From"] = formataddr(("BaZi Master", self._settings.SMTP_FROM))
        message["To"] = email.to
        message["Subject"] = SUBJECTS[locale]
        message.set_content(
            BODIES[locale].format(minutes=email.minutes, link=email.link)
        )
        await self._send(message)

    async def _send(self, message: EmailMessage) -> None:
        settings = self._settings
        security = settings.SMTP_SECURITY
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.SMTP_HOST,
                port=settings.SMTP_PORT,
                username=settings.SMTP_USER or None,
                password=settings.SMTP_PASS or None,
                use_tls=security == "tls",
                start_tls=security == "starttls",
                tls_context=self._tls_context() if security != "none" else None,
                timeout=settings.SMTP_TIMEOUT.total_seconds(),
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            server = f"{settings.SMTP_HOST}:{settings.SMTP_PORT}"
            raise MailError(
                f"SMTP {server} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def _tls_context(self) -> ssl.SSLContext:
        """Return a context that trusts the system CAs, or only ``SMTP_CA_FILE``."""
        ca_file = self._settings.SMTP_CA_FILE
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
