"""The agents' side of the desk, in the AGENT_CHAT_ID group: the card's buttons, the copilot's
buttons, /t, /release, /transfer, /close, and the relay of agents' messages and edits.

A ticket is found by the topic a message is in (forum group) or by the card or copy it
replies to (plain group). Commands and messages starting with `//` stay in the group: they
are notes between agents. Only agents act; anyone else gets a short notice.
"""

from __future__ import annotations

import html
from typing import Any

from aiogram import Bot, F, Router
from aiogram.enums import ContentType
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.desk import actions as desk_actions
from bot.desk import relay as desk_relay
from bot.desk import rules as desk_rules
from bot.desk.keyboards import DraftAction, DraftCallback, TicketAction, TicketCallback
from bot.desk.texts import TEMPLATES
from bot.desk.topics import Desk
from bot.kernel.kv import Counters
from bot.telegram.callback_data import bounded
from db.models import Agent, AgentRole, DeskDraft, Ticket, TicketStatus, User
from db.repositories.tickets import TicketRepository

NOTE_PREFIX = "//"
# What an agent writes that copyMessage relays to the user as they wrote it.
RELAYABLE = frozenset(
    {
        ContentType.TEXT, ContentType.PHOTO, ContentType.VIDEO, ContentType.ANIMATION,
        ContentType.DOCUMENT, ContentType.AUDIO, ContentType.VOICE, ContentType.VIDEO_NOTE,
        ContentType.STICKER, ContentType.LIVE_PHOTO, ContentType.STORY, ContentType.CONTACT,
        ContentType.LOCATION, ContentType.VENUE, ContentType.DICE,
    }
)  # fmt: skip
# What an agent writes that cannot be a reply: the user's answers to a copied poll would go to
# the bot's copy, which no agent sees (and a quiz cannot be copied: the bot does not know its
# answer); games, invoices, paid media, giveaways and checklists are not copied at all. The
# agent hears so, and the ticket is not claimed for it. Anything else in a topic (a renamed,
# closed or reopened topic, a pin: service messages) is no reply either and is passed over.
NOT_RELAYABLE = frozenset(
    {
        ContentType.POLL, ContentType.GAME, ContentType.INVOICE, ContentType.PAID_MEDIA,
        ContentType.GIVEAWAY, ContentType.CHECKLIST,
    }
)  # fmt: skip


class InAgentChat(Filter):
    async def __call__(self, event: Any, settings: Settings) -> bool:
        message = event.message if isinstance(event, CallbackQuery) else event
        chat = getattr(message, "chat", None)
        return chat is not None and chat.id == settings.telegram.agent_chat_id


class AsAgent(Filter):
    """Passes for agents, with `agent` and `role`; `refuse` answers everyone else."""

    async def __call__(
        self, event: Message | CallbackQuery, session: AsyncSession, settings: Settings
    ) -> bool | dict[str, Any]:
        if event.from_user is None or event.from_user.is_bot:
            return False
        found = await desk_actions.agent_for(session, event.from_user, settings.telegram.admin_ids)
        return {"agent": found[0], "role": found[1]} if found is not None else False


# A non-agent chatting in the group hears why once in this many seconds, not on every message.
REFUSAL_EVERY = 600


async def refuse(event: Message | CallbackQuery, desk: Desk, counters: Counters) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(desk.t("desk-not-agent"), show_alert=True)
    elif event.from_user is not None and not event.from_user.is_bot:
        told = await counters.hit(f"desk-refused:{event.from_user.id}", REFUSAL_EVERY)
        if told == 1:
            await event.reply(desk.t("desk-not-agent"))


async def ticket_of(message: Message, session: AsyncSession) -> Ticket | None:
    repo = TicketRepository(session)
    if message.is_topic_message and message.message_thread_id is not None:
        return await repo.by_topic(message.message_thread_id)
    if message.reply_to_message is not None:
        return await repo.by_group_message(message.reply_to_message.message_id)
    return None


class InTicket(Filter):
    """Passes for messages in a ticket's topic (or replying to its card or copies)."""

    async def __call__(self, message: Message, session: AsyncSession) -> bool | dict[str, Any]:
        ticket = await ticket_of(message, session)
        return {"ticket": ticket} if ticket is not None else False


