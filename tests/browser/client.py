"""The dashboard over aiohttp's test client, for what a browser test cannot show: https (Chromium
refuses a Secure cookie from an http server on loopback, which is all a test has), several
replicas, a stream's end on the wire. Signing in goes the way a browser goes: the link of
`sign_in_url`, its page, the button's POST with the page's nonce and cookie."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie

from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Resources
from bot.config import Settings, load_settings
from bot.dashboard.core import COOKIE, DASHBOARD, PREFIX, Dashboard
from bot.dashboard.links import sign_in_url
from bot.dashboard.pages import SIGNIN_COOKIE
from bot.web import create_web_app
from tests.browser.conftest import TOKEN
from tests.browser.seed import ADMIN_ID
from tests.conftest import Knowledge


def dashboard_settings(url: str, redis_url: str | None = None) -> Settings:
    return load_settings(
        telegram={"bot_token": TOKEN, "admin_ids": [ADMIN_ID]},
        dashboard={"url": url},
        **({"redis": {"url": redis_url}} if redis_url else {}),
    )


@dataclass
class Replica:
    client: TestClient
    dashboard: Dashboard
    settings: Settings


@asynccontextmanager
async def replica(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    redis: Redis | None = None,
) -> AsyncIterator[Replica]:
    """One bot process's HTTP app with the dashboard, on a test server of its own."""
    resources = Resources(
        settings=settings, engine=sessionmaker.kw["bind"], sessionmaker=sessionmaker,
        i18n=knowledge.i18n, kb=knowledge.kb, detector=knowledge.detector, redis=redis,
    )  # fmt: skip
    app = create_web_app(resources)
    dashboard = app[DASHBOARD]
    dashboard.poll_seconds = 0.05
    async with TestClient(TestServer(app)) as client:
        yield Replica(client, dashboard, settings)


def cookie_of(set_cookies: list[str], name: str) -> str:
    for header in set_cookies:
        found = SimpleCookie(header)
        if name in found:
            return found[name].value
    raise AssertionError(f"no {name} cookie in {set_cookies}")


async def sign_in(site: Replica, admin_id: int = ADMIN_ID) -> tuple[str, str]:
    """(the session cookie's value, the session's CSRF token)."""
    base = site.settings.dashboard.url or ""
    url = sign_in_url(site.settings, admin_id, "en", time.time())
    assert url is not None
    page = await site.client.get(url.removeprefix(base))
    html = await page.text()
    token = re.search(r'name="token" value="([^"]+)"', html)
    nonce = re.search(r'name="csrf" value="([^"]+)"', html)
    assert page.status == 200 and token and nonce
    answer = await site.client.post(
        PREFIX + "/login",
        data={"token": token[1], "csrf": nonce[1]},
        headers={"Origin": base, "Cookie": f"{SIGNIN_COOKIE}={nonce[1]}"},
        allow_redirects=False,
    )
    assert answer.status == 303, await answer.text()
    session_id = cookie_of(answer.headers.getall("Set-Cookie"), COOKIE)
    index = await site.client.get(PREFIX + "/", headers={"Cookie": f"{COOKIE}={session_id}"})
    csrf = re.search(r'name="csrf" value="([^"]+)"', await index.text())
    assert index.status == 200 and csrf
    return session_id, csrf[1]
