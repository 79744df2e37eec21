"""Lead cards reach the agents' group: a "Leads" topic in a forum, created once and again when it
was deleted; hot leads mention the sales people; no group configured: stored, logged once."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import CreateForumTopic, SendMessage
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings, load_settings
from bot.intake.handover import LeadHandover
from bot.telegram.offline_session import ApiCall, ApiError
from db.models import Lead, LeadScore, User
from tests.conftest import Knowledge
from tests.fakes.desk import forum_bot
from tests.fakes.recording import RecordingSession, offline_bot

GROUP = -1001234567890


def settings(chat_id: int | None, mentions: list[str] | None = None) -> Settings:
    base = load_settings()
    telegram = base.telegram.model_copy(update={"agent_chat_id": chat_id})
    leads = base.leads.model_copy(update={"sales_mentions": mentions or []})
    return base.model_copy(update={"telegram": telegram, "leads": leads})


def lead(number: int, score: LeadScore) -> Lead:
    return Lead(id=number, user_id=7, project_type="devops", description="Kubernetes on AWS",
                timeline="urgent", budget="gt150k", name="Ann", email="ann@example.com",
                score=score, score_points=80, source="menu", language="en")  # fmt: skip


USER = User(id=7, first_name="Ann", username="ann", language="en")


@pytest.fixture(autouse=True)
async def _user_row(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The lead's user is stored, as always when a lead is handed over: the posted card is
    recorded against them (for their erasure)."""
    async with sessionmaker() as session:
        session.add(User(id=USER.id, first_name=USER.first_name, language=USER.language))
        await session.commit()


async def test_forum_group_gets_one_leads_topic_and_hot_leads_mention_sales(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    recording, bot = forum_bot()
    handover = LeadHandover(settings(GROUP, ["@sales_ann"]), sessionmaker, knowledge.i18n)
    await handover.deliver(bot, lead=lead(1, LeadScore.HOT), user=USER)
    await handover.deliver(bot, lead=lead(2, LeadScore.COLD), user=USER)
    (topic,) = recording.calls(CreateForumTopic)
    assert topic.name == "💼 Leads"
    first, second = recording.calls(SendMessage)
    assert first.message_thread_id == second.message_thread_id is not None
    assert str(first.chat_id) == str(GROUP)
    assert "@sales_ann" in first.text and "HOT" in first.text
    assert "@sales_ann" not in second.text


async def test_a_deleted_topic_is_created_again(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    recording, bot = forum_bot()
    handover = LeadHandover(settings(GROUP), sessionmaker, knowledge.i18n)
    await handover.deliver(bot, lead=lead(1, LeadScore.WARM), user=USER)
    deleted = recording.calls(SendMessage)[0].message_thread_id
    original = recording.responders["sendMessage"]

    def send(call: ApiCall) -> Any:
        if call.params.get("message_thread_id") == deleted:
            raise ApiError("Bad Request: message thread not found")
        return original(call)

    recording.responders["sendMessage"] = send
    await handover.deliver(bot, lead=lead(2, LeadScore.WARM), user=USER)
    assert len(recording.calls(CreateForumTopic)) == 2
    delivered = recording.calls(SendMessage)[-1]
    assert delivered.message_thread_id not in (None, deleted)


async def test_a_plain_group_gets_the_card_without_a_topic(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    recording, bot = forum_bot(is_forum=False)
    await LeadHandover(settings(GROUP), sessionmaker, knowledge.i18n).deliver(
        bot, lead=lead(1, LeadScore.WARM), user=USER
    )
    assert not recording.calls(CreateForumTopic)
    assert recording.calls(SendMessage)[0].message_thread_id is None


async def test_no_group_configured_logs_once_and_sends_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    recording = RecordingSession()
    bot = offline_bot(recording)
    handover = LeadHandover(settings(None), sessionmaker, knowledge.i18n)
    logged: list[str] = []
    sink = logger.add(lambda m: logged.append(m.record["message"]), level="WARNING")
    try:
        await handover.deliver(bot, lead=lead(1, LeadScore.HOT), user=USER)
        await handover.deliver(bot, lead=lead(2, LeadScore.HOT), user=USER)
    finally:
        logger.remove(sink)
    assert recording.requests == []
    assert sum("AGENT_CHAT_ID" in line for line in logged) == 1
