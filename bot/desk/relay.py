"""The relay between a user and their ticket's topic: the user's messages copied into the topic
(recreating it when someone deleted it), the agents' messages copied to the user, and agents'
edits applied to the copies. copyMessage, never forwardMessage: a hidden forward loses who
sent it. A user who blocked the bot is marked once and nothing is retried."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import Message, ReplyParameters
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.topics import IN, OUT, Desk
from bot.telegram.client import thread_gone
from db.models import Agent, SenderType, Ticket, TicketStatus, User
from db.repositories.tickets import TicketRepository


async def relay_from_user(
    desk: Desk, bot: Bot, session: AsyncSession, ticket: Ticket, user: User, message: Message
) -> None:
    await desk.record(session, ticket, SenderType.USER, message)
    await session.commit()
    if desk.chat_id is None:
        return
    topic = await desk.ensure_topic(bot, session, ticket, user)
    try:
        copied = await _copy_in(desk, bot, ticket, message, topic)
    except TelegramBadRequest as exc:
        if topic is None or not thread_gone(exc):
            raise
        # Someone deleted the topic: a new one with a new card, and the relay goes on.
        topic = await desk.ensure_topic(bot, session, ticket, user, recreate=True)
        copied = await _copy_in(desk, bot, ticket, message, topic)
    await TicketRepository(session).add_relay(ticket.id, IN, message.message_id, copied)
    await session.commit()


async def _copy_in(
    desk: Desk, bot: Bot, ticket: Ticket, message: Message, topic: int | None
) -> int:
    assert desk.chat_id is not None
    reply = None
    if topic is None and ticket.card_message_id is not None:
        reply = ReplyParameters(
            message_id=ticket.card_message_id, allow_sending_without_reply=True
        )
    copied = await bot.copy_message(
        desk.chat_id,
        message.chat.id,
        message.message_id,
        message_thread_id=topic,
        reply_parameters=reply,
    )
    return copied.message_id


async def relay_from_agent(
    desk: Desk, bot: Bot, session: AsyncSession, ticket: Ticket, agent: Agent, message: Message
) -> bool:
    """Copy an agent's message to the user; False when the user blocked the bot."""
    user = await session.get(User, ticket.user_id)
    assert user is not None and desk.chat_id is not None
    if user.is_blocked:
        await desk.note(bot, ticket, desk.t("desk-user-blocked"))
        return False
    try:
        copied = await bot.copy_message(user.id, desk.chat_id, message.message_id)
    except TelegramForbiddenError:
        # Blocked: mark it once and tell the agents; nothing is retried.
        user.is_blocked = True
        await session.commit()
        await desk.note(bot, ticket, desk.t("desk-user-blocked"))
        return False
    repo = TicketRepository(session)
    await repo.add_relay(ticket.id, OUT, copied.message_id, message.message_id)
    await desk.record(session, ticket, SenderType.AGENT, message, agent=agent)
    desk.agent_acted(ticket)
    await session.commit()
    return True


async def apply_edit(desk: Desk, bot: Bot, session: AsyncSession, message: Message) -> bool:
    """An agent edited a relayed message: apply the edit to the user's copy, unless the
    ticket is closed (the conversation is over for the user, as for a new reply)."""
    relay = await TicketRepository(session).relay_of(message.message_id, OUT)
    if relay is None:
        return False
    ticket = await session.get(Ticket, relay.ticket_id)
    assert ticket is not None
    if ticket.status == TicketStatus.CLOSED:
        await desk.note(bot, ticket, desk.t("desk-edit-closed"))
        return False
    try:
        if message.text is not None:
            await bot.edit_message_text(
                message.html_text,
                chat_id=ticket.user_id,
                message_id=relay.user_message_id,
                parse_mode="HTML",
            )
        elif message.caption is not None:
            await bot.edit_message_caption(
                chat_id=ticket.user_id,
                message_id=relay.user_message_id,
                caption=message.html_text,
                parse_mode="HTML",
            )
    except TelegramAPIError as exc:  # unchanged, deleted by the user, blocked
        logger.info("ticket {}: edit not applied: {}", ticket.id, exc.message)
        return False
    return True
