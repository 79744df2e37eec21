"""The dispatcher's door (bot/telegram/delivery.py): a transient failure is retried and the
update answered once; a permanent one is apologised for at once; a chat's updates keep their
order across retries; NUL characters never reach the database; updates no person sent are set
aside with a log line."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from unittest.mock import patch

import aiohttp
import pytest
from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage
from aiogram.types import Message, Update
from aiohttp.client_reqrep import ConnectionKey
from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError

from bot.config import load_settings
from bot.kernel.kv import MemoryLedger
from bot.kernel.metrics import fault_label
from bot.telegram import client
from bot.telegram.delivery import transient_cause, without_nul
from bot.telegram.isolation import SharedChatLock
from bot.telegram.offline_session import ApiCall, ApiError
from handlers import get_routers
from tests.dispatcher.harness import Harness
from tests.fakes.recording import USER_ID
from tests.fakes.services import free_port

APOLOGY = "Sorry, something went wrong on my side"


def flaky(failures: list[Exception], handled: list[str]) -> Router:
    """A router ahead of the bot's that raises the next of `failures` for texts starting
    with "flaky", then answers."""
    router = Router(name="flaky")

    @router.message(F.text.startswith("flaky"))
    async def answer(message: Message) -> None:
        if failures:
            raise failures.pop(0)
        handled.append(message.text or "")
        await message.answer(f"done: {message.text}")

    return router


def logged(level: str = "WARNING") -> tuple[list[str], int]:
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(m.record["message"]), level=level)
    return lines, sink


async def test_a_transient_failure_is_retried_and_answered_once(harness: Harness) -> None:
    handled: list[str] = []
    failures: list[Exception] = [RedisConnectionError("gone"), TimeoutError()]
    harness.rebuild(routers=[flaky(failures, handled), *get_routers()])
    lines, sink = logged()
    try:
        await harness.send("flaky one")
    finally:
        logger.remove(sink)
    assert handled == ["flaky one"]
    assert harness.session.sent_texts() == ["done: flaky one"]
    assert [line.split(":")[1].split(" on")[0].strip() for line in lines] == [
        "ConnectionError",
        "TimeoutError",
    ]


async def test_a_permanent_failure_is_not_retried(harness: Harness) -> None:
    failures: list[Exception] = [ValueError("a bug"), ValueError("again")]
    harness.rebuild(routers=[flaky(failures, []), *get_routers()])
    await harness.send("flaky two")
    assert len(failures) == 1  # tried once
    assert APOLOGY in harness.session.sent_texts()[-1]


async def test_past_the_deadline_the_user_hears_an_apology(harness: Harness) -> None:
    failures: list[Exception] = [RedisConnectionError("down")] * 50
    settings = load_settings(telegram={"update_retry_seconds": 0.5})
    harness.rebuild(settings, routers=[flaky(failures, []), *get_routers()])
    await harness.send("flaky three")
    assert 1 < 50 - len(failures) < 50  # retried, then given up
    assert APOLOGY in harness.session.sent_texts()[-1]


async def test_a_chat_keeps_its_order_while_an_update_is_retried(harness: Harness) -> None:
    handled: list[str] = []
    harness.rebuild(routers=[flaky([RedisConnectionError("blip")], handled), *get_routers()])
    first = harness.session.make_message_update("flaky first")
    second = harness.session.make_message_update("flaky second")
    other = harness.session.make_message_update("flaky other", user_id=USER_ID + 1)
    await asyncio.gather(harness.feed(first), harness.feed(second), harness.feed(other))
    mine = [text for text in handled if text != "flaky other"]
    assert mine == ["flaky first", "flaky second"]
    assert "flaky other" in handled


def test_transient_faults_are_found_behind_what_hid_them() -> None:
    try:
        try:
            raise RedisConnectionError("pool")
        except RedisConnectionError:
            raise KeyError("aiogd_context")  # noqa: B904 - what aiogram-dialog does
    except KeyError as masked:
        assert isinstance(transient_cause(masked), RedisConnectionError)
    assert transient_cause(ValueError("a bug")) is None
    # A database error is transient when a broken connection is behind it, not otherwise.
    try:
        try:
            raise ConnectionRefusedError(111, "refused")
        except ConnectionRefusedError as refused:
            raise OperationalError("SELECT 1", {}, refused) from refused
    except OperationalError as broken:
        assert isinstance(transient_cause(broken), ConnectionRefusedError)
    no_table = OperationalError("SELECT 1", {}, Exception("no such table: users"))
    assert transient_cause(no_table) is None
    # The embedded SQLite locked past its busy timeout: tried again, as a broken connection is.
    try:
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError as locked:
            raise OperationalError("INSERT", {}, locked) from locked
    except OperationalError as busy:
        assert transient_cause(busy) is busy.orig
        assert fault_label(busy.orig) == "database"
    assert transient_cause(sqlite3.OperationalError("no such table: users")) is None


@pytest.mark.parametrize(
    ("text", "stored"),
    [("a\x00b", "ab"), ("a\\u0000b", "a\\u0000b"), ("\\\x00", "\\"), ("plain", "plain")],
)
def test_nul_characters_are_removed_and_nothing_else(
    harness: Harness, text: str, stored: str
) -> None:
    update = harness.session.make_message_update(text, first_name="Ann\x00")
    cleaned = without_nul(update, harness.bot)
    assert cleaned.message is not None and cleaned.message.text == stored
    assert cleaned.message.from_user is not None
    assert "\x00" not in cleaned.message.from_user.first_name


async def test_updates_no_person_sent_are_set_aside_with_a_reason(harness: Harness) -> None:
    channel = Update.model_validate(
        {"update_id": 77, "channel_post": {"message_id": 1, "date": 0, "text": "/start",
                                           "chat": {"id": -100, "type": "channel", "title": "c"}}}
    )  # fmt: skip
    anonymous = harness.session.make_message_update("/start", chat_id=-1005)
    assert anonymous.message is not None
    anonymous = anonymous.model_copy(
        update={"message": anonymous.message.model_copy(update={"from_user": None})}
    )
    lines, sink = logged("INFO")
    try:
        await harness.feed(channel)
        await harness.feed(anonymous)
    finally:
        logger.remove(sink)
    assert harness.session.sent_texts() == []
    assert "update 77 (channel_post) ignored: no person sent it" in lines
    assert any(line.endswith("(message) ignored: no person sent it") for line in lines)


async def test_an_update_delivered_twice_is_answered_once(harness: Harness) -> None:
    harness.rebuild(ledger=MemoryLedger())
    update = harness.session.make_message_update("/start")
    lines, sink = logged("INFO")
    try:
        await harness.feed(update)
        await harness.feed(update)  # Telegram delivers it again (the answer was slow)
    finally:
        logger.remove(sink)
    assert len(harness.session.sent_texts()) == 1
    assert any("skipped: delivered again" in line for line in lines)
    await harness.send("/start")  # the next update is handled as usual
    assert len(harness.session.sent_texts()) == 2


async def test_shutdown_waits_for_updates_queued_behind_their_chat(harness: Harness) -> None:
    handled: list[str] = []
    router = Router(name="slow")

    @router.message(F.text.startswith("slow"))
    async def slow(message: Message) -> None:
        await asyncio.sleep(0.1)
        handled.append(message.text or "")

    harness.rebuild(routers=[router, *get_routers()])
    updates = [harness.session.make_message_update(f"slow {n}") for n in range(3)]
    tasks = [asyncio.create_task(harness.dp.feed_update(harness.bot, u)) for u in updates]
    await asyncio.sleep(0.02)  # the first is running, the others wait for the chat
    assert await harness.dp.drain(5) == 0
    assert handled == ["slow 0", "slow 1", "slow 2"]
    await asyncio.gather(*tasks)


async def test_a_long_flood_wait_ends_the_attempt_and_the_update_is_tried_after_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not slept through inside the handler (the chat's lock and a database connection held):
    the attempt ends, and the update is handled again once the wait is over."""
    monkeypatch.setattr(client, "INLINE_FLOOD_WAIT", 0)
    harness.session.middleware(client.RetryMiddleware())
    attempts: list[int] = []
    router = Router(name="flood")

    @router.message(F.text == "flood")
    async def answer(message: Message, attempt: int) -> None:
        attempts.append(attempt)
        await message.answer("answered after the wait")

    refusals = [ApiError("Too Many Requests: retry after 1", 429, retry_after=1)]
    send = harness.session.responders["sendMessage"]
    accepted: list[str] = []

    def refuse_once(call: ApiCall) -> object:
        if refusals:
            raise refusals.pop()
        accepted.append(call.params["text"])
        return send(call)

    harness.session.responders["sendMessage"] = refuse_once
    harness.rebuild(routers=[router, *get_routers()])
    started = time.monotonic()
    await harness.send("flood")
    assert attempts == [0, 1]  # a second attempt, not a wait inside the first
    assert time.monotonic() - started >= 1.0
    assert accepted == ["answered after the wait"]