async def holder_refusal(
    desk: Desk, session: AsyncSession, ticket: Ticket, agent: Agent, role: AgentRole
) -> str | None:
    """Why `agent` may not act on `ticket` (another agent holds it), or None."""
    if desk_rules.may_act(ticket, agent.id, role):
        return None
    return await desk_actions.taken_by(desk, session, ticket)


async def workable(
    message: Message, session: AsyncSession, desk: Desk, agent: Agent, role: AgentRole
) -> Ticket | None:
    """The open ticket of this topic if `agent` may work on it; else answer why not."""
    ticket = await ticket_of(message, session)
    if ticket is None or ticket.status == TicketStatus.CLOSED:
        await message.reply(desk.t("desk-no-ticket-here"))
        return None
    if refusal := await holder_refusal(desk, session, ticket, agent, role):
        await message.reply(refusal)
        return None
    return ticket


async def on_ticket_button(
    query: CallbackQuery,
    callback_data: TicketCallback,
    bot: Bot,
    session: AsyncSession,
    desk: Desk,
    agent: Agent,
    role: AgentRole,
) -> None:
    ticket = await TicketRepository(session).get(callback_data.ticket_id)
    if ticket is None:
        await query.answer(desk.t("desk-ticket-closed"), show_alert=True)
        return
    action = callback_data.action
    if action == TicketAction.CLAIM:
        claimed = await desk_actions.claim(desk, bot, session, ticket, agent, role)
        await query.answer(claimed.text(desk.t, markup=False), show_alert=not claimed.won)
        return
    if action == TicketAction.HISTORY:
        posted = [
            await desk.note(bot, ticket, part, session=session)
            for part in await desk_actions.history(desk, session, ticket)
        ]
        if None in posted:  # never silently: the agent hears that (some of) it is missing
            await query.answer(desk.t("desk-history-failed"), show_alert=True)
        else:
            await query.answer()
        return
    await query.answer()
    if ticket.status == TicketStatus.CLOSED:
        await desk.note(bot, ticket, desk.t("desk-ticket-closed"))
        return
    if refusal := await holder_refusal(desk, session, ticket, agent, role):
        await desk.note(bot, ticket, refusal)
        return
    rate = action == TicketAction.CLOSE
    await desk.note(
        bot, ticket, await desk_actions.close(desk, bot, session, ticket, agent, rate=rate)
    )


async def on_draft_button(
    query: CallbackQuery,
    callback_data: DraftCallback,
    bot: Bot,
    session: AsyncSession,
    desk: Desk,
    agent: Agent,
    role: AgentRole,
) -> None:
    draft = await session.get(DeskDraft, callback_data.draft_id)
    ticket = await TicketRepository(session).get(draft.ticket_id) if draft else None
    if draft is None or ticket is None or ticket.status == TicketStatus.CLOSED:
        await query.answer(desk.t("desk-draft-gone"), show_alert=True)
        return
    # Sending a draft is replying to the user; using it up otherwise is working the ticket.
    if callback_data.action == DraftAction.SEND:
        refusal = await desk_actions.take_for_reply(desk, bot, session, ticket, agent, role)
    elif not desk_rules.may_act(ticket, agent.id, role):
        holder = await desk.agent_of(session, ticket)
        refusal = desk_actions.Claimed("desk-claim-taken", holder.name if holder else "?")
    else:
        refusal = None
    if refusal is not None:
        await query.answer(refusal.text(desk.t, markup=False), show_alert=True)
        return
    await query.answer()
    note = query.message if isinstance(query.message, Message) else None
    if callback_data.action == DraftAction.SEND:
        user = await session.get(User, ticket.user_id)
        assert user is not None
        sent = await desk_actions.send_as_agent(
            desk, bot, session, ticket, agent, user, html.escape(draft.text)
        )
        result = (
            desk.t("desk-draft-sent", agent=html.escape(agent.name))
            if sent
            else desk.t("desk-user-blocked")
        )
    elif callback_data.action == DraftAction.EDIT:
        # Bots cannot prefill an agent's input box: the draft comes back as text to copy.
        await desk.note(bot, ticket, f"<code>{html.escape(draft.text)}</code>", session=session)
        result = desk.t("desk-draft-editing", agent=html.escape(agent.name))
    else:
        result = desk.t("desk-draft-discarded", agent=html.escape(agent.name))
    await session.delete(draft)
    await session.commit()
    if note is not None:
        await note.edit_text(f"{note.html_text}\n\n{result}")


