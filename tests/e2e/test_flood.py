"""A flood of 1,000 messages from one user, end to end: `python -m bot run` against the fake Bot
API, real PostgreSQL and Redis, the production rate limits. The flooder gets a handful of
notices and no more answers than the limits allow; everyone else is answered as fast as before.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import aiohttp
import pytest

from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.e2e

FLOODER = 100_000_001
OTHERS = range(200_000_001, 200_000_007)
FLOOD = 1000
# The flood arrives in this many seconds (1,000 in a minute is ~17 a second; this is faster).
FLOOD_SECONDS = 10.0
BURST, BURST_SECONDS, PER_HOUR = 5, 3, 60
NOTICE_MARKERS = ("That's a lot of messages", "limit of messages", "today's message limit")


async def _ask(telegram: FakeTelegram, user_id: int) -> float:
    """One message from `user_id`; seconds until the bot's answer reached the Bot API."""
    since = len(telegram.calls)
    sent = time.time()
    telegram.push_message("/help", user_id=user_id, first_name="Olga", username=None)
    reply = await telegram.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == user_id, timeout=20, since=since
    )
    return reply.timestamp - sent


async def _flood(telegram: FakeTelegram) -> None:
    batches = 50
    for batch in range(batches):
        for n in range(FLOOD // batches):
            number = batch * (FLOOD // batches) + n
            telegram.push_message(f"question {number}: how much is a cluster?", user_id=FLOODER)
        await asyncio.sleep(FLOOD_SECONDS / batches)


async def _messages_handled(port: int) -> float:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        text = await response.text()
    for line in text.splitlines():
        if line.startswith('devbot_updates_total{type="message"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_a_flood_from_one_user_leaves_everyone_else_unaffected(
    telegram: FakeTelegram, bot_process: BotProcess
) -> None:
    bot_process.env.update(
        THROTTLE_BURST=str(BURST),
        THROTTLE_BURST_SECONDS=str(BURST_SECONDS),
        THROTTLE_PER_HOUR=str(PER_HOUR),
    )
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=30)
    await _ask(telegram, OTHERS[0])  # warm-up: first queries, caches, connections

    before = [await _ask(telegram, user_id) for user_id in OTHERS]
    started = time.time()
    flood = asyncio.create_task(_flood(telegram))
    during: list[float] = []
    await asyncio.sleep(0.5)
    for user_id in OTHERS:
        during.append(await _ask(telegram, user_id))
        await asyncio.sleep(0.8)
    await flood

    expected = 1 + 2 * len(OTHERS) + FLOOD
    deadline = time.monotonic() + 40
    while (handled := await _messages_handled(bot_process.http_port)) < expected:
        assert time.monotonic() < deadline, (
            f"the bot handled {handled:.0f} of {expected} messages in time; "
            f"others' latency before {before}, during {during}"
        )
        await asyncio.sleep(0.5)
    elapsed = time.time() - started
    assert await bot_process.stop() == 0

    replies = [
        str(call.params.get("text", ""))
        for call in telegram.calls_of("sendMessage")
        if call.params.get("chat_id") == FLOODER
    ]
    notices = [text for text in replies if any(marker in text for marker in NOTICE_MARKERS)]
    answered = len(replies) - len(notices)
    windows = int(elapsed // BURST_SECONDS) + 1
    print(
        f"\nflood: {FLOOD} messages, {elapsed:.1f}s; answered {answered}, notices {len(notices)};"
        f" others' latency before {[round(x, 3) for x in before]},"
        f" during {[round(x, 3) for x in during]}"
    )
    # No more than the limits allow: the burst limit per window, the hourly limit overall.
    assert 0 < answered <= min(PER_HOUR, BURST * windows)
    # One notice per window that was exceeded, not one per message.
    assert 0 < len(notices) <= windows + 1
    # Other people's answers: as fast as before the flood (a little slack for a shared CI box).
    baseline = statistics.median(before)
    assert statistics.median(during) <= max(2 * baseline, baseline + 0.25)
    assert max(during) <= max(4 * baseline, baseline + 1.0)
    assert "Traceback" not in bot_process.log()


async def test_a_flood_of_the_same_text_ends_in_a_ban_and_silence(
    telegram: FakeTelegram, bot_process: BotProcess
) -> None:
    bot_process.env.update(THROTTLE_BURST=str(BURST), THROTTLE_BURST_SECONDS=str(BURST_SECONDS))
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=30)
    for _ in range(200):
        telegram.push_message("Cheap followers for your channel, write me", user_id=FLOODER)
    expected = 200
    deadline = time.monotonic() + 30
    while await _messages_handled(bot_process.http_port) < expected:
        assert time.monotonic() < deadline, "the bot did not work through the flood in time"
        await asyncio.sleep(0.3)
    latency = await _ask(telegram, OTHERS[0])
    assert await bot_process.stop() == 0

    replies = [
        str(call.params.get("text", ""))
        for call in telegram.calls_of("sendMessage")
        if call.params.get("chat_id") == FLOODER
    ]
    # Two answers, the warning on the third repeat, the ban on the fourth, then silence.
    assert len(replies) == 4, replies
    assert "looks like spam" in replies[2]
    assert "You are blocked until" in replies[3]
    assert latency < 1.0
    assert "spam from user" in bot_process.log() and "Cheap followers" not in bot_process.log()
