"""WeChat sign-in by QR code (website application, scope ``snsapi_login``).

The browser goes to ``WECHAT_AUTHORIZE_URL`` (WeChat's is
``https://open.weixin.qq.com/connect/qrconnect``); the callback exchanges the code at
``WECHAT_API_URL`` (``https://api.weixin.qq.com``) under ``/sns/oauth2/access_token``
and reads the nickname from ``/sns/userinfo``. The account is identified by the unionid
when WeChat returns one, else by the openid. WeChat gives no email address, and none is
made up.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx

from ..core.settings import Settings
from .oauth import OAuthFailure, ProviderProfile

CALLBACK_PATH = "/api/auth/wechat/callback"
SCOPE = "snsapi_login"


class WeChatSignIn:
    """The WeChat side of the flow: QR page URL, code exchange, user info."""

    name = "wechat"

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http

    @property
    def configured(self) -> bool:
        """Whether app id, secret and both WeChat URLs are set."""
        settings = self._settings
        return bool(
            settings.WECHAT_APP_ID
            and settings.WECHAT_APP_SECRET
            and settings.WECHAT_AUTHORIZE_URL
            and settings.WECHAT_API_URL
        )

    @property
    def redirect_uri(self) -> str:
        """The callback URL registered with WeChat."""
        return self._settings.BACKEND_BASE_URL.rstrip("/") + CALLBACK_PATH

    @staticmethod
    def new_secrets() -> dict[str, str]:
        """WeChat's flow has no PKCE or nonce: the state is its only secret."""
        return {}

    async def authorization_url(self, state: str, secrets: dict[str, str]) -> str:
        """Return the QR-code page URL; WeChat requires the ``#wechat_redirect``."""
        query = urlencode(
            {
                "appid": self._settings.WECHAT_APP_ID,
                "redirect_uri": self.redirect_uri,
                "response_type": "code",
                "scope": SCOPE,
                "state": state,
            }
        )
        return f"{self._settings.WECHAT_AUTHORIZE_URL}?{query}#wechat_redirect"

    async def profile(self, code: str, secrets: dict[str, str]) -> ProviderProfile:
        """Exchange ``code`` and return the WeChat identity of the user."""
        tokens = await self._call(
            "token_failed",
            "/sns/oauth2/access_token",
            {
                "appid": self._settings.WECHAT_APP_ID,
                "secret": self._settings.WECHAT_APP_SECRET,
                "code": code,
                "grant_type": "authorization_code",
            },
        )
        openid = tokens.get("openid")
        access_token = tokens.get("access_token")
        if not isinstance(openid, str) or not openid or not access_token:
            raise OAuthFailure("missing_openid", "the token response has no openid")
        info = await self._call(
            "userinfo_failed",
            "/sns/userinfo",
            {"access_token": str(access_token), "openid": openid},
        )
        return _profile(openid, tokens, info)

    async def _call(
        self, failure_code: str, path: str, params: dict[str, str]
    ) -> dict[str, Any]:
        """GET a WeChat API path; WeChat reports errors as 200 with ``errcode``."""
        url = self._settings.WECHAT_API_URL.rstrip("/") + path
        try:
            response = await self._http.get(url, params=params)
        except httpx.HTTPError as exc:
            detail = f"GET {path} failed: {type(exc).__name__}"
            raise OAuthFailure(failure_code, detail) from exc
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            detail = f"GET {path} returned {response.status_code} without a JSON object"
            raise OAuthFailure(failure_code, detail)
        if body.get("errcode"):
            detail = f"GET {path}: errcode {body['errcode']} ({body.get('errmsg')})"
            raise OAuthFailure(failure_code, detail)
        return body


def _profile(
    openid: str, tokens: dict[str, Any], info: dict[str, Any]
) -> ProviderProfile:
    unionid = info.get("unionid") or tokens.get("unionid")
    others: tuple[str, ...]
    nickname = info.get("nickname")
    subject, others = openid, ()
    if isinstance(unionid, str) and unionid:
        subject, others = unionid, (openid,)
    return ProviderProfile(
        provider="wechat",
        subject=subject,
        display_name=nickname if isinstance(nickname, str) and nickname else None,
        other_subjects=others,
    )
