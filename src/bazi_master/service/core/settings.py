"""Service settings, read once from the environment and an optional ``.env`` file."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Whole values that mark a secret as never filled in; compared case-insensitively.
PLACEHOLDER_SECRETS = frozenset(
    {"secret", "password", "placeholder", "todo", "xxx", "default", "test", "dev"}
)
# Fragments that mark a copied example value, such as ``change-me-to-a-random-key``.
PLACEHOLDER_FRAGMENTS = ("changeme", "change-me", "change_me", "replace-me", "example")
MIN_SECRET_LENGTH = 32
# Smallest Argon2id memory cost (19 MiB) accepted in production. Tests lower the cost
# to stay fast; the default is argon2-cffi's 64 MiB.
MIN_ARGON2_MEMORY_KIB = 19_456


def _seconds(value: Any) -> Any:
    """Read ``"60"`` or ``"2.5"`` as seconds; ISO 8601 (``PT1M``) also works."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


# A duration given in seconds in the environment.
Seconds = Annotated[timedelta, BeforeValidator(_seconds)]


class Environment(StrEnum):
    """The deployment environment; production turns on the strict start-up checks."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    """The rendering of log lines."""

    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    """Every setting of the service; ``.env.example`` lists each with its meaning."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
        frozen=True,
    )

    # Environment and server
    APP_ENV: Environment = Environment.DEVELOPMENT
    PORT: int = Field(default=4000, ge=1, le=65535)
    BIND_HOST: str | None = None
    WORKERS: int = Field(default=1, ge=1, le=64)

    # Logging
    LOG_LEVEL: str = "info"
    LOG_FORMAT: LogFormat = LogFormat.JSON

    # Database
    DATA_DIR: Path = Path("data")
    DATABASE_URL: str | None = None
    DB_POOL_SIZE: int = Field(default=5, ge=1)
    DB_MAX_OVERFLOW: int = Field(default=10, ge=0)
    RUN_MIGRATIONS_ON_START: bool = True

    # Redis
    REDIS_URL: str | None = None
    REDIS_KEY_PREFIX: str = "bazi-master:"
    REDIS_SOCKET_TIMEOUT: float = Field(default=0.25, gt=0)
    REDIS_BREAKER_FAILURES: int = Field(default=3, ge=1)
    REDIS_BREAKER_COOLDOWN: float = Field(default=5.0, gt=0)

    # HTTP
    CORS_ALLOWED_ORIGINS: Annotated[list[str], NoDecode] = []
    TRUST_PROXY: int = Field(default=0, ge=0, le=10)
    MAX_BODY_BYTES: int = Field(default=1_048_576, ge=1024)
    # The import route's own limit, sized for MAX_IMPORT_ROWS (10,000) JSON export
    # rows of about 2.5 kB: a 200-character label that JSON escapes to 6 bytes a
    # character and a 200-character place of 3-byte characters. Typical rows take
    # 5.7 MB for 10,000.
    MAX_IMPORT_BODY_BYTES: int = Field(default=25_165_824, ge=1024)
    MAX_URL_LENGTH: int = Field(default=16_384, ge=256)

    # Rate limits: fixed windows per client IP
    RATE_LIMIT_ENABLED: bool = True
    RATE_LIMIT_WINDOW: Seconds = timedelta(minutes=1)
    RATE_LIMIT_MAX: int = Field(default=300, ge=1)
    RATE_LIMIT_COMPUTE_MAX: int = Field(default=60, ge=1)

    # BaZi cache
    BAZI_CACHE_TTL: Seconds = timedelta(hours=6)

    # Shutdown
    SHUTDOWN_DRAIN: Seconds | None = None
    SHUTDOWN_TIMEOUT: Seconds = timedelta(seconds=10)

    # Secrets and protected endpoints
    SECRET_KEY: str = ""
    METRICS_TOKEN: str = ""
    DOCS_USER: str = "admin"
    DOCS_PASSWORD: str = ""

    # Accounts
    FRONTEND_URL: str = "http://localhost:3000"
    BACKEND_BASE_URL: str = "http://localhost:4000"
    ADMIN_EMAILS: Annotated[list[str], NoDecode] = []
    SESSION_IDLE_TIMEOUT: Seconds = timedelta(minutes=30)
    SESSION_LIFETIME: Seconds = timedelta(hours=24)
    SESSION_COOKIE_SECURE: bool | None = None
    SESSION_COOKIE_SAMESITE: Literal["lax", "strict", "none"] = "lax"
    SESSION_COOKIE_DOMAIN: str | None = None
    AUTH_RATE_LIMIT_MAX: int = Field(default=10, ge=1)
    AUTH_RATE_LIMIT_WINDOW: Seconds = timedelta(minutes=15)
    ARGON2_TIME_COST: int = Field(default=3, ge=1, le=20)
    ARGON2_MEMORY_KIB: int = Field(default=65_536, ge=1024, le=1_048_576)
    ARGON2_PARALLELISM: int = Field(default=4, ge=1, le=16)
    PASSWORD_RESET_ENABLED: bool = True
    PASSWORD_RESET_TTL: Seconds = timedelta(minutes=30)
    PASSWORD_RESET_PATH: str = "/reset-password"
    SMTP_HOST: str = ""
    SMTP_PORT: int = Field(default=587, ge=1, le=65535)
    SMTP_SECURITY: Literal["starttls", "tls", "none"] = "starttls"
    SMTP_USER: str = ""
    SMTP_PASS: str = ""
    SMTP_FROM: str = ""
    SMTP_TIMEOUT: Seconds = timedelta(seconds=10)
    SMTP_CA_FILE: Path | None = None
    OAUTH_HTTP_TIMEOUT: Seconds = timedelta(seconds=10)
    GOOGLE_CLIENT_ID: str = ""
    GOOGLE_CLIENT_SECRET: str = ""
    GOOGLE_DISCOVERY_URL: str = ""
    WECHAT_APP_ID: str = ""
    WECHAT_APP_SECRET: str = ""
    WECHAT_AUTHORIZE_URL: str = ""
    WECHAT_API_URL: str = ""

    @field_validator("CORS_ALLOWED_ORIGINS", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [
                item.strip().rstrip("/") for item in value.split(",") if item.strip()
            ]
        return value

    @field_validator("ADMIN_EMAILS", mode="before")
    @classmethod
    def _split_admin_emails(cls, value: Any) -> Any:
        """Read a comma-separated list; addresses compare without regard to case."""
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, list):
            return [str(item).lower() for item in value]
        return value

    @field_validator("LOG_LEVEL")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        levels = ("debug", "info", "warning", "error", "critical")
        if value.lower() not in levels:
            raise ValueError(f"invalid LOG_LEVEL {value!r}: expected one of {levels}")
        return value.lower()

    @property
    def is_production(self) -> bool:
        """Whether the strict production rules apply."""
        return self.APP_ENV == Environment.PRODUCTION

    @property
    def bind_host(self) -> str:
        """The listening address: ``BIND_HOST``, else 0.0.0.0 in production only."""
        if self.BIND_HOST:
            return self.BIND_HOST
        return "0.0.0.0" if self.is_production else "127.0.0.1"

    @property
    def shutdown_drain_seconds(self) -> float:
        """Seconds from SIGTERM to closing the listener (5 in production, else 0)."""
        if self.SHUTDOWN_DRAIN is not None:
            return self.SHUTDOWN_DRAIN.total_seconds()
        return 5.0 if self.is_production else 0.0

    @property
    def session_cookie_secure(self) -> bool:
        """``SESSION_COOKIE_SECURE``, else true in production or with SameSite none."""
        if self.SESSION_COOKIE_SECURE is not None:
            return self.SESSION_COOKIE_SECURE
        return self.is_production or self.SESSION_COOKIE_SAMESITE == "none"

    def production_errors(self) -> list[str]:
        """List every reason this configuration must not serve production traffic."""
        if not self.is_production:
            return []
        errors = []
        url = self.DATABASE_URL or ""
        if not url.startswith(("postgresql", "postgres:")):
            errors.append("DATABASE_URL must be a PostgreSQL URL in production")
        if not self.REDIS_URL:
            errors.append("REDIS_URL is missing; production needs a shared Redis")
        for name in ("SECRET_KEY", "METRICS_TOKEN", "DOCS_PASSWORD"):
            problem = _secret_problem(getattr(self, name))
            if problem:
                errors.append(f"{name} {problem}")
        for name in ("DATABASE_URL", "REDIS_URL"):
            if _is_placeholder(urlsplit(getattr(self, name) or "").password or ""):
                errors.append(
                    f"{name} contains a placeholder password; set the real one"
                )
        errors.extend(self._accounts_errors())
        return errors

    def _accounts_errors(self) -> list[str]:
        """List the production problems of the account settings."""
        errors = []
        if not self.FRONTEND_URL.startswith("https://"):
            errors.append("FRONTEND_URL must be an https:// URL in production")
        if not self.session_cookie_secure:
            errors.append("SESSION_COOKIE_SECURE must not be false in production")
        errors.extend(self._smtp_errors())
        errors.extend(self._oauth_errors())
        for address in self.ADMIN_EMAILS:
            if "@" not in address or _is_placeholder(address):
                errors.append(f"ADMIN_EMAILS contains {address!r}; list real addresses")
        if self.ARGON2_MEMORY_KIB < MIN_ARGON2_MEMORY_KIB:
            errors.append(
                f"ARGON2_MEMORY_KIB is {self.ARGON2_MEMORY_KIB}; production needs "
                f"{MIN_ARGON2_MEMORY_KIB} or more"
            )
        return errors

    def _smtp_errors(self) -> list[str]:
        if not self.PASSWORD_RESET_ENABLED:
            return []
        errors = []
        for name in ("SMTP_HOST", "SMTP_FROM"):
            if not getattr(self, name).strip():
                errors.append(
                    f"{name} is missing but PASSWORD_RESET_ENABLED is true; configure "
                    "SMTP or set PASSWORD_RESET_ENABLED=false"
                )
        loopback = self.SMTP_HOST in ("localhost", "127.0.0.1", "::1")
        if self.SMTP_HOST and self.SMTP_SECURITY == "none" and not loopback:
            errors.append(
                "SMTP_SECURITY=none sends passwords and reset links in clear text; "
                "use starttls or tls unless SMTP_HOST is a loopback relay"
            )
        password = self.SMTP_PASS.strip()
        if self.SMTP_USER and (not password or _is_placeholder(password)):
            errors.append("SMTP_PASS is empty or a placeholder; set the real password")
        return errors

    def _oauth_errors(self) -> list[str]:
        """Report a provider that is configured in part: sign-in would fail later."""
        providers = {
            "Google": (
                "GOOGLE_CLIENT_ID",
                "GOOGLE_CLIENT_SECRET",
                "GOOGLE_DISCOVERY_URL",
            ),
            "WeChat": (
                "WECHAT_APP_ID",
                "WECHAT_APP_SECRET",
                "WECHAT_AUTHORIZE_URL",
                "WECHAT_API_URL",
            ),
        }
        errors = []
        for provider, names in providers.items():
            missing = [name for name in names if not getattr(self, name)]
            if missing and len(missing) < len(names):
                names_missing = ", ".join(missing)
                errors.append(
                    f"{provider} sign-in is configured in part; set {names_missing} "
                    "or clear the others"
                )
            elif not missing and _is_placeholder(getattr(self, names[1])):
                errors.append(f"{names[1]} is a placeholder; set the real secret")
        return errors


def _is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    copied = any(fragment in lowered for fragment in PLACEHOLDER_FRAGMENTS)
    return lowered in PLACEHOLDER_SECRETS or copied or lowered.startswith("<")


def _secret_problem(value: str) -> str | None:
    """Describe why a secret value is unusable in production, or return None."""
    if not value.strip():
        return "is empty; set a random value of 32 or more characters"
    if _is_placeholder(value):
        return "is a placeholder; set a random value of 32 or more characters"
    if len(value) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    return None
