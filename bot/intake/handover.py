"""Lead cards to the agents' group: in a forum group, into a "Leads" topic created once (and again
if someone deletes it); hot leads mention the sales people. Never raises: the lead is stored
already, a failed post is logged."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import TelegramObject
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.intake.leads import lead_card
from bot.kernel.i18n import I18n
from bot.kernel.kv import Locks, MemoryLocks
from bot.privacy.posts import remember_post
from bot.telegram.client import thread_gone
from bot.telegram.delivery import transient_cause
from db.models import Lead, LeadScore, User
from db.repositories.intake import AppStateRepository

LEADS_TOPIC_KEY = "leads_topic_id"
NOT_A_FORUM = "none"


class LeadHandover:
    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        locks: Locks | None = None,
    ) -> None:
        self.chat_id = settings.telegram.agent_chat_id
        self.mentions = settings.leads.sales_mentions
        self.sessionmaker = sessionmaker
        self.t = i18n.get(i18n.default)
        self._warned = False
        # Two leads at the same moment, in one replica or two, must not create two Leads topics.
        self.locks = locks or MemoryLocks()

    async def deliver(self, bot: Bot, *, lead: Lead, user: User) -> None:
        if user.forget_requested_at is not None:
            logger.info("lead {}: not posted, its user asked to be forgotten", lead.id)
            return
        if self.chat_id is None:
            if not self._warned:
                logger.warning("AGENT_CHAT_ID is not set: leads are stored but nobody is told")
                self._warned = True
            return
        text = lead_card(lead, user, self.t)
        if lead.score == LeadScore.HOT and self.mentions:
            text += "\n\n" + " ".join(self.mentions)
        try:
            topic = await self._topic(bot)
            try:
                sent = await bot.send_message(self.chat_id, text, message_thread_id=topic)
            except TelegramBadRequest as exc:
                if topic is None or not thread_gone(exc):
                    raise
                # Someone deleted the Leads topic: make a new one and post there.
                topic = await self._topic(bot, gone=topic)
                sent = await bot.send_message(self.chat_id, text, message_thread_id=topic)
            logger.info("lead {} ({}) posted to the agents' group", lead.id, lead.score)
            # The card names the person: their erasure deletes it (it is not in their topic).
            async with self.sessionmaker() as session:
                await remember_post(session, user.id, sent, "lead", thread_id=topic)
        except TelegramAPIError as exc:
            logger.error("lead {}: could not post the card: {}", lead.id, exc.message)
        except Exception as exc:  # the lead is stored already: never fail the user's confirm
            logger.opt(exception=exc).error("lead {}: hand-over failed", lead.id)

    async def _topic(self, bot: Bot, *, gone: int | None = None) -> int | None:
        """The Leads topic's thread id, or None when the group is not a forum; a new one when
        the stored one is `gone` (someone deleted it), unless another update made one since.

        The shared lock keeps replicas from creating a topic each; should it be unavailable,
        the stored id decides anyway: a topic created by the loser of the race is deleted."""
        async with self._topic_lock(), self.sessionmaker() as session:
            return await self._stored_or_new_topic(bot, session, gone)

    @asynccontextmanager
    async def _topic_lock(self) -> AsyncIterator[None]:
        """The shared lock, or none when it is unavailable (the stored id still decides)."""
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(self.locks.hold(LEADS_TOPIC_KEY))
            except Exception as exc:
                if transient_cause(exc) is None:
                    raise
                logger.warning("the Leads topic lock is unavailable ({}); going on without it",
                               type(exc).__name__)  # fmt: skip
            yield

    async def _stored_or_new_topic(
        self, bot: Bot, session: AsyncSession, gone: int | None
    ) -> int | None:
        state = AppStateRepository(session)
        known = await state.get(LEADS_TOPIC_KEY)
        if known and (gone is None or known != str(gone)):
            return _thread(known)
        assert self.chat_id is not None
        chat = await bot.get_chat(self.chat_id)
        if not chat.is_forum:
            await state.set(LEADS_TOPIC_KEY, NOT_A_FORUM)
            await session.commit()
            return None
        topic = await bot.create_forum_topic(self.chat_id, self.t("handover-leads-topic"))
        if await state.replace(LEADS_TOPIC_KEY, known, str(topic.message_thread_id)):
            await session.commit()
            return topic.message_thread_id
        # Another replica stored its topic first: that one is the Leads topic, ours goes.
        await session.rollback()
        with suppress(TelegramAPIError):
            await bot.delete_forum_topic(self.chat_id, topic.message_thread_id)
        logger.info("a second Leads topic was created in a race and deleted")
        return _thread(await state.get(LEADS_TOPIC_KEY))


def _thread(stored: str | None) -> int | None:
    return int(stored) if stored and stored != NOT_A_FORUM else None


class HandoverMiddleware(BaseMiddleware):
    """Gives handlers `lead_handover(lead=..., user=...)` bound to the update's bot."""

    def __init__(self, handover: LeadHandover) -> None:
        self.handover = handover

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if "lead_handover" not in data:  # tests may provide their own

            async def lead_handover(*, lead: Lead, user: User) -> None:
                await self.handover.deliver(data["bot"], lead=lead, user=user)
                if lead.score == LeadScore.HOT and data.get("desk") is not None:
                    await _escalate_hot_lead(data, user)

            data["lead_handover"] = lead_handover
        return await handler(event, data)


async def _escalate_hot_lead(data: dict[str, Any], user: User) -> None:
    """A hot lead goes to the agents' desk as a ticket of its own (issue 6)."""
    from bot.desk.escalation import Reason, Trigger

    try:
        await data["desk"].escalate(
            data["bot"], data["session"], user, Trigger.of(Reason.HOT_LEAD)
        )
    except Exception as exc:  # the lead is stored and its card posted: never fail the confirm
        logger.opt(exception=exc).error("user {}: hot lead not escalated", user.id)
