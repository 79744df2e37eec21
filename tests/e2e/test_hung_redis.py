"""A Redis that hangs (CLIENT PAUSE) rather than goes away, end to end: the bot as its own process
keeps its event loop turning (/healthz answers at once), /readyz says so within its timeout, and
the people who wrote meanwhile are answered once Redis is back, each once."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

import aiohttp
import pytest
from redis.asyncio import Redis

from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.e2e

PEOPLE = 60
FIRST_USER = 400_000_001
PAUSE_SECONDS = 8  # longer than REDIS_TIMEOUT (5 s): the bot's calls time out and are retried


async def _get(http: aiohttp.ClientSession, port: int, path: str) -> tuple[int, float]:
    started = time.monotonic()
    async with http.get(f"http://127.0.0.1:{port}{path}") as response:
        await response.read()
        return response.status, time.monotonic() - started


async def test_a_hung_redis_freezes_nothing_and_loses_nothing(
    telegram: FakeTelegram, bot_process: BotProcess, redis_url: str
) -> None:
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=30)
    telegram.push_message("/help", user_id=FIRST_USER - 1)  # warm: the bot answers at all
    await telegram.wait_for("sendMessage", timeout=20)
    pauser = Redis.from_url(redis_url)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http:
        try:
            await pauser.execute_command("CLIENT", "PAUSE", PAUSE_SECONDS * 1000, "ALL")
            paused_at = time.monotonic()
            for n in range(PEOPLE):
                telegram.push_message("/help", user_id=FIRST_USER + n, username=None)
            await asyncio.sleep(2)  # the updates are inside, waiting on Redis
            health, health_seconds = await _get(http, bot_process.http_port, "/healthz")
            ready, ready_seconds = await _get(http, bot_process.http_port, "/readyz")
            metrics_url = f"http://127.0.0.1:{bot_process.http_port}/metrics"
            async with http.get(metrics_url) as response:
                metrics = await response.text()
            assert time.monotonic() - paused_at < PAUSE_SECONDS  # measured during the pause
        finally:
            await pauser.execute_command("CLIENT", "UNPAUSE")
            await pauser.aclose()
    assert (health, ready) == (200, 503)
    assert 'devbot_dependency_up{dependency="redis"} 0.0' in metrics  # what the alert reads
    assert 'devbot_dependency_up{dependency="database"} 1.0' in metrics
    assert health_seconds < 1.0 and ready_seconds < 4.0
    async with asyncio.timeout(60):
        while True:
            answered = Counter(
                call.params.get("chat_id")
                for call in telegram.calls_of("sendMessage")
                if call.status == 200
            )
            if all(answered[FIRST_USER + n] for n in range(PEOPLE)):
                break
            await asyncio.sleep(0.2)
    await asyncio.sleep(1)  # time for a second answer to show, were there one
    answered = Counter(call.params.get("chat_id") for call in telegram.calls_of("sendMessage"))
    assert [answered[FIRST_USER + n] for n in range(PEOPLE)] == [1] * PEOPLE
    assert await bot_process.stop() == 0
    errors = [
        line
        for line in bot_process.log().splitlines()
        if line.startswith("{") and json.loads(line)["level"] in {"ERROR", "CRITICAL"}
    ]
    assert errors == []
