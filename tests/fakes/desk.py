"""The agents' desk as tests set it up: AGENT_CHAT_ID a forum group (or a plain one), three
agents, an admin, and business hours that are always or never open."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings, load_settings
from bot.desk.hours import BusinessHours
from bot.telegram.offline_session import ApiCall, OfflineSession
from db.models import Agent, AgentRole
from tests.fakes.recording import RecordingSession, offline_bot

GROUP = -1009876543210
ADMIN = 9001
ALICE, BOB, SENIOR, STRANGER = 7001, 7002, 7003, 7999
AGENTS = {
    ALICE: ("Alice Agent", "alice_agent", AgentRole.AGENT),
    BOB: ("Bob Agent", "bob_agent", AgentRole.AGENT),
    SENIOR: ("Sam Senior", "sam_senior", AgentRole.SENIOR),
}
ALWAYS_OPEN = BusinessHours("UTC", time(0, 0), time(23, 59, 59), frozenset(range(7)))
NEVER_OPEN = BusinessHours(
    "UTC", time(9, 0), time(9, 1), frozenset({0}), frozenset({date.today()})
)


def desk_settings(chat_id: int | None = GROUP) -> Settings:
    base = load_settings()
    telegram = base.telegram.model_copy(update={"agent_chat_id": chat_id, "admin_ids": [ADMIN]})
    return base.model_copy(update={"telegram": telegram})


def forum(session: OfflineSession, *, is_forum: bool = True) -> None:
    """getChat answers that the chat is a forum (or, with `is_forum=False`, a plain group)."""
    original = session.responders["getChat"]

    def get_chat(call: ApiCall) -> Any:
        return {**original(call), "is_forum": is_forum}

    session.responders["getChat"] = get_chat


def forum_bot(*, is_forum: bool = True) -> tuple[RecordingSession, Bot]:
    """An offline Bot whose agents' group is a forum (or a plain group), and its recording."""
    recording = RecordingSession()
    forum(recording, is_forum=is_forum)
    return recording, offline_bot(recording)


async def add_agents(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The three agents of AGENTS in the database."""
    async with sessionmaker() as session:
        for telegram_id, (name, username, role) in AGENTS.items():
            session.add(Agent(telegram_id=telegram_id, name=name, username=username, role=role))
        await session.commit()
