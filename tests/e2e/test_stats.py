"""/admin stats end to end: `python -m bot run` against the fake Bot API on real PostgreSQL and
Redis. A scripted day (FAQ questions with and without a deep link, a finished and an abandoned
intake, two hand-offs, one claimed, answered, closed and rated) and then an admin's
/admin stats: each figure it shows equals a count made here from the rows, and the period
buttons edit the message."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.desk.keyboards import RateCallback, TicketAction, TicketCallback
from bot.stats.kpis import Period
from db.engine import create_engine, create_sessionmaker
from db.models import Conversation, IntakeProgress, Lead, Ticket
from tests.e2e.conftest import BotProcess, bot_env
from tests.fakes.telegram_server import DEFAULT_GROUP_ID, Call, FakeTelegram

pytestmark = pytest.mark.e2e

GROUP, AGENT, ADMIN = DEFAULT_GROUP_ID, 555_000_111, 555_000_999
FAQ_ONLY, FROM_ADS, LEAD, ABANDONED, RATED, WAITING = range(7001, 7007)
TIMEOUT = 20.0


def to_chat(chat_id: int) -> Any:
    return lambda call: call.params.get("chat_id") == chat_id


async def _answered(telegram: FakeTelegram, chat_id: int, since: int) -> Call:
    """The bot's next message or edit in `chat_id` after call number `since`."""
    for _ in range(int(TIMEOUT * 10)):
        for call in telegram.calls[since:]:
            shown = call.method in ("sendMessage", "editMessageText") and call.status == 200
            if shown and call.params.get("chat_id") == chat_id:
                return call
        await asyncio.sleep(0.1)
    raise AssertionError(f"nothing new in chat {chat_id}: {telegram._calls_summary()}")


async def say(telegram: FakeTelegram, user: int, text: str) -> Call:
    since = len(telegram.calls)
    telegram.push_message(text, user_id=user, chat_id=user, first_name=f"P{user}")
    return await _answered(telegram, user, since)


async def press(telegram: FakeTelegram, user: int, label: str) -> Call:
    for message in reversed(telegram.chat_messages(user)):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        found = [b["callback_data"] for row in rows for b in row if label in b["text"]]
        if found:
            since = len(telegram.calls)
            telegram.push_callback(found[0], message["message_id"], user_id=user, chat_id=user)
            return await _answered(telegram, user, since)
    raise AssertionError(f"no button {label!r} in {telegram.chat_messages(user)}")


async def _intake(telegram: FakeTelegram, user: int) -> None:
    await say(telegram, user, "/start intake_ads")
    await press(telegram, user, "DevOps")
    await say(telegram, user, "Twelve services on VMs to move to Kubernetes on AWS with CI/CD "
                              "and monitoring, before our launch next month.")  # fmt: skip
    await press(telegram, user, "Urgent")
    await press(telegram, user, "150K+")
    await say(telegram, user, "Ann Example")
    await say(telegram, user, "ann@example.com")
    await press(telegram, user, "Skip")
    await press(telegram, user, "Skip")
    await press(telegram, user, "Confirm")


async def _ticket(telegram: FakeTelegram, user: int) -> Call:
    """The user asks for a human: the ticket's card in its topic."""
    since = len(telegram.calls)
    await say(telegram, user, "/human")
    card = await telegram.wait_for(
        "sendMessage", lambda c: "Ticket #" in c.params.get("text", ""), timeout=TIMEOUT,
        since=since,
    )  # fmt: skip
    return card


async def _the_day(telegram: FakeTelegram) -> None:
    await say(telegram, FAQ_ONLY, "/start")
    await say(telegram, FAQ_ONLY, "How much does a Kubernetes setup cost?")
    await say(telegram, FROM_ADS, "/start ads")
    await say(telegram, FROM_ADS, "Do you sign an NDA?")
    await _intake(telegram, LEAD)
    await say(telegram, ABANDONED, "/start intake_e2e")
    await press(telegram, ABANDONED, "DevOps")

    card = await _ticket(telegram, RATED)
    thread = card.params["message_thread_id"]
    data = card.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    ticket_id = int(data.split(":")[2])
    claim = TicketCallback(action=TicketAction.CLAIM, ticket_id=ticket_id).pack()
    telegram.push_callback(claim, card.result["message_id"], user_id=AGENT, chat_id=GROUP,
                           first_name="Agent", username="agent_a")  # fmt: skip
    await telegram.wait_for("editForumTopic", timeout=TIMEOUT)
    since = len(telegram.calls)
    telegram.push_message("Hello, I am on it", user_id=AGENT, chat_id=GROUP,
                          message_thread_id=thread, first_name="Agent")  # fmt: skip
    await telegram.wait_for("copyMessage", to_chat(RATED), timeout=TIMEOUT, since=since)
    since = len(telegram.calls)
    telegram.push_message("/close", user_id=AGENT, chat_id=GROUP, message_thread_id=thread)
    rating = await telegram.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == RATED and "rate" in c.params["text"],
        timeout=TIMEOUT, since=since,
    )  # fmt: skip
    since = len(telegram.calls)
    telegram.push_callback(RateCallback(ticket_id=ticket_id, stars=4).pack(),
                           rating.result["message_id"], user_id=RATED, chat_id=RATED)  # fmt: skip
    await _answered(telegram, RATED, since)
    await _ticket(telegram, WAITING)


