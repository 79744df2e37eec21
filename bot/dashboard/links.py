"""One-time sign-in links: what `/admin dashboard` sends an admin.

A link carries the admin's id, their language, when it expires (LINK_SECONDS after it was made)
and a random nonce, signed with HMAC-SHA256. The key is derived from BOT_TOKEN: every replica
has it without one more secret to share, and a token revoked at @BotFather voids the links
with it. The signature is checked here; that a link is used once is the session store's part
(sessions.py), in the kv store that every replica shares.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from bot.config import Settings

LINK_SECONDS = 10 * 60
LOGIN_PATH = "/dashboard/login"
# Domain separation: the same token signs nothing else with this key.
_KEY_LABEL = b"devbot dashboard sign-in links v1"
_LANGUAGE = re.compile(r"^[a-z]{2,8}$")


class LinkError(Exception):
    """The link cannot open a session: `reason` is "invalid" or "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claim:
    """What a valid link says."""

    admin_id: int
    language: str
    expires: int  # Unix seconds
    nonce: str


def link_key(settings: Settings) -> bytes | None:
    """The signing key, None without BOT_TOKEN."""
    token = settings.telegram.bot_token
    if token is None:
        return None
    return hmac.new(token.get_secret_value().encode(), _KEY_LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


def sign(key: bytes, admin_id: int, language: str, now: float) -> str:
    """A new link token (URL-safe)."""
    expires = int(now) + LINK_SECONDS
    body = _b64(f"{admin_id}.{language}.{expires}.{secrets.token_urlsafe(18)}".encode())
    return f"{body}.{_mac(key, body)}"


def verify(key: bytes, token: str, now: float) -> Claim:
    """The claim of a well-signed, unexpired token; LinkError otherwise."""
    body, _, mac = token.partition(".")
    if not body or not mac or not hmac.compare_digest(_mac(key, body).encode(), mac.encode()):
        raise LinkError("invalid")
    try:
        admin, language, expires, nonce = _unb64(body).decode().split(".")
        claim = Claim(int(admin), language, int(expires), nonce)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise LinkError("invalid") from None
    if not _LANGUAGE.match(claim.language) or not claim.nonce:
        raise LinkError("invalid")
    if now >= claim.expires:
        raise LinkError("expired")
    return claim


def sign_in_url(settings: Settings, admin_id: int, language: str, now: float) -> str | None:
    """The link for `admin_id`, None when the dashboard is off (no DASHBOARD_URL or BOT_TOKEN)."""
    key = link_key(settings)
    if settings.dashboard.url is None or key is None:
        return None
    token = sign(key, admin_id, language, now)
    return f"{settings.dashboard.url}{LOGIN_PATH}?token={quote(token)}"
