"""A dispatcher harness for the desk: the real `create_dispatcher` with AGENT_CHAT_ID set to a
forum group (or a plain one), agents in the database and business hours that are always open."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import CopyMessage, SendMessage
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_dispatcher
from bot.config import Settings, load_settings
from bot.desk.hours import BusinessHours
from bot.telegram.offline_session import ApiCall
from db.models import Agent, AgentRole
from tests.fakes.recording import USER_ID, RecordingSession
from tests.unit.conftest import Knowledge

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


@dataclass
class DeskHarness:
    dp: Dispatcher
    bot: Bot
    session: RecordingSession
    sessionmaker: async_sessionmaker[AsyncSession]
    topics: list[int] = field(default_factory=list)

    async def feed(self, update: Update) -> None:
        """One update, and what it started in the background (the copilot's draft)."""
        await self.dp.feed_update(self.bot, update)
        await self.dp.workflow_data["desk"].drain()

    async def user(self, text: str | None, **kwargs: Any) -> None:
        await self.feed(self.session.make_message_update(text, **kwargs))

    async def agent(
        self,
        text: str | None,
        agent_id: int = ALICE,
        *,
        thread: int | None = None,
        reply_to: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """A message in the agents' group, in a topic (`thread`) or replying to a message."""
        fields: dict[str, Any] = dict(extra or {})
        if thread is not None:
            fields.update(message_thread_id=thread, is_topic_message=True)
        if reply_to is not None:
            replied = self.session.message(GROUP, reply_to)
            assert replied is not None
            fields["reply_to_message"] = replied.model_dump(mode="json", exclude_none=True)
        name, username, _ = AGENTS.get(agent_id, ("Stranger", "stranger", None))
        update = self.session.make_message_update(
            text, user_id=agent_id, chat_id=GROUP, first_name=name, username=username,
            extra=fields,
        )  # fmt: skip
        await self.feed(update)

    async def press(
        self, data: str, message_id: int, who: int = USER_ID, language_code: str = "en"
    ) -> None:
        chat = None if who == USER_ID else GROUP
        update = self.session.make_callback_update(
            data, message_id=message_id, user_id=who, chat_id=chat, language_code=language_code
        )
        await self.feed(update)

    def to_user(self, user_id: int = USER_ID) -> list[str]:
        return self.session.sent_texts(user_id)

    def to_group(self) -> list[str]:
        return self.session.sent_texts(GROUP)

    def copies(self, chat_id: int) -> list[CopyMessage]:
        return [c for c in self.session.calls(CopyMessage) if str(c.chat_id) == str(chat_id)]

    def card(self) -> SendMessage:
        return next(
            call
            for call in self.session.calls(SendMessage)
            if str(call.chat_id) == str(GROUP) and call.reply_markup is not None
        )


def forum(session: RecordingSession, *, is_forum: bool = True) -> None:
    original = session.responders["getChat"]

    def get_chat(call: ApiCall) -> Any:
        return {**original(call), "is_forum": is_forum}

    session.responders["getChat"] = get_chat


async def make_desk(
    sessionmaker: async_sessionmaker[AsyncSession],
    knowledge: Knowledge,
    *,
    is_forum: bool = True,
    hours: BusinessHours = ALWAYS_OPEN,
    assistant: object = None,
    chat_id: int | None = GROUP,
) -> DeskHarness:
    async with sessionmaker() as session:
        for telegram_id, (name, username, role) in AGENTS.items():
            session.add(Agent(telegram_id=telegram_id, name=name, username=username, role=role))
        await session.commit()
    recording = RecordingSession()
    forum(recording, is_forum=is_forum)
    bot = Bot(
        "42:OFFLINE-test-token-for-dispatcher-tests",
        session=recording,
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    dp = create_dispatcher(
        desk_settings(chat_id),
        storage=MemoryStorage(),
        sessionmaker=sessionmaker,
        i18n=knowledge.i18n,
        kb=knowledge.kb,
        detector=knowledge.detector,
        business_hours=hours,
        desk_assistant=assistant,
    )
    return DeskHarness(dp, bot, recording, sessionmaker)