def figure(pattern: str, text: str) -> tuple[str, ...]:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in:\n{text}"
    return found.groups()


async def _counted(postgres_url: str) -> dict[str, Any]:
    """The day's figures counted from the rows, independently of bot.stats."""
    day = Period.named("1d")
    engine = create_engine(postgres_url)
    try:
        async with create_sessionmaker(engine)() as session:

            async def count(query: Any) -> int:
                return int(await session.scalar(query) or 0)

            tickets = (await session.scalars(select(Ticket))).all()
            return {
                "conversations": await count(
                    select(func.count()).where(Conversation.created_at >= day.since)
                ),
                "people": len(
                    set(
                        await session.scalars(
                            select(Conversation.user_id).where(
                                Conversation.created_at >= day.since
                            )
                        )
                    )
                    | set(await session.scalars(select(IntakeProgress.user_id)))
                ),
                "intake_started": await count(select(func.count(IntakeProgress.user_id))),
                "intake_completed": await count(
                    select(func.count())
                    .select_from(IntakeProgress)
                    .where(IntakeProgress.completed)
                ),
                "leads": await count(select(func.count(Lead.id))),
                "hot": await count(select(func.count()).where(Lead.score == "hot")),
                "tickets": len(tickets),
                "escalated_conversations": len({t.conversation_id for t in tickets}),
                "ratings": [t.rating for t in tickets if t.rating is not None],
            }
    finally:
        await engine.dispose()


async def test_a_scripted_day_then_the_admins_figures_match_the_rows(
    telegram: FakeTelegram, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = bot_env(
        telegram, postgres_url, redis_url,
        AGENT_CHAT_ID=str(GROUP), ADMIN_IDS=f"{ADMIN},{AGENT}",
        LEAD_BUSINESS_HOURS="Mon-Sun 00:00-23:59", LEAD_TIMEZONE="UTC",
        TZ="Asia/Tokyo",  # the figures are UTC whatever the process's zone
    )  # fmt: skip
    bot = BotProcess(env, tmp_path / "bot.log", int(env["HTTP_PORT"]))
    await bot.start()
    try:
        await telegram.wait_for("getUpdates", timeout=30)
        await _the_day(telegram)
        await asyncio.sleep(0.5)  # the last rows are committed before the answer is sent
        rows = await _counted(postgres_url)
        stats = (await say(telegram, ADMIN, "/admin stats")).params
        text = stats["text"]
        assert "reply_markup" in stats, text
        buttons = [b["text"] for row in stats["reply_markup"]["inline_keyboard"] for b in row]
        assert buttons == ["• 24 hours •", "7 days", "30 days"]

        pattern = r"Conversations: (\d+) \((\d+) people talked"
        conversations, people = map(int, figure(pattern, text))
        assert (conversations, people) == (rows["conversations"], rows["people"])
        (bot_only,) = map(int, figure(r"without a human: (\d+)", text))
        assert bot_only == rows["conversations"] - rows["escalated_conversations"]
        started, completed = map(int, figure(r"intakes: (\d+) started, (\d+) completed", text))
        assert (started, completed) == (rows["intake_started"], rows["intake_completed"]) == (2, 1)
        leads, rate, hot = figure(r"Leads: (\d+) — conversion (\d+)%.*🔥 (\d+) hot", text)
        assert (int(leads), int(hot)) == (rows["leads"], rows["hot"])
        assert rows["leads"] == 1
        assert int(rate) == round(100 * rows["leads"] / rows["people"])
        (handoffs,) = map(int, figure(r"Handed to a human: (\d+)", text))
        assert handoffs == rows["tickets"] == 2
        assert "asked for a person: 2" in text
        assert rows["ratings"] == [4]
        assert "Satisfaction: 4.0 of 5 (1 rating)" in text
        assert re.search(r"Agent: 1 ticket, \d+ s / \d+ s / \d+ s", text), text
        assert re.search(r"• ads: \d+ / 1 / 0", text), text

        # The 7-day button: the same message, edited, now with the days.
        message = telegram.chat_messages(ADMIN)[-1]
        data = message["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
        since = len(telegram.calls)
        telegram.push_callback(data, message["message_id"], user_id=ADMIN, chat_id=ADMIN)
        edit = await telegram.wait_for("editMessageText", to_chat(ADMIN), timeout=TIMEOUT,
                                       since=since)  # fmt: skip
        assert "last 7 days" in edit.params["text"] and "By day" in edit.params["text"]
        assert f"Conversations: {conversations} " in edit.params["text"]

        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{bot.http_port}/metrics") as response,
        ):
            metrics = await response.text()
        assert 'devbot_ratings_total{stars="4"} 1.0' in metrics
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- bot log ---\n{bot.log()[-4000:]}") from None
    finally:
        assert await bot.stop() == 0
