"""The harness of the dispatcher tests: the real `create_dispatcher` over a recording session,
with the defaults they share (memory FSM, the test's database, the project's knowledge) and
whatever a test overrides."""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import CopyMessage, SendMessage
from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_dispatcher
from bot.config import Settings, load_settings
from tests.conftest import Knowledge
from tests.fakes.desk import AGENTS, ALICE, GROUP
from tests.fakes.longcat_server import DEFAULT_API_KEY as FAKE_LONGCAT_KEY
from tests.fakes.recording import USER_ID, RecordingSession, offline_bot


class Harness:
    """Updates go through every middleware and handler of the bot's dispatcher; the session
    records what the bot called."""

    dp: Dispatcher

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        knowledge: Knowledge,
        settings: Settings | None = None,
        **overrides: Any,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.knowledge = knowledge
        self.settings = settings or load_settings()
        self.session = RecordingSession()
        self.bot = offline_bot(self.session)
        self.overrides = overrides
        self.rebuild()

    def rebuild(self, settings: Settings | None = None, **overrides: Any) -> None:
        """A new dispatcher for the same bot and session, with `settings` when given (they are
        read at build time) and, for this build, `overrides`: any keyword `create_dispatcher`
        takes (routers=, detector=, consultant=, business_hours=, desk_assistant=, ...), on top
        of those the harness was made with."""
        if settings is not None:
            self.settings = settings
        defaults: dict[str, Any] = {
            "storage": MemoryStorage(),
            "sessionmaker": self.sessionmaker,
            "i18n": self.knowledge.i18n,
            "kb": self.knowledge.kb,
            "detector": self.knowledge.detector,
        }
        self.dp = create_dispatcher(self.settings, **defaults | self.overrides | overrides)

    async def feed(self, update: Update) -> None:
        """One update, and what it started in the background (the copilot's draft)."""
        await self.dp.feed_update(self.bot, update)
        await self.dp.workflow_data["desk"].drain()

    async def send(self, text: str | None, **kwargs: Any) -> None:
        """A message from the user in their chat (`kwargs` as `make_message_update` takes)."""
        await self.feed(self.session.make_message_update(text, **kwargs))

    async def press(
        self, data: str, message_id: int, who: int | None = None, **kwargs: Any
    ) -> None:
        """The user presses a button in their chat; `who`, someone in the agents' group, there."""
        if who is not None:
            kwargs.update(user_id=who, chat_id=GROUP)
        await self.feed(self.session.make_callback_update(data, message_id=message_id, **kwargs))

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


def llm_settings(base_url: str, **sections: dict[str, Any]) -> Settings:
    """Settings with the LLM at `base_url` (the fake LongCat), for `Harness.rebuild`; `sections`
    override settings by name, e.g. ``llm={"session_calls": 2}``."""
    longcat = {"api_key": FAKE_LONGCAT_KEY, "base_url": base_url, **sections.pop("longcat", {})}
    return load_settings(longcat=longcat, **sections)
