"""The agents' desk on the Telegram side: a ticket's topic and card in the AGENT_CHAT_ID group,
escalation, and what the user is told.

In a forum group each user gets one topic, created once under a lock (several messages at the
same moment) and again when someone deleted it. A plain group gets the card and the copies
in the group itself; agents reply to them. The relay is in bot/desk/relay.py, agent actions
(claim, close, templates, copilot) in bot/desk/actions.py. Message texts are never logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message, ReplyParameters
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.consult.consultant import person_names
from bot.desk import rules as desk_rules
from bot.desk import texts as desk_texts
from bot.desk.assistant import DeskAssistant, Line
from bot.desk.escalation import Trigger, confidence_trigger, recent_confidences
from bot.desk.hours import BusinessHours, is_open, what_happens_next
from bot.desk.keyboards import back_to_bot_keyboard, card_keyboard
from bot.kernel.conversations import current_conversation
from bot.kernel.i18n import I18n, Translator
from bot.kernel.kv import Locks
from bot.kernel.metrics import ESCALATIONS, TICKET_TIME_TO_FIRST_REPLY
from bot.privacy.posts import remember_post
from bot.telegram.client import thread_gone
from db.base import utcnow
from db.models import (
    Agent,
    ConversationStatus,
    SenderType,
    Ticket,
    TicketStatus,
    User,
)
from db.models import (
    Message as StoredMessage,
)
from db.repositories import ConversationRepository
from db.repositories.leads import LeadRepository
from db.repositories.tickets import AgentRepository, TicketRepository

IN, OUT = "in", "out"
CARD_HISTORY = 8
ASSISTANT_HISTORY = 30


# Topic icons by ticket state, in order of preference, among Telegram's topic icon emoji.
STATE_ICONS = {
    TicketStatus.OPEN: ("❗", "🔥", "💬"),
    TicketStatus.CLAIMED: ("⚡", "👀", "📝"),
    TicketStatus.CLOSED: ("✅", "✔"),
}


class Desk:
    def __init__(
        self,
        settings: Settings,
        i18n: I18n,
        locks: Locks,
        hours: BusinessHours,
        assistant: DeskAssistant | None = None,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.settings = settings
        self.chat_id = settings.telegram.agent_chat_id
        self.i18n = i18n
        self.t = i18n.get(i18n.default)  # the agents' language
        self.locks = locks
        self.hours = hours
        self.assistant = assistant
        self.sessionmaker = sessionmaker
        self._forum: bool | None = None
        self._icons: dict[str, str] | None = None  # ticket state -> custom emoji id
        self._warned = False
        # Work that must not hold up the user's chat (the copilot waits for the LLM).
        self._background: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - a deadline for all
        """Wait for background work (at shutdown, and in tests); what is left is cancelled."""
        if self._background:
            _done, pending = await asyncio.wait(set(self._background), timeout=timeout)
            for task in pending:
                task.cancel()

    # The user asks for a person

    async def opening_refusal(self, session: AsyncSession, user: User) -> str | None:
        """The locale key of why `user` may not open another ticket now (too many lately, or
        one closed a moment ago), or None; see `rules.opening_refusal`."""
        now, limits = utcnow(), self.settings.desk
        cooldown = timedelta(seconds=limits.reopen_after_seconds)
        since = now - max(desk_rules.OPENING_WINDOW, cooldown)
        recent = await TicketRepository(session).recent_of(user.id, since)
        return desk_rules.opening_refusal(
            recent, now, per_hour=limits.tickets_per_hour, cooldown=cooldown
        )

    async def escalate(
        self, bot: Bot, session: AsyncSession, user: User, trigger: Trigger
    ) -> Ticket | None:
        """Open a ticket (or raise the priority of the user's open one), make sure its topic
        and card exist, and tell the user what happens next. None when the user may not open
        another ticket now: they are told why (unless the bot itself wanted the ticket)."""
        repo = TicketRepository(session)
        ticket = await repo.open_of(user.id)
        if ticket is None and (refusal := await self.opening_refusal(session, user)):
            logger.info("user {}: no new ticket ({}): {}", user.id, trigger.reason, refusal)
            if trigger.reason.value not in desk_rules.BOTS_OWN_REASONS:
                await bot.send_message(user.id, self.i18n.get(user.language)(refusal))
            return None
        conversation = await current_conversation(session, user)
        if ticket is None:
            ticket = await repo.open_new(
                Ticket(
                    user_id=user.id,
                    conversation_id=conversation.id,
                    status=TicketStatus.OPEN,
                    priority=trigger.priority,
                    reason=trigger.reason.value,
                    opened_at=utcnow(),
                    # One topic per user: a new ticket goes on in the topic of the last one.
                    topic_id=await repo.last_topic(user.id),
                )
            )
            logger.info("ticket {} open ({}, {})", ticket.id, trigger.reason, trigger.priority)
        elif desk_rules.raises_priority(ticket, trigger.priority):
            ticket.priority, ticket.reason = trigger.priority, trigger.reason.value
            await self.refresh_title(bot, session, ticket)
        conversation.status = ConversationStatus.ESCALATED
        ESCALATIONS.labels(trigger.reason.value).inc()
        await session.commit()
        try:
            await self.ensure_topic(bot, session, ticket, user)
        except TelegramAPIError as exc:  # the ticket stands; the next message tries again
            logger.error("ticket {}: no topic: {}", ticket.id, exc.message)
        t = self.i18n.get(user.language)
        await bot.send_message(
            user.id,
            await self._what_next(session, ticket, t),
            reply_markup=back_to_bot_keyboard(t),
        )
        await session.commit()
        return ticket

    async def after_llm_answer(
        self, bot: Bot, session: AsyncSession, user: User, conversation_id: int
    ) -> Ticket | None:
        """Call after storing each LLM answer (answer_source "llm", `confidence` set): below
        0.5 once, or below 0.7 three times in a row, hands the conversation to the agents.
        Returns the ticket when it escalated, else None."""
        if await TicketRepository(session).open_of(user.id) is not None:
            return None
        trigger = confidence_trigger(await recent_confidences(session, conversation_id))
        if trigger is None:
            return None
        return await self.escalate(bot, session, user, trigger)

    async def _what_next(self, session: AsyncSession, ticket: Ticket, t: Translator) -> str:
        now = datetime.now(UTC)
        staffed = self.chat_id is not None and (
            bool(self.settings.telegram.admin_ids)
            or await AgentRepository(session).count_active() > 0
        )
        key = desk_rules.opening_reply(ticket, answered_now=staffed and is_open(now, self.hours))
        if key == "desk-opened":
            return t(key, minutes=self.settings.desk.reply_within_minutes)
        return t(key, next=what_happens_next(now, self.hours, t))

    # The topic and its card

    async def is_forum(self, bot: Bot) -> bool:
        if self._forum is None:
            assert self.chat_id is not None
            self._forum = bool((await bot.get_chat(self.chat_id)).is_forum)
        return self._forum

    async def ensure_topic(
        self,
        bot: Bot,
        session: AsyncSession,
        ticket: Ticket,
        user: User,
        *,
        recreate: bool = False,
    ) -> int | None:
        """The ticket's thread id (None in a plain group), creating topic and card once."""
        if self.chat_id is None:
            if not self._warned:
                logger.warning(
                    "AGENT_CHAT_ID is not set: tickets are stored but no agent sees them"
                )
                self._warned = True
            return None
        if ticket.card_message_id is not None and not recreate:
            return ticket.topic_id  # the usual case: no lock, no query
        async with self.locks.hold(f"desk-topic:{ticket.user_id}"):
            await session.refresh(ticket)  # another update may have made it meanwhile
            if ticket.card_message_id is not None and not recreate:
                return ticket.topic_id
            forum = await self.is_forum(bot)
            if not forum or recreate:
                ticket.topic_id = None
            if forum and ticket.topic_id is None:
                ticket.topic_id = await self._new_topic(bot, session, ticket, user)
            elif forum:  # the user's topic from an earlier ticket: open it again
                await self._reopen(bot, session, ticket)
            lines = await self.lines(session, ticket, CARD_HISTORY)
            lead = await LeadRepository(session).newest_open(user.id)
            card = desk_texts.card(ticket, user, lead, None, lines, self.t)
            markup = card_keyboard(ticket.id, self.t)
            try:
                sent = await bot.send_message(
                    self.chat_id, card, message_thread_id=ticket.topic_id, reply_markup=markup
                )
            except TelegramBadRequest as exc:
                if ticket.topic_id is None or not thread_gone(exc):
                    raise
                ticket.topic_id = await self._new_topic(bot, session, ticket, user)
                sent = await bot.send_message(
                    self.chat_id, card, message_thread_id=ticket.topic_id, reply_markup=markup
                )
            ticket.card_message_id = sent.message_id
            await session.commit()
            logger.info("ticket {}: card posted (topic {})", ticket.id, ticket.topic_id)
            if self.assistant is not None and lines:
                # The summary waits for the LLM: the card goes out at once and gets it later.
                names = person_names(user, lead)
                self.spawn(self._summarise_card(bot, ticket.id, sent.message_id, lines, names))
            return ticket.topic_id

    async def _new_topic(self, bot: Bot, session: AsyncSession, ticket: Ticket, user: User) -> int:
        assert self.chat_id is not None
        title = desk_texts.topic_title(ticket, user, await self.agent_of(session, ticket), self.t)
        topic = await bot.create_forum_topic(
            self.chat_id, title, icon_custom_emoji_id=await self._icon(bot, ticket)
        )
        return topic.message_thread_id

    async def _reopen(self, bot: Bot, session: AsyncSession, ticket: Ticket) -> None:
        assert self.chat_id is not None and ticket.topic_id is not None
        try:
            await bot.reopen_forum_topic(self.chat_id, ticket.topic_id)
        except TelegramAPIError as exc:  # not closed, or deleted (the card post finds out)
            logger.info("ticket {}: topic not reopened: {}", ticket.id, exc.message)
        await self.refresh_title(bot, session, ticket)

    async def _summarise_card(
        self, bot: Bot, ticket_id: int, card_id: int, lines: list[Line], names: tuple[str, ...]
    ) -> None:
        """Put the LLM's summary of the conversation on a posted card (in the background, in a
        session of its own); the card keeps its last messages when there is none."""
        assert self.assistant is not None and self.chat_id is not None
        assert self.sessionmaker is not None, "a desk with an assistant needs a sessionmaker"
        try:
            summary = await self.assistant.summarize(
                lines, language=self.i18n.default, ticket_id=ticket_id, names=names
            )
            if not summary:
                return
            async with self.sessionmaker() as session:
                ticket = await session.get(Ticket, ticket_id)
                user = await session.get(User, ticket.user_id) if ticket is not None else None
                if ticket is None or user is None or user.forget_requested_at:
                    return
                lead = await LeadRepository(session).newest_open(user.id)
                await bot.edit_message_text(
                    desk_texts.card(ticket, user, lead, summary, lines, self.t),
                    chat_id=self.chat_id,
                    message_id=card_id,
                    reply_markup=card_keyboard(ticket.id, self.t),
                )
        except Exception as exc:  # work in the background has nobody to report to but the log
            logger.warning("ticket {}: no summary on the card: {}", ticket_id, type(exc).__name__)

    async def lines(self, session: AsyncSession, ticket: Ticket, limit: int) -> list[Line]:
        """The conversation's last messages; none of a user who asked to be forgotten."""
        user = await session.get(User, ticket.user_id)
        if ticket.conversation_id is None or user is None or user.forget_requested_at:
            return []
        messages = await ConversationRepository(session).messages(ticket.conversation_id, limit)
        return [Line(str(m.sender_type), m.text) for m in messages if m.text]

    async def _icon(self, bot: Bot, ticket: Ticket) -> str | None:
        """The topic icon for the ticket's state: DESK_ICON_* when set, else one of Telegram's
        topic icons chosen by its emoji (looked up once)."""
        configured = getattr(self.settings.desk, f"icon_{ticket.status}", "")
        if configured:
            return str(configured)
        if self._icons is None:
            self._icons = await self._topic_icons(bot)
        return self._icons.get(str(ticket.status))

    async def _topic_icons(self, bot: Bot) -> dict[str, str]:
        try:
            stickers = await bot.get_forum_topic_icon_stickers()
        except TelegramAPIError as exc:
            logger.warning("topic icons unavailable, titles carry the state: {}", exc.message)
            return {}
        by_emoji = {
            (sticker.emoji or "").replace("\ufe0f", ""): sticker.custom_emoji_id
            for sticker in stickers
            if sticker.custom_emoji_id
        }
        icons: dict[str, str] = {}
        for state, wanted in STATE_ICONS.items():
            found = next((by_emoji[emoji] for emoji in wanted if emoji in by_emoji), None)
            if found is not None:
                icons[state.value] = found
        return icons

    async def agent_of(self, session: AsyncSession, ticket: Ticket) -> Agent | None:
        return None if ticket.claimed_by is None else await session.get(Agent, ticket.claimed_by)

    async def refresh_title(self, bot: Bot, session: AsyncSession, ticket: Ticket) -> None:
        if self.chat_id is None or ticket.topic_id is None:
            return
        user = await session.get(User, ticket.user_id)
        assert user is not None
        title = desk_texts.topic_title(ticket, user, await self.agent_of(session, ticket), self.t)
        try:
            await bot.edit_forum_topic(
                self.chat_id,
                ticket.topic_id,
                name=title,
                icon_custom_emoji_id=await self._icon(bot, ticket),
            )
        except TelegramAPIError as exc:
            logger.warning("ticket {}: title not changed: {}", ticket.id, exc.message)

    async def note(
        self,
        bot: Bot,
        ticket: Ticket,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        session: AsyncSession | None = None,
    ) -> Message | None:
        """An internal message in the ticket's topic (a reply to the card in a plain group).
        A note that shows the user's words (History, drafts) passes `session`: outside a topic
        it is recorded there, for the user's erasure."""
        if self.chat_id is None:
            return None
        reply = None
        if ticket.topic_id is None and ticket.card_message_id is not None:
            reply = ReplyParameters(
                message_id=ticket.card_message_id, allow_sending_without_reply=True
            )
        try:
            sent = await bot.send_message(
                self.chat_id,
                text,
                message_thread_id=ticket.topic_id,
                reply_parameters=reply,
                reply_markup=markup,
            )
        except TelegramAPIError as exc:
            logger.warning("ticket {}: note not posted: {}", ticket.id, exc.message)
            return None
        if session is not None and ticket.topic_id is None:
            await remember_post(session, ticket.user_id, sent, "note")
        return sent

    # The conversation log and the SLA

    def agent_acted(self, ticket: Ticket) -> None:
        now = utcnow()
        if ticket.first_reply_at is None:
            ticket.first_reply_at = now
            TICKET_TIME_TO_FIRST_REPLY.observe(desk_rules.seconds_since(ticket.opened_at, now))
        ticket.last_agent_activity_at = now

    async def record(
        self,
        session: AsyncSession,
        ticket: Ticket,
        sender: SenderType,
        message: Message,
        agent: Agent | None = None,
        text: str | None = None,
    ) -> None:
        if ticket.conversation_id is None:
            return
        await ConversationRepository(session).add_message(
            StoredMessage(
                conversation_id=ticket.conversation_id,
                sender_type=sender,
                agent_id=agent.id if agent else None,
                telegram_message_id=message.message_id,
                text=text if text is not None else _content(message),
                answer_source="agent" if sender == SenderType.AGENT else None,
            )
        )


def _content(message: Message) -> str:
    """What the history shows for a message: its text or caption, else its kind."""
    if message.text or message.caption:
        return (message.text or message.caption or "").strip()
    return f"[{message.content_type}]"
