"""Google sign-in through OpenID Connect: authorization code flow with PKCE and nonce.

The provider's endpoints come from ``GOOGLE_DISCOVERY_URL`` (Google publishes
``https://accounts.google.com/.well-known/openid-configuration``). The ID token is
verified against the provider's JWKS: signature, issuer, audience, expiry and nonce.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

import httpx
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    prepare_grant_uri,
)
from authlib.oauth2.rfc7636 import (  # type: ignore[import-untyped]
    create_s256_code_challenge,
)
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from ..core.settings import Settings
from .oauth import OAuthFailure, ProviderProfile

CALLBACK_PATH = "/api/auth/google/callback"
SCOPE = "openid email profile"
DISCOVERY_TTL = 3600.0  # seconds a discovery document and its JWKS are reused
CLOCK_LEEWAY = 60  # seconds of clock difference allowed on exp and iat
# Asymmetric algorithms only: "none" and the HMAC family are never accepted.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
# Google's ID tokens may carry the issuer without the scheme.
GOOGLE_ISSUER = "https://accounts.google.com"


class GoogleSignIn:
    """The Google side of the flow: authorization URL, code exchange, ID token."""

    name = "google"

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http
        self._discovery: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    @property
    def configured(self) -> bool:
        """Whether client id, client secret and discovery URL are all set."""
        settings = self._settings
        return bool(
            settings.GOOGLE_CLIENT_ID
            and settings.GOOGLE_CLIENT_SECRET
            and settings.GOOGLE_DISCOVERY_URL
        )

    @property
    def redirect_uri(self) -> str:
        """The callback URL registered with the provider."""
        return self._settings.BACKEND_BASE_URL.rstrip("/") + CALLBACK_PATH

    @staticmethod
    def new_secrets() -> dict[str, str]:
        """Return a fresh nonce and PKCE code verifier for one flow."""
        return {"nonce": generate_token(32), "code_verifier": generate_token(64)}

    async def authorization_url(self, state: str, secrets: dict[str, str]) -> str:
        """Return the provider URL that the browser is sent to."""
        discovery = await self._load_discovery()
        return str(
            prepare_grant_uri(
                discovery["authorization_endpoint"],
                self._settings.GOOGLE_CLIENT_ID,
                "code",
                redirect_uri=self.redirect_uri,
                scope=SCOPE,
                state=state,
                nonce=secrets["nonce"],
                code_challenge=create_s256_code_challenge(secrets["code_verifier"]),
                code_challenge_method="S256",
            )
        )

    async def profile(self, code: str, secrets: dict[str, str]) -> ProviderProfile:
        """Exchange ``code`` and return the verified identity of the user."""
        tokens = await self._exchange(code, secrets["code_verifier"])
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise OAuthFailure("token_failed", "the token response has no id_token")
        claims = await self._verify(id_token, secrets["nonce"])
        if "email" not in claims or "name" not in claims:
            claims = {**await self._userinfo(tokens, claims["sub"]), **claims}
        return _profile(claims)

    async def _exchange(self, code: str, code_verifier: str) -> dict[str, Any]:
        discovery = await self._load_discovery()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": code_verifier,
        }
        auth = self._client_auth(discovery, form)
        url = discovery["token_endpoint"]
        response = await self._request(
            "token_failed", "POST", url, data=form, auth=auth
        )
        return response

    def _client_auth(
        self, discovery: dict[str, Any], form: dict[str, str]
    ) -> tuple[str, str] | None:
        """Use client_secret_post when offered, else HTTP Basic (the OIDC default)."""
        methods = discovery.get("token_endpoint_auth_methods_supported", [])
        settings = self._settings
        if "client_secret_post" in methods:
            form["client_id"] = settings.GOOGLE_CLIENT_ID
            form["client_secret"] = settings.GOOGLE_CLIENT_SECRET
            return None
        return (settings.GOOGLE_CLIENT_ID, settings.GOOGLE_CLIENT_SECRET)

    async def _verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """Check signature, issuer, audience, expiry and nonce; return the claims."""
        token = await self._decode(id_token)
        claims: dict[str, Any] = dict(token.claims)
        try:
            self._claims_registry().validate(claims)
        except ExpiredTokenError as exc:
            raise OAuthFailure("invalid_id_token", "the ID token has expired") from exc
        except JoseError as exc:
            raise OAuthFailure("invalid_id_token", f"ID token claim: {exc}") from exc
        self._check_authorized_party(claims)
        if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
            raise OAuthFailure("invalid_nonce", "the ID token nonce does not match")
        return claims

    async def _decode(self, id_token: str) -> jwt.Token:
        """Verify the signature; fetch the JWKS again once if the key id is new."""
        for attempt in range(2):
            keys = await self._load_keys(refresh=attempt == 1)
            try:
                return jwt.decode(id_token, keys, algorithms=list(SIGNING_ALGORITHMS))
            except InvalidKeyIdError:
                continue
            except (JoseError, ValueError) as exc:
                detail = f"ID token rejected: {type(exc).__name__}: {exc}"
                raise OAuthFailure("invalid_id_token", detail) from exc
        raise OAuthFailure("invalid_id_token", "no JWKS key matches the ID token kid")

    def _claims_registry(self) -> jwt.JWTClaimsRegistry:
        assert self._discovery is not None
        issuers = [self._discovery["issuer"]]
        if issuers[0] == GOOGLE_ISSUER:
            issuers.append("accounts.google.com")
        return jwt.JWTClaimsRegistry(
            now=lambda: int(time.time()),
            leeway=CLOCK_LEEWAY,
            iss={"essential": True, "values": issuers},
            aud={"essential": True, "value": self._settings.GOOGLE_CLIENT_ID},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )

    def _check_authorized_party(self, claims: dict[str, Any]) -> None:
        """Require ``azp`` to be this client when present or when there are several
        audiences (OpenID Connect Core 1.0, section 3.1.3.7)."""
        audience = claims.get("aud")
        several = isinstance(audience, list) and len(audience) > 1
        if (several or "azp" in claims) and claims.get(
            "azp"
        ) != self._settings.GOOGLE_CLIENT_ID:
            raise OAuthFailure("invalid_id_token", "azp is not this client")

    async def _userinfo(self, tokens: dict[str, Any], subject: str) -> dict[str, Any]:
        """Fetch the claims the ID token lacks; the subject must be the same."""
        discovery = await self._load_discovery()
        url = discovery.get("userinfo_endpoint")
        access_token = tokens.get("access_token")
        if not url or not isinstance(access_token, str):
            return {}
        headers = {"authorization": f"Bearer {access_token}"}
        info = await self._request("userinfo_failed", "GET", url, headers=headers)
        if info.get("sub") != subject:
            raise OAuthFailure("userinfo_failed", "userinfo is about another subject")
        return info

    async def _load_discovery(self) -> dict[str, Any]:
        if self._discovery is None or self._stale():
            url = self._settings.GOOGLE_DISCOVERY_URL
            discovery = await self._request("provider_unavailable", "GET", url)
            required = (
                "issuer",
                "authorization_endpoint",
                "token_endpoint",
                "jwks_uri",
            )
            missing = [name for name in required if not discovery.get(name)]
            if missing:
                detail = f"the discovery document lacks {', '.join(missing)}"
                raise OAuthFailure("provider_unavailable", detail)
            self._discovery, self._keys = discovery, None
            self._fetched_at = time.monotonic()
        return self._discovery

    async def _load_keys(self, *, refresh: bool) -> KeySet:
        discovery = await self._load_discovery()
        if self._keys is None or refresh:
            jwks = await self._request(
                "provider_unavailable", "GET", discovery["jwks_uri"]
            )
            try:
                self._keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise OAuthFailure(
                    "provider_unavailable", f"invalid JWKS: {exc}"
                ) from exc
        return self._keys

    def _stale(self) -> bool:
        return time.monotonic() - self._fetched_at > DISCOVERY_TTL

    async def _request(
        self, failure_code: str, method: str, url: str, **options: Any
    ) -> dict[str, Any]:
        """Send one request to the provider and return its JSON object."""
        try:
            response = await self._http.request(method, url, **options)
        except httpx.HTTPError as exc:
            detail = f"{method} {url} failed: {type(exc).__name__}"
            raise OAuthFailure(failure_code, detail) from exc
        return _json_object(response, failure_code)


def _json_object(response: httpx.Response, failure_code: str) -> dict[str, Any]:
    where = f"{response.request.method} {response.request.url.copy_with(query=None)}"
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        detail = f"{where} returned {response.status_code} ({error or 'no JSON'})"
        raise OAuthFailure(failure_code, detail)
    return body


def _profile(claims: dict[str, Any]) -> ProviderProfile:
    email = claims.get("email")
    name = claims.get("name")
    return ProviderProfile(
        provider="google",
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) and email else None,
        email_verified=claims.get("email_verified") in (True, "true"),
        display_name=name if isinstance(name, str) and name else None,
    )
