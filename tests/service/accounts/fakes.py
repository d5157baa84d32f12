"""Loopback servers that stand in for the outside world in the accounts tests.

``MailServer`` is a real SMTP server (aiosmtpd) that keeps what it receives.
``FakeProviders`` serves an OpenID provider and WeChat's endpoints with uvicorn on a
free loopback port: discovery document, JWKS, authorization, token and userinfo
endpoints, with RS256 ID tokens signed by a key generated per test session. Tests steer
the next sign-in through ``FakeProviders.google`` and ``FakeProviders.wechat``.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import re
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..conftest import free_port

CLIENT_ID = "bazi-test-client"
CLIENT_SECRET = "google-client-secret-for-tests-0123456789"
WECHAT_APP_ID = "wx-test-app"
WECHAT_APP_SECRET = "wechat-app-secret-for-tests-0123456789"
LINK = re.compile(r"https?://\S+")


# --- SMTP ------------------------------------------------------------------------


class _Inbox:
    """aiosmtpd handler that stores every accepted message."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        with self.lock:
            self.messages.append(message_from_bytes(content))
        return "250 Message accepted for delivery"


class MailServer:
    """An SMTP server on 127.0.0.1, plain, STARTTLS or implicit TLS."""

    def __init__(self, tls: ssl.SSLContext | None = None, implicit: bool = False):
        self.inbox = _Inbox()
        self.port = free_port()
        options: dict[str, Any] = {}
        if tls is not None and implicit:
            options["ssl_context"] = tls
        elif tls is not None:
            options["tls_context"] = tls
            options["require_starttls"] = True
        self._controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **options
        )

    def start(self) -> None:
        """Start serving in a thread of its own."""
        self._controller.start()

    def stop(self) -> None:
        """Stop serving."""
        self._controller.stop()

    def messages_to(self, address: str) -> list[Message]:
        """Return the messages received for ``address``, oldest first."""
        with self.inbox.lock:
            return [m for m in self.inbox.messages if m["To"] == address]


def link_in(message: Message) -> str:
    """Return the first URL in the plain-text body of ``message``."""
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    found = LINK.search(payload.decode(message.get_content_charset() or "utf-8"))
    assert found, "the message has no link"
    return found.group(0)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a certificate for 127.0.0.1 and its key; return their paths."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


# --- OpenID provider and WeChat ------------------------------------------------------


@dataclass
class GoogleScenario:
    """What the fake OpenID provider does on the next sign-in."""

    subject: str = field(default_factory=lambda: "g-" + secrets.token_hex(6))
    email: str | None = None
    email_verified: bool = True
    name: str | None = "Google User"
    error: str | None = None  # an ``error`` sent back instead of a code
    nonce: str | None = None  # a nonce to put in the ID token instead of the real one
    name_only_in_userinfo: bool = False


@dataclass
class WeChatScenario:
    """What the fake WeChat does on the next sign-in."""

    openid: str = field(default_factory=lambda: "o-" + secrets.token_hex(6))
    unionid: str | None = None
    nickname: str = "微信用户"
    declined: bool = False  # the user closed the QR page: no code
    token_errcode: int | None = None


@dataclass
class _Grant:
    claims: dict[str, Any]
    nonce: str
    code_challenge: str
    redirect_uri: str


