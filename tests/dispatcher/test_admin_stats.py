"""/admin stats through the dispatcher: the period's figures from rows seeded around its edges
(what is older than the period is not counted), the period buttons (an admin's press edits the
message, anyone else's is refused), the usage for a wrong period, and the Russian texts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage

from bot.config import load_settings
from db.base import utcnow
from db.models import (
    Agent,
    Conversation,
    IntakeProgress,
    Lead,
    LeadScore,
    Message,
    SenderType,
    Ticket,
    User,
)
from handlers.admin.stats import StatsCallback
from tests.dispatcher.harness import Harness

ADMIN_ID = 5005


@pytest.fixture
async def admin(harness: Harness) -> Harness:
    harness.rebuild(load_settings(telegram={"admin_ids": [ADMIN_ID]}))
    now = utcnow()
    old = now - timedelta(days=10)  # outside the day and the week, inside 30 days
    async with harness.sessionmaker() as session:
        session.add_all([User(id=uid) for uid in (11, 12, 13, 14)])
        session.add(Agent(id=1, telegram_id=900, name="Ann"))
        await session.flush()
        convs = [
            Conversation(user_id=11, source="ads", created_at=now - timedelta(hours=2)),
            Conversation(user_id=12, created_at=now - timedelta(hours=1)),
            Conversation(user_id=12, created_at=now - timedelta(minutes=5)),
            Conversation(user_id=13, created_at=old),
        ]
        session.add_all(convs)
        await session.flush()
        session.add_all([
            Message(conversation_id=convs[1].id, sender_type=SenderType.BOT, llm_model="m",
                    cost_usd=Decimal("0.02"), created_at=now - timedelta(minutes=50)),
            Message(conversation_id=convs[2].id, sender_type=SenderType.BOT, llm_model="m",
                    cost_usd=Decimal("0.04"), created_at=now - timedelta(minutes=4)),
            Message(conversation_id=convs[3].id, sender_type=SenderType.BOT, llm_model="m",
                    cost_usd=Decimal("1.00"), created_at=old),
            IntakeProgress(user_id=11, started_at=now - timedelta(hours=2), completed=True,
                           finished_at=now - timedelta(hours=1)),
            IntakeProgress(user_id=14, started_at=now - timedelta(hours=3)),
            Lead(user_id=11, conversation_id=convs[0].id, source="ads", score=LeadScore.HOT,
                 created_at=now - timedelta(hours=1)),
            Lead(user_id=13, score=LeadScore.COLD, created_at=old),
            Ticket(user_id=12, conversation_id=convs[1].id, reason="low_confidence",
                   claimed_by=1, opened_at=now - timedelta(minutes=60),
                   claimed_at=now - timedelta(minutes=58),
                   first_reply_at=now - timedelta(minutes=55),
                   closed_at=now - timedelta(minutes=30), rating=5),
            Ticket(user_id=13, conversation_id=convs[3].id, reason="requested", opened_at=old),
        ])  # fmt: skip
        await session.commit()
    return harness


async def test_the_day_counts_what_started_in_it(admin: Harness) -> None:
    await admin.send("/admin stats", user_id=ADMIN_ID)
    (text,) = admin.session.sent_texts(ADMIN_ID)
    assert "Figures of the last 24 hours" in text
    # Three conversations today; people: users 11 and 12 (conversations), 14 (an intake).
    assert "Conversations: 3 (3 people talked to the bot)" in text
    assert "Answered without a human: 2 (67%)" in text
    assert "Project intakes: 2 started, 1 completed" in text
    assert "Leads: 1 — conversion 33% (target 25% or more); 🔥 1 hot, 0 warm, 0 cold" in text
    assert "Handed to a human: 1 (33%, target 10%–20%)" in text
    assert "• the bot was unsure: 1" in text and "asked for a person" not in text
    assert "LLM answers: 2, $0.06 — $0.020 per conversation (target under $0.15)" in text
    assert "Satisfaction: 5.0 of 5 (1 rating)" in text
    assert "• Ann: 1 ticket, 2 min / 5 min / 30 min" in text
    assert "• ads: 1 / 1 / 0" in text and "• no deep link: 2 / 0 / 1" in text
    assert "By day" not in text


async def test_the_buttons_switch_the_period_in_place(admin: Harness) -> None:
    await admin.send("/admin stats", user_id=ADMIN_ID)
    (sent,) = admin.session.calls(SendMessage)
    assert sent.reply_markup is not None
    labels = [button.text for row in sent.reply_markup.inline_keyboard for button in row]  # type: ignore[union-attr]
    assert labels == ["• 24 hours •", "7 days", "30 days"]
    shown = admin.session.latest_message(ADMIN_ID, with_keyboard=True)
    assert shown is not None
    message_id = shown.message_id
    await admin.press(StatsCallback(period="30d").pack(), message_id, user_id=ADMIN_ID,
                      chat_id=ADMIN_ID)  # fmt: skip
    (edit,) = admin.session.calls(EditMessageText)
    assert "Figures of the last 30 days" in edit.text
    assert "Conversations: 4 (4 people talked to the bot)" in edit.text
    assert "Leads: 2 — conversion 50%" in edit.text and "1 hot, 0 warm, 1 cold" in edit.text
    assert "LLM answers: 3, $1.06" in edit.text
    assert "By day" in edit.text

    await admin.press(StatsCallback(period="7d").pack(), message_id, user_id=4242,
                      chat_id=4242)  # fmt: skip
    refusal = admin.session.calls(AnswerCallbackQuery)[-1]
    assert refusal.show_alert and refusal.text == "Sorry, this command is for admins only."
    assert len(admin.session.calls(EditMessageText)) == 1


@pytest.mark.parametrize("words", ["/admin stats 5y", "/admin stats 7d 30d"])
async def test_a_wrong_period_gets_the_usage(admin: Harness, words: str) -> None:
    await admin.send(words, user_id=ADMIN_ID)
    assert admin.session.sent_texts(ADMIN_ID) == [
        "Usage: /admin stats [1d|7d|30d] — the figures of the last day (default), 7 or 30 days."
    ]


async def test_in_russian(admin: Harness) -> None:
    await admin.send("/admin stats week", user_id=ADMIN_ID, language_code="ru")
    (text,) = admin.session.sent_texts(ADMIN_ID)
    assert "Показатели за последние 7 дней" in text
    assert "Диалогов: 3 (с ботом говорили: 3)" in text
    assert "• бот не уверен: 1" in text
    assert "По дням" in text
