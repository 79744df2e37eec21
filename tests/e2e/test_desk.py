"""The agents' desk end to end: `python -m bot run` against the fake Bot API (a forum group) on
real PostgreSQL and Redis. A user asks for a human, a topic and card appear, an agent claims,
the user's text, photo and album reach the topic, the agent's reply and its edit reach the
user, the agent closes, the user rates. Checked only through what the fake received."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.desk.keyboards import RateCallback, TicketAction, TicketCallback
from tests.e2e.conftest import BotProcess, bot_env
from tests.fakes.telegram_server import DEFAULT_GROUP_ID, DEFAULT_USER_ID, Call, FakeTelegram

pytestmark = pytest.mark.e2e

GROUP, USER, AGENT = DEFAULT_GROUP_ID, DEFAULT_USER_ID, 555_000_111
TIMEOUT = 20.0


def to_chat(chat_id: int) -> object:
    return lambda call: call.params.get("chat_id") == chat_id


async def test_a_user_reaches_an_agent_and_back(
    telegram: FakeTelegram, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    env = bot_env(
        telegram, postgres_url, redis_url,
        AGENT_CHAT_ID=str(GROUP), ADMIN_IDS=str(AGENT),
        LEAD_BUSINESS_HOURS="Mon-Sun 00:00-23:59", LEAD_TIMEZONE="UTC",
    )  # fmt: skip
    bot = BotProcess(env, tmp_path / "bot.log", int(env["HTTP_PORT"]))
    await bot.start()
    try:
        await telegram.wait_for("getUpdates", timeout=30)
        await _the_whole_way(telegram)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- bot log ---\n{bot.log()[-4000:]}") from None
    finally:
        assert await bot.stop() == 0


async def _the_whole_way(telegram: FakeTelegram) -> None:
    # The user asks for a human: a topic named after them, the card with its buttons in it.
    telegram.push_message("Hello there")
    await telegram.wait_for("sendMessage", to_chat(USER), timeout=TIMEOUT)  # type: ignore[arg-type]
    telegram.push_message("/human")
    topic = await telegram.wait_for("createForumTopic", timeout=TIMEOUT)
    thread = topic.result["message_thread_id"]
    assert "Alice" in topic.params["name"]
    card = await telegram.wait_for(
        "sendMessage", lambda c: c.params.get("message_thread_id") == thread, timeout=TIMEOUT
    )
    assert "Ticket #" in card.params["text"] and "Hello there" in card.params["text"]
    notice = await telegram.wait_for(
        "sendMessage", lambda c: "passed our conversation" in c.params.get("text", ""),
        timeout=TIMEOUT,
    )  # fmt: skip
    assert notice.params["chat_id"] == USER

    # The agent claims: the topic's title names them, the user is told.
    ticket_id = int(card.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
                    .split(":")[2])  # fmt: skip
    claim = TicketCallback(action=TicketAction.CLAIM, ticket_id=ticket_id).pack()
    telegram.push_callback(claim, card.result["message_id"], user_id=AGENT, chat_id=GROUP,
                           first_name="Agent", username="agent_a")  # fmt: skip
    renamed = await telegram.wait_for("editForumTopic", timeout=TIMEOUT)
    assert "Agent" in renamed.params["name"]
    await telegram.wait_for(
        "sendMessage", lambda c: "from our team has joined" in c.params.get("text", ""),
        timeout=TIMEOUT,
    )  # fmt: skip

    # The user's text, photo and album reach the topic as copies.
    since = len(telegram.calls)
    telegram.push_message("My deploys fail since Monday")
    telegram.add_update(telegram.user_media("photo", caption="the error"))
    telegram.add_update(telegram.user_media("photo", media_group_id="alb-1"))
    telegram.add_update(telegram.user_media("document", media_group_id="alb-1"))
    copies: list[Call] = []
    while len(copies) < 4:
        call = await telegram.wait_for(
            "copyMessage", lambda c: c.params.get("chat_id") == GROUP and c not in copies,
            timeout=TIMEOUT, since=since,
        )  # fmt: skip
        copies.append(call)
    assert all(c.params["message_thread_id"] == thread and c.status == 200 for c in copies)
    in_topic = telegram.chat_messages(GROUP)
    assert any(m.get("text") == "My deploys fail since Monday" for m in in_topic)
    assert any(m.get("caption") == "the error" and "photo" in m for m in in_topic)
    assert any("document" in m and m.get("media_group_id") is None for m in in_topic)

    # The agent's reply reaches the user, and so does its edit.
    reply = telegram.push_message("Looking into it", user_id=AGENT, chat_id=GROUP,
                                  first_name="Agent", username="agent_a",
                                  message_thread_id=thread)  # fmt: skip
    copy = await telegram.wait_for("copyMessage", to_chat(USER), timeout=TIMEOUT)  # type: ignore[arg-type]
    user_copy = telegram.messages[USER][copy.result["message_id"]]
    assert user_copy["text"] == "Looking into it"
    telegram.add_update(telegram.edited(GROUP, reply["message"]["message_id"], "Looking now"))
    edit = await telegram.wait_for("editMessageText", to_chat(USER), timeout=TIMEOUT)  # type: ignore[arg-type]
    assert edit.params["message_id"] == copy.result["message_id"]
    assert telegram.messages[USER][copy.result["message_id"]]["text"] == "Looking now"

    # An internal note stays in the group.
    telegram.push_message("// probably the registry", user_id=AGENT, chat_id=GROUP,
                          message_thread_id=thread)  # fmt: skip

    # The agent closes; the user rates.
    telegram.push_message("/close", user_id=AGENT, chat_id=GROUP, message_thread_id=thread)
    await telegram.wait_for("closeForumTopic", timeout=TIMEOUT)
    rating = await telegram.wait_for(
        "sendMessage", lambda c: "rate" in c.params.get("text", ""), timeout=TIMEOUT
    )
    assert rating.params["chat_id"] == USER
    telegram.push_callback(
        RateCallback(ticket_id=ticket_id, stars=5).pack(), rating.result["message_id"]
    )
    thanks = await telegram.wait_for(
        "editMessageText", lambda c: "5 of 5" in c.params.get("text", ""), timeout=TIMEOUT
    )
    assert thanks.params["chat_id"] == USER
    relayed_to_user = [c for c in telegram.calls_of("copyMessage") if c.params["chat_id"] == USER]
    assert len(relayed_to_user) == 1  # the note and the command were not relayed
    assert all(c.status == 200 for c in telegram.calls if c.method != "getUpdates")
