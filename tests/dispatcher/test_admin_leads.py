"""/admin leads through the dispatcher: the newest leads as buttons (nobody forgotten), a lead's
card and its conversation, the CSV of every lead, a score filter, the usage, and a press by
someone without the admin role refused."""

from __future__ import annotations

import csv
import io

import pytest
from aiogram.methods import AnswerCallbackQuery, SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from bot.config import load_settings
from db.base import utcnow
from db.models import Conversation, Lead, LeadScore, Message, SenderType, User
from handlers.admin.leads import LeadAction, LeadCallback
from tests.dispatcher.harness import Harness

ADMIN_ID = 5005


@pytest.fixture
async def admin(harness: Harness) -> Harness:
    harness.rebuild(load_settings(telegram={"admin_ids": [ADMIN_ID]}))
    async with harness.sessionmaker() as session:
        session.add_all([
            User(id=21, first_name="Ann", username="ann"), User(id=22, first_name="Bob"),
            User(id=23, first_name="Eve", forget_requested_at=utcnow()),
        ])  # fmt: skip
        await session.flush()
        conversation = Conversation(user_id=21)
        session.add(conversation)
        await session.flush()
        session.add_all([
            Message(conversation_id=conversation.id, sender_type=SenderType.USER,
                    text="We need Kubernetes <now>"),
            Message(conversation_id=conversation.id, sender_type=SenderType.BOT,
                    text="<b>Sure</b>, let us plan it"),
            Lead(id=1, user_id=21, conversation_id=conversation.id, name="Ann",
                 company="Acme & Co", email="ann@acme.test", score=LeadScore.HOT,
                 project_type="devops"),
            Lead(id=2, user_id=22, name="Bob", score=LeadScore.COLD),
            Lead(id=3, user_id=23, name="Eve", score=LeadScore.HOT),
        ])  # fmt: skip
        await session.commit()
    return harness


def _buttons(harness: Harness) -> list[tuple[str, str]]:
    markup = harness.session.calls(SendMessage)[-1].reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return [(b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row]


async def _press(harness: Harness, action: LeadAction, lead_id: int = 0) -> None:
    await harness.press(LeadCallback(action=action, lead_id=lead_id).pack(), 1,
                        user_id=ADMIN_ID, chat_id=ADMIN_ID)  # fmt: skip


async def test_the_list_the_card_and_the_conversation(admin: Harness) -> None:
    await admin.send("/admin leads", user_id=ADMIN_ID)
    assert admin.session.sent_texts(ADMIN_ID) == [
        "<b>Newest leads</b> (2): press one for its card."
    ]
    assert [text for text, _ in _buttons(admin)] == [
        "#2 ❄️ Bob", "#1 🔥 Acme & Co", "📄 CSV of all leads",
    ]  # fmt: skip
    await _press(admin, LeadAction.CARD, 1)
    card = admin.session.sent_texts(ADMIN_ID)[-1]
    assert "Acme &amp; Co" in card and "ann@acme.test" in card and "@ann" in card
    assert [text for text, _ in _buttons(admin)] == ["💬 Conversation"]
    await _press(admin, LeadAction.CONVERSATION, 1)
    history = admin.session.sent_texts(ADMIN_ID)[-1]
    assert history.startswith("<b>Conversation of lead #1</b> Ann")
    assert "👤 We need Kubernetes &lt;now&gt;" in history
    assert "🤖 Sure, let us plan it" in history


async def test_a_forgotten_persons_lead_is_not_shown(admin: Harness) -> None:
    await _press(admin, LeadAction.CARD, 3)
    assert admin.session.sent_texts(ADMIN_ID) == [
        "Lead #3 is no longer there (deleted, or its person asked to be forgotten)."
    ]


async def test_the_csv_of_every_lead(admin: Harness) -> None:
    await _press(admin, LeadAction.CSV)
    (call,) = admin.session.calls(SendDocument)
    assert isinstance(call.document, BufferedInputFile)
    assert call.document.filename is not None and call.document.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(call.document.data.decode("utf-8-sig"))))
    assert [(row["id"], row["company"]) for row in rows] == [("2", ""), ("1", "Acme & Co")]
    assert call.caption == "Every lead (2), newest first."


async def test_a_score_filter_and_the_usage(admin: Harness) -> None:
    await admin.send("/admin leads hot", user_id=ADMIN_ID)
    assert [text for text, _ in _buttons(admin)] == ["#1 🔥 Acme & Co", "📄 CSV of all leads"]
    await admin.send("/admin leads lukewarm", user_id=ADMIN_ID)
    assert admin.session.sent_texts(ADMIN_ID)[-1].startswith("Usage: /admin leads")


async def test_a_press_without_the_admin_role_is_refused(admin: Harness) -> None:
    await admin.press(LeadCallback(action=LeadAction.CSV).pack(), 1, user_id=4242,
                      chat_id=4242)  # fmt: skip
    (refusal,) = admin.session.calls(AnswerCallbackQuery)
    assert refusal.show_alert and refusal.text == "Sorry, this command is for admins only."
    assert admin.session.calls(SendDocument) == []
