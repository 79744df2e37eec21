"""The metrics the alerts need are counted on the user's path: retries by what failed, updates
given up, updates inside the dispatcher, the ledger failing, conversations started
(docs/metrics.md, deploy/prometheus/alerts.yml)."""

from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageText
from aiogram.types import Message
from prometheus_client import REGISTRY
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.config import load_settings
from bot.kernel.kv import MemoryLedger
from handlers import get_routers
from tests.dispatcher.harness import Harness
from tests.dispatcher.test_delivery import APOLOGY, flaky


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_retries_are_counted_by_what_failed(harness: Harness) -> None:
    before = {fault: sample("devbot_update_retries_total", fault=fault)
              for fault in ("redis", "network")}  # fmt: skip
    failures: list[Exception] = [RedisConnectionError("gone"), TimeoutError()]
    harness.rebuild(routers=[flaky(failures, []), *get_routers()])
    await harness.send("flaky one")
    assert sample("devbot_update_retries_total", fault="redis") - before["redis"] == 1
    assert sample("devbot_update_retries_total", fault="network") - before["network"] == 1


async def test_an_update_given_up_is_counted_once(harness: Harness) -> None:
    before = sample("devbot_updates_failed_total", type="message")
    failures: list[Exception] = [RedisConnectionError("down")] * 50
    settings = load_settings(telegram={"update_retry_seconds": 0.3})
    harness.rebuild(settings, routers=[flaky(failures, []), *get_routers()])
    await harness.send("flaky three")
    assert APOLOGY in harness.session.sent_texts()[-1]
    assert sample("devbot_updates_failed_total", type="message") - before == 1


async def test_an_edit_that_changed_nothing_is_no_failure(harness: Harness) -> None:
    before = sample("devbot_updates_failed_total", type="message")
    unchanged = TelegramBadRequest(EditMessageText(text="x"), "message is not modified")
    harness.rebuild(routers=[flaky([unchanged], []), *get_routers()])
    await harness.send("flaky four")
    assert sample("devbot_updates_failed_total", type="message") == before


async def test_updates_inside_are_counted_while_handled(harness: Harness) -> None:
    seen: list[float] = []
    router = Router(name="gauge")

    @router.message(F.text == "inside?")
    async def look(message: Message) -> None:
        seen.append(sample("devbot_updates_inside"))
        await message.answer("looked")

    harness.rebuild(routers=[router, *get_routers()])
    before = sample("devbot_updates_inside")
    await harness.send("inside?")
    assert seen == [before + 1]
    assert sample("devbot_updates_inside") == before


class BrokenLedger(MemoryLedger):
    async def take(self, key: str, lease_seconds: int) -> bool:
        raise RedisConnectionError("ledger down")


async def test_an_update_handled_without_the_ledger_is_counted(harness: Harness) -> None:
    before = sample("devbot_ledger_unavailable_total")
    harness.rebuild(ledger=BrokenLedger())
    await harness.send("/start")
    assert len(harness.session.sent_texts()) == 1  # answered anyway
    assert sample("devbot_ledger_unavailable_total") - before == 1


async def test_a_conversation_started_is_counted_once(harness: Harness) -> None:
    before = sample("devbot_conversations_total", source="direct")
    await harness.send("What services do you offer?")
    await harness.send("And what do they cost?")
    assert sample("devbot_conversations_total", source="direct") - before == 1


async def test_the_oldest_update_inside_has_its_age_read_at_the_scrape(harness: Harness) -> None:
    router = Router(name="slow")
    inside, release = asyncio.Event(), asyncio.Event()

    @router.message(F.text == "slow")
    async def slow(message: Message) -> None:
        inside.set()
        await release.wait()
        await message.answer("done")

    harness.rebuild(routers=[router, *get_routers()])
    task = asyncio.create_task(harness.send("slow"))
    await inside.wait()
    await asyncio.sleep(0.2)
    assert sample("devbot_oldest_update_seconds") >= 0.2
    release.set()
    await task
    assert sample("devbot_oldest_update_seconds") == 0.0
