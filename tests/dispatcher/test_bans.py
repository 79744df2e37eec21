"""Spam progression and bans through the dispatcher, the way a user meets them: a warning, a
1 h ban, a 24 h ban, a permanent one; one notice per ban, then silence; the audit log and the
metrics hold kinds and counts, never the message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiogram.methods import AnswerCallbackQuery
from prometheus_client import REGISTRY
from sqlalchemy import select

from bot.config import load_settings
from bot.telegram.menu import MenuAction, MenuCallback
from db.base import utcnow
from db.models import Agent, AgentRole, AuditLog, User
from tests.dispatcher.harness import Harness
from tests.fakes.recording import USER_ID

ADMIN_ID = 5005
SPAM = "WIN BIG at the casino!!! https://a.test https://b.test https://c.test https://d.test"


def rebuild(harness: Harness, **sections: Any) -> None:
    """The real dispatcher with ADMIN_ID as admin."""
    sections.setdefault("telegram", {"admin_ids": [ADMIN_ID]})
    harness.rebuild(load_settings(**sections))


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def user_row(harness: Harness, user_id: int = USER_ID) -> User:
    async with harness.sessionmaker() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user


async def expire_ban(harness: Harness, user_id: int = USER_ID) -> None:
    """Move the user's ban into the past (as if its hour were over)."""
    async with harness.sessionmaker() as session:
        user = await session.get(User, user_id)
        assert user is not None and user.banned_until is not None
        user.banned_until = utcnow() - timedelta(seconds=1)
        await session.commit()


async def test_spam_progression_warning_then_bans_with_one_notice_each(
    harness: Harness,
) -> None:
    rebuild(harness)
    bans_before = metric("devbot_bans_total", kind="temporary", actor="system")
    links_before = metric("devbot_spam_violations_total", reason="links")

    await harness.send(SPAM)
    assert "looks like spam" in harness.session.sent_texts()[-1]
    await harness.send("/help")
    assert "/start" in harness.session.sent_texts()[-1]  # a warning only: still served

    await harness.send(SPAM)  # the second strike: one hour
    notice = harness.session.sent_texts()[-1]
    assert "You are blocked until" in notice
    row = await user_row(harness)
    assert row.is_banned and row.banned_until is not None
    until = row.banned_until.replace(tzinfo=None)
    assert timedelta(minutes=59) < until - utcnow().replace(tzinfo=None) <= timedelta(hours=1)

    count = len(harness.session.sent_texts())
    for text in ("/help", "hello?", "/start"):
        await harness.send(text)
    await harness.press("menu:home", message_id=1)
    assert len(harness.session.sent_texts()) == count  # silence while banned

    await expire_ban(harness)
    await harness.send("/help")
    assert "/start" in harness.session.sent_texts()[-1]  # the ban ran out
    assert not (await user_row(harness)).is_banned

    await harness.send(SPAM)  # the third strike: 24 hours
    assert "You are blocked until" in harness.session.sent_texts()[-1]
    row = await user_row(harness)
    assert row.banned_until is not None
    assert row.banned_until.replace(tzinfo=None) - utcnow().replace(tzinfo=None) > timedelta(
        hours=23
    )
    await expire_ban(harness)
    await harness.send(SPAM)  # the fourth: for good
    assert "You are blocked for breaking" in harness.session.sent_texts()[-1]
    row = await user_row(harness)
    assert row.is_banned and row.banned_until is None

    assert metric("devbot_bans_total", kind="temporary", actor="system") - bans_before == 2
    assert metric("devbot_spam_violations_total", reason="links") - links_before == 4
    async with harness.sessionmaker() as session:
        audit = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    actions = [row.action for row in audit]
    assert actions.count("spam_violation") == 4 and actions.count("ban") == 3
    assert all("casino" not in str(row.details) for row in audit)  # never the message text


async def test_banned_user_is_told_in_their_language_once(harness: Harness) -> None:
    rebuild(harness)
    await harness.send("/admin ban 1001 2h", user_id=ADMIN_ID)
    for _ in range(3):
        await harness.send("привет", language_code="ru")
    texts = harness.session.sent_texts(USER_ID)
    assert len(texts) == 1 and texts[0].startswith("⛔ Вы заблокированы до")
    await harness.press(MenuCallback(action=MenuAction.QUESTION).pack(), message_id=1)
    [answer] = harness.session.calls(AnswerCallbackQuery)  # the spinner stops, nothing else
    assert answer.text is None
    assert len(harness.session.sent_texts(USER_ID)) == 1


async def test_staff_are_never_auto_banned(harness: Harness) -> None:
    rebuild(harness)
    async with harness.sessionmaker() as session:
        session.add(Agent(telegram_id=USER_ID, name="Tess", role=AgentRole.AGENT))
        await session.commit()
    for _ in range(4):
        await harness.send(SPAM)
    assert not (await user_row(harness)).is_banned
    assert not any("spam" in text for text in harness.session.sent_texts())


async def test_spam_checks_can_be_switched_off(harness: Harness) -> None:
    rebuild(harness, spam={"enabled": False})
    for _ in range(3):
        await harness.send(SPAM)
    assert not (await user_row(harness)).is_banned


async def test_retyping_a_refused_answer_in_a_form_is_not_spam(harness: Harness) -> None:
    rebuild(harness)
    await harness.send("/start intake")
    for _ in range(4):
        await harness.send("I will type what I want here")
    assert not any("spam" in text for text in harness.session.sent_texts())
    for _ in range(3):  # outside the form the same text again and again is
        await harness.send("/cancel")
        await harness.send("I will type what I want here, again")
    assert "looks like spam" in harness.session.sent_texts()[-1]
