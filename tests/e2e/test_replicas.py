"""Webhook mode as it runs behind a load balancer: `python -m bot run --webhook` processes on one
PostgreSQL and Redis, and a Telegram that delivers each update again until it hears 200 (after
a 503, a refused connection or a slow answer), sometimes to two replicas at once.

- Two replicas, every update delivered to both at the same moment: each person answered once,
  and each of the rare jobs (retention, erasure) run by one replica at start.
- SIGTERM under load: the stopping replica answers what it took, refuses the rest with 503, and
  exits 0; its successor handles what Telegram delivers again; each person answered once.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import BotProcess, bot_env
from tests.fakes.services import free_port
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.e2e

SECRET = "e2e-replica-secret"
PATH = "/webhook/telegram"
FIRST_USER = 300_000_001
DELIVERY_SECONDS = 60.0


class Replica(BotProcess):
    def __init__(self, telegram: FakeTelegram, postgres_url: str, redis_url: str, log: Path):
        port = free_port()
        env = bot_env(
            telegram, postgres_url, redis_url,
            WEBHOOK_URL=f"http://127.0.0.1:{port}", WEBHOOK_SECRET=SECRET,
            WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port),
        )  # fmt: skip
        super().__init__(env, log, int(env["HTTP_PORT"]))
        self.url = f"http://127.0.0.1:{port}{PATH}"

    async def ready(self, http: aiohttp.ClientSession) -> None:
        async with asyncio.timeout(30):
            while True:
                try:
                    async with http.get(f"http://127.0.0.1:{self.http_port}/readyz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

    def errors(self) -> list[str]:
        return [
            line
            for line in self.log().splitlines()
            if line.startswith("{") and json.loads(line).get("level") in {"ERROR", "CRITICAL"}
        ]


class Telegram:
    """Delivers like Telegram: again and again until a replica answers 200."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        self.statuses: Counter[int | str] = Counter()

    async def deliver(self, update: dict[str, Any], *urls: str) -> None:
        async with asyncio.timeout(DELIVERY_SECONDS):
            while True:
                for status in await asyncio.gather(*(self._post(url, update) for url in urls)):
                    self.statuses[status] += 1
                    if status == 200:
                        return
                await asyncio.sleep(0.2)

    async def _post(self, url: str, update: dict[str, Any]) -> int | str:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        try:
            async with self.http.post(url, json=update, headers=headers) as response:
                await response.read()
                return response.status
        except aiohttp.ClientError as exc:
            return type(exc).__name__  # the replica is down or went away mid-request


def _updates(telegram: FakeTelegram, people: int) -> list[dict[str, Any]]:
    updates = []
    for n in range(people):
        update = telegram.user_message("/start", user_id=FIRST_USER + n, username=None)
        update["update_id"] = 50_000 + n
        updates.append(update)
    return updates


def _answers(telegram: FakeTelegram, people: int) -> list[int]:
    """sendMessage calls that reached each person (the welcome), in order of person."""
    chats = Counter(
        call.params.get("chat_id")
        for call in telegram.calls_of("sendMessage")
        if call.status == 200
    )
    return [chats[FIRST_USER + n] for n in range(people)]


async def test_two_replicas_answer_each_update_once_and_run_each_rare_job_once(
    telegram: FakeTelegram, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    people = 40
    first = Replica(telegram, postgres_url, redis_url, tmp_path / "first.log")
    second = Replica(telegram, postgres_url, redis_url, tmp_path / "second.log")
    async with aiohttp.ClientSession() as http:
        try:
            await first.start("--webhook")
            await first.ready(http)  # the first migrates; the second finds it done
            await second.start("--webhook")
            await second.ready(http)
            # Slow answers for a start: both deliveries overlap while the first is handled.
            telegram.hang_next("sendMessage", 0.5, times=10)
            fake = Telegram(http)
            updates = _updates(telegram, people)
            await asyncio.gather(*(fake.deliver(u, first.url, second.url) for u in updates))
            assert _answers(telegram, people) == [1] * people
            assert fake.statuses[503] > 0  # deliveries did meet a replica still handling
            assert await first.stop() == 0 and await second.stop() == 0
        finally:
            for replica in (first, second):
                if replica.process is not None and replica.process.returncode is None:
                    replica.process.kill()
    for job in ("retention", "gdpr_erasure"):
        skipped = f"job {job} skipped: another replica ran it"
        assert [skipped in r.log() for r in (first, second)].count(True) == 1, job
    assert first.errors() == [] and second.errors() == []


async def test_sigterm_under_load_loses_nothing_and_answers_nothing_twice(
    telegram: FakeTelegram, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    people = 150
    replica = Replica(telegram, postgres_url, redis_url, tmp_path / "first.log")
    successor = Replica(telegram, postgres_url, redis_url, tmp_path / "successor.log")
    successor.env = {**replica.env, "HTTP_PORT": successor.env["HTTP_PORT"]}
    successor.url = replica.url  # the same address: the process behind it restarts
    async with aiohttp.ClientSession() as http:
        try:
            await replica.start("--webhook")
            await replica.ready(http)
            telegram.hang_next("sendMessage", 1.0, times=20)  # some are in flight at the signal
            fake = Telegram(http)
            deliveries = [
                asyncio.create_task(fake.deliver(update, replica.url))
                for update in _updates(telegram, people)
            ]
            await telegram.wait_for("sendMessage", lambda c: c.status == 200, timeout=20)
            assert await replica.stop(signal.SIGTERM) == 0
            stopped_at = len([c for c in telegram.calls_of("sendMessage") if c.status == 200])
            await successor.start("--webhook")
            await asyncio.gather(*deliveries)
            assert await successor.stop() == 0
        finally:
            for process in (replica, successor):
                if process.process is not None and process.process.returncode is None:
                    process.process.kill()
    assert 0 < stopped_at < people  # the signal came in the middle of the load
    assert _answers(telegram, people) == [1] * people
    assert fake.statuses[503] + fake.statuses["ClientConnectorError"] > 0
    assert replica.errors() == [] and successor.errors() == []