async def on_template(
    message: Message,
    command: CommandObject,
    bot: Bot,
    session: AsyncSession,
    desk: Desk,
    agent: Agent,
    role: AgentRole,
) -> None:
    name = (command.args or "").strip().lower()
    if not name:
        await message.reply(desk.t("desk-templates", names=", ".join(TEMPLATES)))
        return
    if name not in TEMPLATES:
        await message.reply(desk.t("desk-template-unknown", names=", ".join(TEMPLATES)))
        return
    ticket = await ticket_of(message, session)
    if ticket is None or ticket.status == TicketStatus.CLOSED:
        await message.reply(desk.t("desk-no-ticket-here"))
        return
    # A template is a reply to the user: the rules of a reply, not of working the ticket.
    if refusal := await desk_actions.take_for_reply(desk, bot, session, ticket, agent, role):
        await message.reply(refusal.text(desk.t))
        return
    reply = await desk_actions.send_template(desk, bot, session, ticket, agent, name)
    await message.reply(reply)


async def on_release(
    message: Message, bot: Bot, session: AsyncSession, desk: Desk, agent: Agent, role: AgentRole
) -> None:
    ticket = await workable(message, session, desk, agent, role)
    if ticket is None:
        return
    if ticket.status != TicketStatus.CLAIMED:
        await message.reply(desk.t("desk-no-ticket-here"))
        return
    await desk_actions.release(desk, bot, session, ticket, agent, why="released")


async def on_transfer(
    message: Message,
    command: CommandObject,
    bot: Bot,
    session: AsyncSession,
    desk: Desk,
    agent: Agent,
    role: AgentRole,
) -> None:
    ticket = await workable(message, session, desk, agent, role)
    handle = (command.args or "").strip()
    if ticket is None:
        return
    if not handle.startswith("@") or len(handle) < 2:
        await message.reply(desk.t("desk-transfer-usage"))
        return
    await message.reply(await desk_actions.transfer(desk, bot, session, ticket, agent, handle))


async def on_close(
    message: Message, bot: Bot, session: AsyncSession, desk: Desk, agent: Agent, role: AgentRole
) -> None:
    ticket = await workable(message, session, desk, agent, role)
    if ticket is None:
        return
    await message.reply(await desk_actions.close(desk, bot, session, ticket, agent, rate=True))


async def on_agent_message(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    desk: Desk,
    agent: Agent,
    role: AgentRole,
    ticket: Ticket,
) -> None:
    if refusal := await desk_actions.take_for_reply(desk, bot, session, ticket, agent, role):
        await message.reply(refusal.text(desk.t))
        return
    await desk_relay.relay_from_agent(desk, bot, session, ticket, agent, message)


async def on_not_relayable(message: Message, desk: Desk) -> None:
    await message.reply(desk.t("desk-not-relayable"))


async def on_agent_edit(message: Message, bot: Bot, session: AsyncSession, desk: Desk) -> None:
    await desk_relay.apply_edit(desk, bot, session, message)


def create_router() -> Router:
    router = Router(name=__name__)
    agent = AsAgent()
    commands = Command("t", "release", "transfer", "close")
    router.callback_query.register(on_ticket_button, bounded(TicketCallback), agent)
    router.callback_query.register(on_draft_button, bounded(DraftCallback), agent)
    router.message.register(on_template, Command("t"), agent)
    router.message.register(on_release, Command("release"), agent)
    router.message.register(on_transfer, Command("transfer"), agent)
    router.message.register(on_close, Command("close"), agent)
    router.callback_query.register(refuse, bounded(TicketCallback))
    router.callback_query.register(refuse, bounded(DraftCallback))
    router.message.register(refuse, commands)
    # Notes between agents stay in the group.
    router.message.register(_ignore, F.text.startswith(NOTE_PREFIX))
    router.message.register(_ignore, F.caption.startswith(NOTE_PREFIX))
    # Other commands are not messages for the user (and may belong to other routers).
    not_command = ~F.text.startswith("/")
    relayable = F.content_type.in_(RELAYABLE)
    router.message.register(on_agent_message, relayable, not_command, InTicket(), agent)
    router.message.register(on_not_relayable, F.content_type.in_(NOT_RELAYABLE), InTicket(), agent)
    written = F.content_type.in_(RELAYABLE | NOT_RELAYABLE)
    router.message.register(refuse, written, not_command, InTicket())
    router.edited_message.register(on_agent_edit, agent)
    return router


async def _ignore(message: Message) -> None:
    return None