class FakeProviders:
    """The fake OpenID provider at ``/oidc`` and fake WeChat at ``/wechat``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
        self.google = GoogleScenario()
        self.wechat = WeChatScenario()
        self.token_requests = 0
        self._grants: dict[str, _Grant] = {}
        self._wechat_codes: dict[str, WeChatScenario] = {}
        self._access: dict[str, dict[str, Any]] = {}
        app = Starlette(routes=self._routes())
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def discovery_url(self) -> str:
        """The discovery document of the OpenID provider."""
        return f"{self.base}/oidc/.well-known/openid-configuration"

    @property
    def issuer(self) -> str:
        """The issuer the ID tokens carry."""
        return f"{self.base}/oidc"

    def start(self) -> None:
        """Serve in a thread until ``stop``; wait until the port accepts requests."""
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake provider server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop the server thread."""
        self._server.should_exit = True
        self._thread.join(10)

    def _routes(self) -> list[Route]:
        return [
            Route("/oidc/.well-known/openid-configuration", self._discovery),
            Route("/oidc/jwks", self._jwks),
            Route("/oidc/authorize", self._authorize),
            Route("/oidc/token", self._token, methods=["POST"]),
            Route("/oidc/userinfo", self._userinfo),
            Route("/wechat/connect/qrconnect", self._wechat_authorize),
            Route("/wechat/sns/oauth2/access_token", self._wechat_token),
            Route("/wechat/sns/userinfo", self._wechat_userinfo),
        ]

    async def _discovery(self, request: Request) -> Response:
        issuer = self.issuer
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "userinfo_endpoint": f"{issuer}/userinfo",
                "jwks_uri": f"{issuer}/jwks",
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def _authorize(self, request: Request) -> Response:
        """Approve at once as the scenario's user (no login page)."""
        query = request.query_params
        scenario = self.google
        assert query["client_id"] == CLIENT_ID
        assert query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        if scenario.error:
            target = {"error": scenario.error, "state": query["state"]}
            return RedirectResponse(f"{query['redirect_uri']}?{urlencode(target)}")
        code = secrets.token_urlsafe(16)
        self._grants[code] = _Grant(
            claims=self._claims(scenario),
            nonce=scenario.nonce or query["nonce"],
            code_challenge=query["code_challenge"],
            redirect_uri=query["redirect_uri"],
        )
        target = {"code": code, "state": query["state"]}
        return RedirectResponse(f"{query['redirect_uri']}?{urlencode(target)}")

    def _claims(self, scenario: GoogleScenario) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": scenario.subject}
        if scenario.email is not None:
            claims["email"] = scenario.email
            claims["email_verified"] = scenario.email_verified
        if scenario.name is not None and not scenario.name_only_in_userinfo:
            claims["name"] = scenario.name
        return claims

    async def _token(self, request: Request) -> Response:
        """Check client credentials, code, redirect URI and the PKCE verifier."""
        self.token_requests += 1
        form = await request.form()
        grant = self._grants.pop(str(form.get("code")), None)
        valid_client = (
            form.get("client_id") == CLIENT_ID
            and form.get("client_secret") == CLIENT_SECRET
        )
        if grant is None or not valid_client:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)

        verifier = str(form.get("code_verifier"))
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        same_uri = form.get("redirect_uri") == grant.redirect_uri
        if challenge != grant.code_challenge or not same_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)

        access_token = secrets.token_urlsafe(16)
        userinfo = {**grant.claims}
        if self.google.name_only_in_userinfo and self.google.name:
            userinfo["name"] = self.google.name
        self._access[access_token] = userinfo

        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": self.id_token(grant.claims, grant.nonce),
            }
        )

    def id_token(self, claims: dict[str, Any], nonce: str) -> str:
        """Sign an ID token for ``claims`` with the provider's key."""
        now = int(time.time())
        payload = {
            **claims,
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
        }
        header = {"alg": "RS256", "kid": "test-key-1"}
        return jwt.encode(header, payload, self.key)

    async def _userinfo(self, request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        info = self._access.get(token)
        if info is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse(info)

    async def _wechat_authorize(self, request: Request) -> Response:
        query = request.query_params
        assert query["appid"] == WECHAT_APP_ID
        assert query["scope"] == "snsapi_login"
        if self.wechat.declined:
            target = {"state": query["state"]}
        else:
            code = secrets.token_urlsafe(16)
            self._wechat_codes[code] = self.wechat
            target = {"code": code, "state": query["state"]}
        return RedirectResponse(f"{query['redirect_uri']}?{urlencode(target)}")

    async def _wechat_token(self, request: Request) -> Response:
        """Return tokens; like WeChat, report errors as status 200 with ``errcode``."""
        query = request.query_params
        scenario = self._wechat_codes.pop(query.get("code", ""), None)
        valid = query.get("appid") == WECHAT_APP_ID and (
            query.get("secret") == WECHAT_APP_SECRET
        )
        if scenario is None or not valid:
            return JSONResponse({"errcode": 40029, "errmsg": "invalid code"})
        if scenario.token_errcode:
            return JSONResponse({"errcode": scenario.token_errcode, "errmsg": "error"})
        access_token = secrets.token_urlsafe(16)
        body: dict[str, Any] = {"access_token": access_token, "openid": scenario.openid}
        info: dict[str, Any] = {
            "openid": scenario.openid,
            "nickname": scenario.nickname,
        }
        if scenario.unionid:
            body["unionid"] = info["unionid"] = scenario.unionid
        self._access[access_token] = info
        return JSONResponse({**body, "expires_in": 7200, "scope": "snsapi_login"})

    async def _wechat_userinfo(self, request: Request) -> Response:
        info = self._access.get(request.query_params.get("access_token", ""))
        if info is None:
            return JSONResponse({"errcode": 40001, "errmsg": "invalid credential"})
        return JSONResponse(info)
