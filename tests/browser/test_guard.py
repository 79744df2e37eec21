"""The guard behind https (aiohttp's test client: Chromium sends no Secure cookie to an http test
server): a POST's Origin is the dashboard's own however DASHBOARD_URL spells it (upper case, a
default port written out, a port of its own), and no other scheme, host or port; every
dashboard answer carries HSTS behind https, none over http or outside the dashboard."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dashboard.core import COOKIE, PREFIX
from tests.browser.client import dashboard_settings, replica, sign_in
from tests.conftest import Knowledge

HSTS = "max-age=31536000"
# (DASHBOARD_URL, the Origin a browser sends from it)
SPELLINGS = [
    ("https://Admin.Example.test", "https://admin.example.test"),
    ("https://admin.example.test:443", "https://admin.example.test"),
    ("https://admin.example.test:8443", "https://admin.example.test:8443"),
    ("http://admin.example.test:80", "http://admin.example.test"),
]
# Not the origin of https://admin.example.test:8443.
ELSEWHERE = [
    "https://admin.example.test",
    "https://admin.example.test:9443",
    "http://admin.example.test:8443",
    "https://other.example.test:8443",
    "https://admin.example.test.evil.test:8443",
    "null",
]


@pytest.mark.parametrize(("url", "origin"), SPELLINGS)
async def test_a_post_from_the_dashboard_is_taken_however_its_url_is_spelled(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge, url: str, origin: str
) -> None:
    async with replica(dashboard_settings(url), sessionmaker, knowledge) as site:
        session_id, csrf = await sign_in(site)
        answer = await site.client.post(
            PREFIX + "/logout", data={"csrf": csrf}, allow_redirects=False,
            headers={"Origin": origin, "Cookie": f"{COOKIE}={session_id}"},
        )  # fmt: skip
        assert (answer.status, answer.headers["Location"]) == (303, PREFIX + "/signin?out=1")


async def test_a_post_from_another_scheme_host_or_port_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    settings = dashboard_settings("https://admin.example.test:8443")
    async with replica(settings, sessionmaker, knowledge) as site:
        session_id, csrf = await sign_in(site)
        cookie = {"Cookie": f"{COOKIE}={session_id}"}
        for origin in ELSEWHERE:
            answer = await site.client.post(
                PREFIX + "/logout", data={"csrf": csrf}, allow_redirects=False,
                headers={"Origin": origin, **cookie},
            )  # fmt: skip
            assert answer.status == 403, origin
        index = await site.client.get(PREFIX + "/", headers=cookie, allow_redirects=False)
        assert index.status == 200  # still signed in


async def test_behind_https_every_dashboard_answer_carries_hsts(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    async with replica(dashboard_settings("https://admin.example.test"), sessionmaker,
                       knowledge) as site:  # fmt: skip
        session_id, _csrf = await sign_in(site)
        cookie = {"Cookie": f"{COOKIE}={session_id}"}
        answers = []
        for path in ("/", "/leads", "/leads.csv", "/tickets", "/signin", "/static/live.js",
                     "/nowhere", "/conversations/999"):  # fmt: skip
            answers.append(await site.client.get(PREFIX + path, headers=cookie))
        for path in ("/", ""):  # without a session: to the sign-in help
            answers.append(await site.client.get(PREFIX + path, allow_redirects=False))
        stream = await site.client.get(PREFIX + "/api/events?conversation=0&ticket=0",
                                       headers=cookie)  # fmt: skip
        answers.append(stream)
        assert [a.status for a in answers] == [200, 200, 200, 200, 200, 200, 404, 404, 303,
                                               303, 200]  # fmt: skip
        for answer in answers:
            assert answer.headers.get("Strict-Transport-Security") == HSTS, answer.url
        stream.close()
        # The operators' own endpoints are not the dashboard: plain http inside.
        health = await site.client.get("/healthz")
        assert "Strict-Transport-Security" not in health.headers


async def test_over_http_there_is_no_hsts(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    async with replica(dashboard_settings("http://127.0.0.1:8080"), sessionmaker,
                       knowledge) as site:  # fmt: skip
        for path in ("/", "/signin", "/static/live.js"):
            answer = await site.client.get(PREFIX + path)
            assert "Strict-Transport-Security" not in answer.headers
            assert answer.headers["X-Frame-Options"] == "DENY"