async def test_a_long_flood_wait_outside_an_update_is_waited_inline(
    harness: Harness,
) -> None:
    harness.session.middleware(client.RetryMiddleware())
    send = harness.session.responders["sendMessage"]
    refusals = [ApiError("Too Many Requests: retry after 11", 429, retry_after=11)]

    def refuse_once(call: ApiCall) -> object:
        if refusals:
            raise refusals.pop()
        return send(call)

    harness.session.responders["sendMessage"] = refuse_once
    slept: list[float] = []

    async def no_wait(seconds: float) -> None:
        slept.append(seconds)

    with patch.object(client.asyncio, "sleep", no_wait):
        # A job, or a task an update started: nobody would try it again, so it waits.
        await harness.bot.send_message(USER_ID, "from a job")
    assert slept == [11]
    assert refusals == [] and harness.session.sent_texts() == ["from a job"] * 2  # refused, sent


async def test_a_fault_after_the_answer_went_out_does_not_answer_twice(harness: Harness) -> None:
    """The retry runs the handler again; its calls that the first attempt made are answered
    from what Telegram said then, not sent again."""
    harness.session.middleware(client.ReplayMiddleware())
    runs: list[int] = []
    router = Router(name="late-fault")

    @router.message(F.text == "late")
    async def answer(message: Message, attempt: int) -> None:
        runs.append(attempt)
        await message.answer("the one answer")
        if attempt == 0:
            raise RedisConnectionError("gone after the answer")

    harness.rebuild(routers=[router, *get_routers()])
    await harness.send("late")
    assert runs == [0, 1]
    assert harness.session.sent_texts() == ["the one answer"]
    await harness.send("late")  # another update: its own answer
    assert harness.session.sent_texts() == ["the one answer"] * 2


