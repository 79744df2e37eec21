"""The session cookie behind https: Secure (and HttpOnly, SameSite=Lax), so a browser never
sends it over plain http. Over aiohttp's client: Chromium would refuse a Secure cookie from an
http test server on loopback, which is all a test has."""

from __future__ import annotations

import re
import time

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Resources
from bot.config import load_settings
from bot.dashboard.core import COOKIE, PREFIX
from bot.dashboard.links import sign_in_url
from bot.dashboard.pages import SIGNIN_COOKIE
from bot.web import create_web_app
from tests.browser.conftest import TOKEN
from tests.browser.seed import ADMIN_ID
from tests.conftest import Knowledge


async def test_behind_https_the_cookies_are_secure(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    settings = load_settings(
        telegram={"bot_token": TOKEN, "admin_ids": [ADMIN_ID]},
        dashboard={"url": "https://admin.example.test"},
    )
    engine = sessionmaker.kw["bind"]
    resources = Resources(
        settings=settings, engine=engine, sessionmaker=sessionmaker, i18n=knowledge.i18n,
        kb=knowledge.kb, detector=knowledge.detector,
    )  # fmt: skip
    url = sign_in_url(settings, ADMIN_ID, "en", time.time())
    assert url is not None
    async with TestClient(TestServer(create_web_app(resources))) as client:
        page = await client.get(url.removeprefix(settings.dashboard.url or ""))
        assert (
            "Secure" in page.headers["Set-Cookie"]
            and "SameSite=Strict" in page.headers["Set-Cookie"]
        )
        html = await page.text()
        token = re.search(r'name="token" value="([^"]+)"', html)
        nonce = re.search(r'name="csrf" value="([^"]+)"', html)
        assert token and nonce
        answer = await client.post(
            PREFIX + "/login",
            data={"token": token[1], "csrf": nonce[1]},
            headers={"Origin": "https://admin.example.test",
                     "Cookie": f"{SIGNIN_COOKIE}={nonce[1]}"},
            allow_redirects=False,
        )  # fmt: skip
        assert answer.status == 303
        (session,) = [c for c in answer.headers.getall("Set-Cookie") if c.startswith(COOKIE + "=")]
        assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session
        assert f"Path={PREFIX}/" in session
