"""The live stream on the wire (aiohttp's test client): a poll that fails ends the stream
cleanly, its cause logged without the error page the guard would try to send after it; a
session holds at most three streams, counted across replicas in the Redis they share, and a
closed stream gives its place back (a place that cannot be given back leaves the stream whole)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dashboard import live
from bot.dashboard.core import COOKIE, PREFIX
from bot.dashboard.live import RETRY_MS
from bot.dashboard.sessions import STREAMS_PER_SESSION, SessionStore
from db.repositories.dashboard import DashboardRepository
from tests.browser.client import Replica, dashboard_settings, replica, sign_in
from tests.conftest import Knowledge

BASE = "https://admin.example.test"
EVENTS = PREFIX + "/api/events?conversation=0&ticket=0"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def open_stream(site: Replica, session_id: str) -> ClientResponse:
    return await site.client.get(EVENTS, headers={"Cookie": f"{COOKIE}={session_id}"})


# What a database that goes away raises: the driver's error as SQLAlchemy wraps it, and the
# socket's own (a ConnectionError, as a closed page's is: it must not pass for one).
FAILURES = [
    OperationalError("SELECT", {}, Exception("the database went away")),
    ConnectionRefusedError("the database went away"),
]


@pytest.mark.parametrize("failure", FAILURES, ids=lambda failure: type(failure).__name__)
async def test_a_poll_that_fails_ends_the_stream_cleanly_with_its_cause_logged(
    sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
) -> None:
    errors: list[Any] = []
    sink = logger.add(errors.append, level="ERROR", format="{message}")
    try:
        async with replica(dashboard_settings(BASE), sessionmaker, knowledge) as site:
            session_id, _csrf = await sign_in(site)

            async def broken(*_args: object) -> list[Any]:
                raise failure

            monkeypatch.setattr(DashboardRepository, "tickets_after", broken)
            stream = await open_stream(site, session_id)
            assert stream.status == 200
            assert stream.headers["Content-Type"] == "text/event-stream; charset=utf-8"
            # The whole answer, its end included: the browser reconnects after `retry`.
            body = await asyncio.wait_for(stream.read(), timeout=10)
            assert body == f"retry: {RETRY_MS}\n\n".encode()
            monkeypatch.undo()
            # Its place is given back: as many streams as a session may hold open again.
            opened = [await open_stream(site, session_id) for _ in range(STREAMS_PER_SESSION)]
            assert [answer.status for answer in opened] == [200] * STREAMS_PER_SESSION
            for answer in opened:
                answer.close()
    finally:
        logger.remove(sink)
    (logged,) = [str(message) for message in errors]
    assert logged.startswith(f"dashboard: the live stream failed: {type(failure).__name__}")
    assert "database went away" in logged  # the cause, in the traceback


async def test_a_session_holds_at_most_three_streams_across_replicas(
    sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    redis: Redis,
    redis_url: str,
) -> None:
    settings = dashboard_settings(BASE, redis_url)
    async with (
        replica(settings, sessionmaker, knowledge, redis) as first,
        replica(settings, sessionmaker, knowledge, redis) as second,
    ):
        session_id, _csrf = await sign_in(first)
        streams = [await open_stream(first, session_id), await open_stream(first, session_id)]
        streams.append(await open_stream(second, session_id))
        assert [stream.status for stream in streams] == [200, 200, 200]
        for stream in streams:
            assert await stream.content.readline() == f"retry: {RETRY_MS}\n".encode()
        for site in (first, second):
            refused = await open_stream(site, session_id)
            assert refused.status == 429
            assert await refused.json() == {"error": "too many live streams"}
        # Another session (another admin's browser) has streams of its own.
        other_id, _csrf = await sign_in(second)
        other = await open_stream(first, other_id)
        assert other.status == 200
        other.close()
        # A tab closed gives its place back at the stream's next poll.
        streams.pop().close()
        for _ in range(100):
            again = await open_stream(first, session_id)
            if again.status == 200:
                break
            await asyncio.sleep(0.05)
        assert again.status == 200
        for stream in (*streams, again):
            stream.close()


async def test_a_slot_that_cannot_be_given_back_leaves_the_ended_stream_whole(
    sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warnings: list[Any] = []
    sink = logger.add(warnings.append, level="WARNING", format="{message}")
    try:
        async with replica(dashboard_settings(BASE), sessionmaker, knowledge) as site:
            session_id, _csrf = await sign_in(site)

            async def unreachable(*_args: object) -> None:
                raise RedisConnectionError("redis went away")

            monkeypatch.setattr(live, "STREAM_SECONDS", 0.3)  # the stream's time runs out
            monkeypatch.setattr(SessionStore, "release_stream", unreachable)
            stream = await open_stream(site, session_id)
            body = await asyncio.wait_for(stream.read(), timeout=10)
    finally:
        logger.remove(sink)
    assert (stream.status, body) == (200, f"retry: {RETRY_MS}\n\n".encode())
    (logged,) = [str(message) for message in warnings]
    assert logged.startswith("dashboard: a live stream's slot was kept: ConnectionError")