def _lost_answer(call: ApiCall, cause: Exception) -> TelegramNetworkError:
    error = TelegramNetworkError(method=SendMessage(chat_id=USER_ID, text="?"), message="lost")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("cause", "made"),
    [
        (TimeoutError(), 1),  # Telegram may have sent it: not sent again
        (aiohttp.ServerDisconnectedError(), 1),
        (aiohttp.ClientConnectorError(ConnectionKey("x", 1, False, False, None, None, None),
                                      OSError(111, "refused")), 2),  # never reached Telegram
    ],
)  # fmt: skip
async def test_a_send_whose_answer_was_lost_is_not_made_again(
    harness: Harness, cause: Exception, made: int
) -> None:
    harness.session.middleware(client.RetryMiddleware(base_delay=0))
    send = harness.session.responders["sendMessage"]
    faults = [cause]

    def deliver_then_fail(call: ApiCall) -> object:
        result = send(call)  # the message is out ...
        if faults:
            raise _lost_answer(call, faults.pop())  # ... but its answer never comes back
        return result

    harness.session.responders["sendMessage"] = deliver_then_fail
    with contextlib.suppress(TelegramNetworkError):
        await harness.bot.send_message(USER_ID, "from a job")
    assert harness.session.sent_texts() == ["from a job"] * made


async def test_an_edit_whose_answer_was_lost_is_made_again(harness: Harness) -> None:
    harness.session.middleware(client.RetryMiddleware(base_delay=0))
    sent = await harness.bot.send_message(USER_ID, "draft")
    edit = harness.session.responders["editMessageText"]
    faults = [TimeoutError()]

    def edit_then_fail(call: ApiCall) -> object:
        result = edit(call)
        if faults:
            raise _lost_answer(call, faults.pop())
        return result

    harness.session.responders["editMessageText"] = edit_then_fail
    await harness.bot.edit_message_text("final", chat_id=USER_ID, message_id=sent.message_id)
    assert len(harness.session.calls("editMessageText")) == 2  # the same edit, no harm done


async def test_while_the_chats_shared_lock_is_unreachable_the_update_is_retried_then_answered(
    harness: Harness,
) -> None:
    """Replicas share the chat's lock in Redis: a Redis that does not answer fails the attempt
    (retried, with backoff); the last attempt goes on without the lock rather than not at all."""
    seen: list[int] = []
    watch = Router(name="watch")

    @watch.message(F.text)
    async def attempt_seen(message: Message, attempt: int) -> None:
        seen.append(attempt)
        raise SkipHandler

    harness.rebuild(
        load_settings(telegram={"update_retry_seconds": 0.5}), routers=[watch, *get_routers()]
    )
    unreachable = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.2)
    harness.dp.chat_lock = SharedChatLock(unreachable)  # type: ignore[attr-defined]
    lines, sink = logged()
    try:
        await harness.send("flaky? no: what is your hourly rate?")
    finally:
        logger.remove(sink)
        await unreachable.aclose()
    (reply,) = harness.session.sent_texts()
    assert APOLOGY not in reply and "rate" in reply.lower()
    assert any("taking the chat's lock; again in" in line for line in lines), lines  # retried
    assert any("the chat's lock is unavailable" in line for line in lines), lines  # gone on
    # No attempt ran before: the handlers see the first (the rate limits count it once).
    assert seen == [0]
