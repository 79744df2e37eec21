"""Lead cards to the agents' group: in a forum group, into a "Leads" topic created once (and again
if someone deletes it); hot leads mention the sales people. Never raises: the lead is stored
already, a failed post is logged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
from bot.telegram.client import thread_gone
from db.models import Lead, LeadScore, User
from db.repositories.intake import AppStateRepository

LEADS_TOPIC_KEY = "leads_topic_id"


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
                await bot.send_message(self.chat_id, text, message_thread_id=topic)
            except TelegramBadRequest as exc:
                if topic is None or not thread_gone(exc):
                    raise
                # Someone deleted the Leads topic: make a new one and post there.
                topic = await self._topic(bot, recreate=True)
                await bot.send_message(self.chat_id, text, message_thread_id=topic)
            logger.info("lead {} ({}) posted to the agents' group", lead.id, lead.score)
        except TelegramAPIError as exc:
            logger.error("lead {}: could not post the card: {}", lead.id, exc.message)
        except Exception as exc:  # the lead is stored already: never fail the user's confirm
            logger.opt(exception=exc).error("lead {}: hand-over failed", lead.id)

    async def _topic(self, bot: Bot, *, recreate: bool = False) -> int | None:
        """The Leads topic's thread id, or None when the group is not a forum."""
        async with self.locks.hold(LEADS_TOPIC_KEY), self.sessionmaker() as session:
            state = AppStateRepository(session)
            known = await state.get(LEADS_TOPIC_KEY)
            if known and not recreate:
                return int(known) if known != "none" else None
            assert self.chat_id is not None
            chat = await bot.get_chat(self.chat_id)
            if not chat.is_forum:
                await state.set(LEADS_TOPIC_KEY, "none")
                await session.commit()
                return None
            topic = await bot.create_forum_topic(self.chat_id, self.t("handover-leads-topic"))
            await state.set(LEADS_TOPIC_KEY, str(topic.message_thread_id))
            await session.commit()
            return topic.message_thread_id


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
