"""The intake survives a crash: the bot is killed (SIGKILL) after step 3, started again, and the
same user finishes; exactly one lead exists. Real PostgreSQL and Redis, fake Bot API."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import pytest
from sqlalchemy import func, select

from db.engine import create_engine, create_sessionmaker
from db.models import Lead
from tests.e2e.conftest import BotProcess
from tests.fakes.telegram_server import DEFAULT_USER_ID, FakeTelegram

pytestmark = pytest.mark.e2e

USER = DEFAULT_USER_ID


def keyboard(telegram: FakeTelegram) -> tuple[int, list[tuple[str, str]]]:
    """The newest message in the user's chat that has buttons: its id and (label, data) pairs."""
    for message in reversed(telegram.chat_messages(USER)):
        markup = message.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or []
        if rows:
            buttons = [(b["text"], b.get("callback_data", "")) for row in rows for b in row]
            return message["message_id"], buttons
    raise AssertionError(f"no keyboard in the chat: {telegram.chat_messages(USER)}")


async def _any_output(telegram: FakeTelegram, since: int) -> Any:
    """Wait until the bot showed something new (a new message or an edit) after `since`."""
    for _ in range(200):
        for call in telegram.calls[since:]:
            if call.method in ("sendMessage", "editMessageText") and call.status == 200:
                return call
        await asyncio.sleep(0.1)
    raise AssertionError(f"the bot showed nothing new; calls: {telegram._calls_summary()}")


async def press(telegram: FakeTelegram, label_part: str) -> None:
    message_id, buttons = keyboard(telegram)
    matching = [data for text, data in buttons if label_part.lower() in text.lower()]
    assert matching, f"no button with {label_part!r} in {buttons}"
    since = len(telegram.calls)
    update = telegram.push_callback(matching[0], message_id)
    await _confirmed(telegram, update["update_id"])
    await _any_output(telegram, since)


async def say(telegram: FakeTelegram, text: str) -> None:
    since = len(telegram.calls)
    update = telegram.push_message(text)
    await _confirmed(telegram, update["update_id"])
    await _any_output(telegram, since)


async def _confirmed(telegram: FakeTelegram, update_id: int) -> None:
    # Polling confirms an update by asking for the next offset; only then is a kill safe.
    await telegram.wait_for(
        "getUpdates", lambda c: int(c.params.get("offset") or 0) > update_id, timeout=20
    )


async def test_sigkill_after_step_three_then_finish(
    telegram: FakeTelegram, bot_process: BotProcess, postgres_url: str
) -> None:
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=30)
    await say(telegram, "/start intake_e2e")
    await press(telegram, "DevOps")  # step 1: project type
    description = (
        "We run 12 microservices on hand-made VMs and need them on Kubernetes on AWS, with "
        "CI/CD pipelines and monitoring, ASAP: our biggest customer launches next month."
    )
    await say(telegram, description)  # step 2
    await press(telegram, "Urgent")  # step 3: timeline

    assert await bot_process.stop(signal.SIGKILL) == -signal.SIGKILL
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=30, since=len(telegram.calls))

    await press(telegram, "150K+")  # step 4: budget, on the message shown before the crash
    await say(telegram, "Ann Example")
    await say(telegram, "not-an-email")
    assert "e-mail" in telegram.chat_messages(USER)[-1]["text"].lower()
    await say(telegram, "ann@example.com")
    await press(telegram, "Skip")  # company
    await press(telegram, "Skip")  # phone
    await press(telegram, "Confirm")
    assert await bot_process.stop() == 0

    engine = create_engine(postgres_url)
    try:
        async with create_sessionmaker(engine)() as session:
            assert await session.scalar(select(func.count()).select_from(Lead)) == 1
            lead = await session.scalar(select(Lead))
            assert lead is not None
            assert (lead.project_type, lead.timeline, lead.budget) == (
                "devops", "urgent", "gt150k",
            )  # fmt: skip
            assert lead.email == "ann@example.com"
            assert lead.source == "e2e"
            assert lead.score == "hot"
    finally:
        await engine.dispose()
