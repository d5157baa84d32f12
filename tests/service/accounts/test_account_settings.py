"""Account settings: parsing, the cookie default, and the production refusals."""

from __future__ import annotations

from typing import Any

import pytest

from ..conftest import SettingsFactory

GOOD_SECRET = "k3J9-q8Zt-Lm2v-Xw7r-Pa5s-Nd4f-Hb6y"
PRODUCTION: dict[str, Any] = {
    "APP_ENV": "production",
    "DATABASE_URL": "postgresql://app:pw@db:5432/bazi_master",
    "REDIS_URL": "redis://redis:6379/0",
    "SECRET_KEY": GOOD_SECRET,
    "METRICS_TOKEN": GOOD_SECRET + "m",
    "DOCS_PASSWORD": GOOD_SECRET + "d",
    "FRONTEND_URL": "https://bazi.example.org",
    "SMTP_HOST": "smtp.bazi.example.org",
    "SMTP_FROM": "no-reply@bazi.example.org",
    "SMTP_SECURITY": "starttls",
    "ARGON2_MEMORY_KIB": 65_536,
    # The fixtures configure both providers; production cases start without them.
    **dict.fromkeys(
        ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_DISCOVERY_URL"], ""
    ),
    **dict.fromkeys(
        [
            "WECHAT_APP_ID",
            "WECHAT_APP_SECRET",
            "WECHAT_AUTHORIZE_URL",
            "WECHAT_API_URL",
        ],
        "",
    ),
}


def test_admin_emails_split_and_lowercased(settings_for: SettingsFactory) -> None:
    settings = settings_for(ADMIN_EMAILS=" Ann@Bazi.example , bob@bazi.example,")

    assert settings.ADMIN_EMAILS == ["ann@bazi.example", "bob@bazi.example"]


@pytest.mark.parametrize(
    ("environment", "same_site", "secure"),
    [
        ("development", "lax", False),
        ("development", "none", True),
        ("production", "lax", True),
    ],
)
def test_cookie_secure_default(
    settings_for: SettingsFactory, environment: str, same_site: str, secure: bool
) -> None:
    settings = settings_for(APP_ENV=environment, SESSION_COOKIE_SAMESITE=same_site)

    assert settings.session_cookie_secure is secure


def test_production_accepts_complete_accounts(settings_for: SettingsFactory) -> None:
    assert settings_for(**PRODUCTION).production_errors() == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"FRONTEND_URL": "http://bazi.example.org"}, "FRONTEND_URL must be an https"),
        ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE must not be false"),
        ({"SMTP_HOST": ""}, "SMTP_HOST is missing"),
        ({"SMTP_FROM": " "}, "SMTP_FROM is missing"),
        ({"SMTP_SECURITY": "none"}, "SMTP_SECURITY=none"),
        ({"SMTP_USER": "mailer", "SMTP_PASS": ""}, "SMTP_PASS is empty"),
        ({"ADMIN_EMAILS": "admin@example.com"}, "ADMIN_EMAILS contains"),
        ({"ARGON2_MEMORY_KIB": 4096}, "ARGON2_MEMORY_KIB is 4096"),
        ({"GOOGLE_CLIENT_ID": "id.apps"}, "Google sign-in is configured in part"),
        (
            {
                "WECHAT_APP_ID": "wx1",
                "WECHAT_APP_SECRET": "changeme",
                "WECHAT_AUTHORIZE_URL": "https://open.weixin.qq.com/connect/qrconnect",
                "WECHAT_API_URL": "https://api.weixin.qq.com",
            },
            "WECHAT_APP_SECRET is a placeholder",
        ),
    ],
)
def test_production_rejects_account_settings(
    settings_for: SettingsFactory, change: dict[str, Any], problem: str
) -> None:
    settings = settings_for(**{**PRODUCTION, **change})

    errors = settings.production_errors()

    assert len(errors) == 1, errors
    assert problem in errors[0]


def test_reset_off_needs_no_smtp(settings_for: SettingsFactory) -> None:
    change = {"SMTP_HOST": "", "SMTP_FROM": "", "PASSWORD_RESET_ENABLED": False}

    assert settings_for(**{**PRODUCTION, **change}).production_errors() == []


def test_loopback_relay_may_skip_tls(settings_for: SettingsFactory) -> None:
    change = {"SMTP_HOST": "127.0.0.1", "SMTP_SECURITY": "none"}

    assert settings_for(**{**PRODUCTION, **change}).production_errors() == []
