"""Hardening: every path on this branch that echoes user-supplied text yields HTML that Telegram
accepts and that shows the text literally; forged or stale callback data gets a polite answer,
never a traceback; every callback data the keyboards build fits Telegram's 64 bytes."""

from __future__ import annotations

import pytest
from aiogram.methods import AnswerCallbackQuery

from bot.config import load_settings
from bot.intake.leads import lead_card
from bot.telegram.html import parse_html
from bot.telegram.menu import MenuAction, MenuCallback
from db.models import Lead, LeadScore, User
from handlers.faq.keyboards import ActionCallback, CategoryCallback, TopicCallback
from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness
from tests.fakes.recording import USER_ID

ADMIN_ID = 5005
# Markup, entities that do not close, quotes and ampersands: what breaks a careless bot.
HOSTILE = '</b><i>Ann & "Co" <a href="tg://user?id=1">x</a> &amp; <3'


def literal(markup: str) -> str:
    """The text Telegram would show for `markup`; raises like Telegram for broken HTML."""
    return parse_html(markup)[0]


@pytest.fixture
def admin(harness: Harness) -> Harness:
    harness.rebuild(load_settings(telegram={"admin_ids": [ADMIN_ID]}))
    return harness


async def test_the_welcome_shows_a_hostile_name_literally(harness: Harness) -> None:
    await harness.send("/start", first_name=HOSTILE)
    assert HOSTILE in literal(harness.session.sent_texts()[-1])


@pytest.mark.parametrize(
    "command",
    [
        f"/admin ban 1001 1h {HOSTILE}",
        f"/admin {HOSTILE}",
        f"/admin ban @{HOSTILE}",
        f"/admin unban {HOSTILE.replace(' ', '')}",
    ],
)
async def test_admin_replies_show_hostile_text_literally(admin: Harness, command: str) -> None:
    await admin.send("hi")  # user 1001 exists
    await admin.send(command, user_id=ADMIN_ID)
    await admin.send("/admin bans", user_id=ADMIN_ID)
    for markup in admin.session.sent_texts(ADMIN_ID):
        literal(markup)  # Telegram would accept every reply
    shown = "\n".join(literal(markup) for markup in admin.session.sent_texts(ADMIN_ID))
    if command.startswith("/admin ban 1001"):
        assert HOSTILE in shown  # the reason, in the ban list


def test_the_lead_card_shows_hostile_text_literally(knowledge: Knowledge) -> None:
    t = knowledge.i18n.get("en")
    entities = {"technologies": [HOSTILE], "timeline": {"category": "urgent", "text": HOSTILE}}
    lead = Lead(
        id=7, user_id=1001, project_type="devops", description=HOSTILE, timeline="urgent",
        budget="50k_150k", name=HOSTILE, email="ann+<x>@example.com", company=HOSTILE,
        phone="+1 <555>", source=HOSTILE, language="en", score=LeadScore.HOT, score_points=90,
        entities=entities,
    )  # fmt: skip
    user = User(id=1001, username="ann", first_name=HOSTILE, last_name=None)
    shown = literal(lead_card(lead, user, t))
    assert shown.count(HOSTILE) >= 6 and "ann+<x>@example.com" in shown


FORGED = [
    "menu:bogus",
    "menu:",
    "faq:" + "x" * 60,
    "faq:no.such.intent",
    "faqcat:<script>",
    "act:rm -rf",
    "act:",
    "no-prefix-at-all",
    "aiogd:0:x",  # looks like an aiogram-dialog button of a dialog that does not exist
    "\u202e\x00\ufeff",
]


@pytest.mark.parametrize("data", FORGED)
async def test_forged_callback_data_gets_a_polite_answer(harness: Harness, data: str) -> None:
    await harness.send("/start")
    await harness.press(data, message_id=1)
    answers = harness.session.calls(AnswerCallbackQuery)
    assert answers, "the button press went unanswered"
    assert all("went wrong" not in (answer.text or "") for answer in answers)
    assert not any("went wrong" in text for text in harness.session.sent_texts(USER_ID))


def test_every_callback_data_fits_telegram(harness: Harness) -> None:
    kb = harness.knowledge.kb
    packed = [TopicCallback(intent=intent).pack() for intent in kb.catalog]
    packed += [CategoryCallback(category=category).pack() for category in kb.categories()]
    packed += [MenuCallback(action=action).pack() for action in MenuAction]
    packed += [ActionCallback(action="consultation").pack()]
    assert max(len(data.encode()) for data in packed) <= 64
