"""What agents do to a ticket: claim, release, transfer, close (or return it to the bot),
templates and the copilot's drafts. Each returns the line to answer the agent with, in the
agents' language; every claim and transfer goes to the audit log."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Collection
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup
from aiogram.types import User as TelegramUser
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consult.consultant import person_names
from bot.desk import rules as desk_rules
from bot.desk import texts as desk_texts
from bot.desk.assistant import Line
from bot.desk.keyboards import draft_keyboard, rating_keyboard
from bot.desk.roles import role_with
from bot.desk.rules import seconds_since
from bot.desk.topics import ASSISTANT_HISTORY, Desk
from bot.kernel.i18n import Translator
from bot.kernel.metrics import TICKET_TIME_TO_CLAIM, TICKET_TIME_TO_CLOSE
from db.base import utcnow
from db.models import (
    ActorType,
    Agent,
    AgentRole,
    Conversation,
    ConversationStatus,
    DeskDraft,
    SenderType,
    Ticket,
    TicketStatus,
    User,
)
from db.repositories import audit as audit_log
from db.repositories.leads import LeadRepository
from db.repositories.tickets import AgentRepository, TicketRepository
from db.repositories.users import UserRepository

COPILOT_TIMEOUT = 20.0
HISTORY_LINES = 20


async def agent_for(
    session: AsyncSession, person: TelegramUser, admin_ids: Collection[int]
) -> tuple[Agent, AgentRole] | None:
    """The person's agent row and role; ADMIN_IDS get a row on first use (tickets point to
    agents). None for someone who is not an agent."""
    repo = AgentRepository(session)
    agent = await repo.by_telegram_id(person.id)
    role = role_with(person.id, agent, admin_ids)
    if role is None:
        return None
    if agent is None:
        agent = await repo.add(
            Agent(
                telegram_id=person.id,
                name=person.full_name[:128],
                username=person.username,
                role=AgentRole.SUPERADMIN,
            )
        )
    elif not agent.is_active:  # an admin id whose agent row was removed
        agent.is_active = True
    return agent, role


def audit(
    session: AsyncSession,
    actor: Agent,
    action: str,
    target_type: str,
    target_id: int,
    **details: object,
) -> None:
    audit_log.record(
        session,
        action,
        actor_type=ActorType.AGENT,
        actor_id=actor.telegram_id,
        target_type=target_type,
        target_id=target_id,
        details=details or None,
    )


@dataclass(frozen=True)
class Claimed:
    """What a claim came to: `key` is the answer's locale key; `holder` who has the ticket."""

    key: str
    holder: str | None = None

    @property
    def won(self) -> bool:
        return self.key == "desk-claim-done"

    def text(self, t: Translator, *, markup: bool = True) -> str:
        """The answer; `markup=False` for a callback alert, which Telegram shows as plain text."""
        if self.holder is None:
            return t(self.key)
        return t(self.key, agent=html.escape(self.holder) if markup else self.holder)


async def taken_by(desk: Desk, session: AsyncSession, ticket: Ticket) -> str:
    """ "Already taken by X", for HTML messages and notes."""
    holder = await desk.agent_of(session, ticket)
    return Claimed("desk-claim-taken", holder.name if holder else "?").text(desk.t)


async def claim(
    desk: Desk, bot: Bot, session: AsyncSession, ticket: Ticket, agent: Agent, role: AgentRole
) -> Claimed:
    if refusal := desk_rules.claim_refusal(ticket, role):
        return Claimed(refusal)
    won = await TicketRepository(session).claim(ticket.id, agent.id, utcnow())
    if won:
        audit(session, agent, "ticket.claim", "ticket", ticket.id)
    await session.commit()
    await session.refresh(ticket)
    if not won:
        key = desk_rules.lost_claim(ticket, agent.id)
        if key != "desk-claim-taken":
            return Claimed(key)
        holder = await desk.agent_of(session, ticket)
        return Claimed(key, holder.name if holder else "?")
    TICKET_TIME_TO_CLAIM.observe(seconds_since(ticket.opened_at, utcnow()))
    await desk.refresh_title(bot, session, ticket)
    await desk.note(bot, ticket, desk.t("desk-claimed-note", agent=html.escape(agent.name)))
    user = await session.get(User, ticket.user_id)
    assert user is not None
    await tell_user(desk, bot, session, user, "desk-claimed-user", agent=html.escape(agent.name))
    await copilot(desk, bot, session, ticket, user)
    return Claimed("desk-claim-done")


async def take_for_reply(
    desk: Desk, bot: Bot, session: AsyncSession, ticket: Ticket, agent: Agent, role: AgentRole
) -> Claimed | None:
    """Why `agent` may not talk to the user of `ticket`, or None when they may: the rules of a
    reply, for the agent's own messages, templates and the copilot's drafts alike. Only the
    holder talks to the user (seniors too: they /transfer first); talking on an unclaimed
    ticket claims it, so an urgent one needs a senior."""
    if ticket.status == TicketStatus.CLOSED:
        return Claimed("desk-ticket-closed")
    if ticket.claimed_by is None:
        # The user must know who is talking.
        claimed = await claim(desk, bot, session, ticket, agent, role)
        return None if claimed.won else claimed
    if ticket.claimed_by != agent.id:
        holder = await desk.agent_of(session, ticket)
        return Claimed("desk-claim-taken", holder.name if holder else "?")
    return None


async def release(
    desk: Desk, bot: Bot, session: AsyncSession, ticket: Ticket, agent: Agent | None, *, why: str
) -> None:
    """Give a claimed ticket back to the queue (`why`: "released" or "silent")."""
    previous = await desk.agent_of(session, ticket)
    ticket.status, ticket.claimed_by = TicketStatus.OPEN, None
    if agent is not None:
        audit(session, agent, "ticket.release", "ticket", ticket.id)
    await session.commit()
    await desk.refresh_title(bot, session, ticket)
    name = html.escape(previous.name if previous else "?")
    await desk.note(bot, ticket, desk.t(f"desk-{why}-note", agent=name))


async def agent_named(session: AsyncSession, handle: str) -> Agent | None:
    """The active agent `handle` (@username or id) names now: whoever holds the handle today, by
    Telegram id. An agent row's remembered username counts only when nobody is known to hold
    it: a handle an agent gave up, taken by someone else, does not name the agent."""
    repo = AgentRepository(session)
    holder = await UserRepository(session=session).find(handle)
    if holder is not None:
        agent = await repo.by_telegram_id(holder.id)
        return agent if agent is not None and agent.is_active else None
    return await repo.by_username(handle)


async def transfer(
    desk: Desk, bot: Bot, session: AsyncSession, ticket: Ticket, agent: Agent, handle: str
) -> str:
    target = await agent_named(session, handle)
    admins = desk.settings.telegram.admin_ids
    role = None if target is None else role_with(target.telegram_id, target, admins)
    if target is None or role is None:
        return desk.t("desk-transfer-unknown", handle=html.escape(handle))
    # Handing a ticket over is claiming it for someone: the same rule (urgent needs a senior).
    if desk_rules.claim_refusal(ticket, role):
        return desk.t("desk-transfer-needs-senior", agent=html.escape(target.name))
    ticket.status, ticket.claimed_by = TicketStatus.CLAIMED, target.id
    ticket.claimed_at = ticket.claimed_at or utcnow()
    ticket.last_agent_activity_at = utcnow()
    audit(session, agent, "ticket.transfer", "ticket", ticket.id, to=target.telegram_id)
    await session.commit()
    await desk.refresh_title(bot, session, ticket)
    return desk.t("desk-transferred", agent=html.escape(target.name))


async def close(
    desk: Desk,
    bot: Bot,
    session: AsyncSession,
    ticket: Ticket,
    agent: Agent | None,
    *,
    rate: bool,
    by_user: bool = False,
) -> str:
    """Close the ticket and give the user back to the bot; `rate`: ask for a 1-5 rating;
    `by_user`: the user went back to the bot themselves (/bot)."""
    if ticket.status == TicketStatus.CLOSED:
        return desk.t("desk-ticket-closed")
    now = utcnow()
    ticket.status, ticket.closed_at = TicketStatus.CLOSED, now
    if ticket.conversation_id is not None:
        conversation = await session.get(Conversation, ticket.conversation_id)
        if conversation is not None:
            conversation.status = ConversationStatus.BOT
    if agent is not None:
        audit(session, agent, "ticket.close" if rate else "ticket.return", "ticket", ticket.id)
    await session.commit()
    TICKET_TIME_TO_CLOSE.observe(seconds_since(ticket.opened_at, now))
    await desk.refresh_title(bot, session, ticket)
    if desk.chat_id is not None and ticket.topic_id is not None:
        try:
            await bot.close_forum_topic(desk.chat_id, ticket.topic_id)
        except TelegramAPIError as exc:
            logger.warning("ticket {}: topic not closed: {}", ticket.id, exc.message)
    user = await session.get(User, ticket.user_id)
    assert user is not None
    if rate:
        markup = rating_keyboard(ticket.id)
        await tell_user(desk, bot, session, user, "desk-closed-user", markup=markup)
    else:
        await tell_user(desk, bot, session, user, "desk-returned-user")
    if by_user:
        await desk.note(bot, ticket, desk.t("desk-user-left-note"))
    return desk.t("desk-closed-note" if rate else "desk-returned-note")


async def tell_user(
    desk: Desk,
    bot: Bot,
    session: AsyncSession,
    user: User,
    key: str,
    markup: InlineKeyboardMarkup | None = None,
    **values: object,
) -> None:
    """A desk notice to the user in their language; a blocked bot is noted, not retried."""
    if user.is_blocked:
        return
    t = desk.i18n.get(user.language)
    try:
        await bot.send_message(user.id, t(key, **values), reply_markup=markup)
    except TelegramForbiddenError:
        user.is_blocked = True
        await session.commit()


async def history(desk: Desk, session: AsyncSession, ticket: Ticket) -> list[str]:
    """The ticket's last messages, in as many messages as Telegram's length limit needs."""
    lines = await desk.lines(session, ticket, HISTORY_LINES)
    body = desk_texts.history_lines(lines, desk.t) or [desk.t("desk-card-no-messages")]
    return desk_texts.in_messages([desk.t("desk-history-title", id=str(ticket.id)), *body])


async def send_template(
    desk: Desk, bot: Bot, session: AsyncSession, ticket: Ticket, agent: Agent, name: str
) -> str:
    user = await session.get(User, ticket.user_id)
    assert user is not None
    lead = await LeadRepository(session).newest_open(user.id)
    text = desk_texts.template(
        name,
        desk.i18n.get(user.language),
        user=user,
        agent=agent,
        company=desk.settings.desk.company,
        lead=lead,
    )
    if not await send_as_agent(desk, bot, session, ticket, agent, user, text):
        return desk.t("desk-user-blocked")
    return desk.t("desk-template-sent", name=name)


async def send_as_agent(
    desk: Desk, bot: Bot, session: AsyncSession, ticket: Ticket, agent: Agent, user: User,
    text: str,
) -> bool:  # fmt: skip
    """Send HTML `text` to the user on the agent's behalf (templates, drafts)."""
    if user.is_blocked:
        return False
    try:
        sent = await bot.send_message(user.id, text)
    except TelegramForbiddenError:
        user.is_blocked = True
        await session.commit()
        return False
    await desk.record(session, ticket, SenderType.AGENT, sent, agent=agent, text=sent.text)
    desk.agent_acted(ticket)
    await session.commit()
    return True


async def copilot(desk: Desk, bot: Bot, session: AsyncSession, ticket: Ticket, user: User) -> None:
    """Post the assistant's suggested reply in the topic as an internal note with buttons.

    The LLM's wait runs in the background, so the user's next message reaches the agents
    without waiting for the suggestion."""
    if desk.assistant is None or desk.chat_id is None:
        return
    lines = await desk.lines(session, ticket, ASSISTANT_HISTORY)
    names = person_names(user, await LeadRepository(session).newest_open(user.id))
    desk.spawn(_draft_in_background(desk, bot, ticket, lines, user.language, names))


async def _draft_in_background(
    desk: Desk,
    bot: Bot,
    ticket: Ticket,
    lines: list[Line],
    language: str,
    names: tuple[str, ...],
) -> None:
    assert desk.sessionmaker is not None, "a desk with an assistant needs a sessionmaker"
    try:
        async with desk.sessionmaker() as session:
            await _draft(desk, bot, session, ticket, lines, language, names)
    except Exception as exc:  # a background task has nobody to report to but the log
        logger.warning("ticket {}: draft not posted: {}", ticket.id, type(exc).__name__)


async def _draft(
    desk: Desk,
    bot: Bot,
    session: AsyncSession,
    ticket: Ticket,
    lines: list[Line],
    language: str,
    names: tuple[str, ...],
) -> None:
    assert desk.assistant is not None
    try:
        async with asyncio.timeout(COPILOT_TIMEOUT):
            draft = await desk.assistant.draft_reply(
                lines, language=language, ticket_id=ticket.id, names=names
            )
    except Exception as exc:  # no suggestion this time; the agent answers anyway
        logger.warning("ticket {}: no draft: {}", ticket.id, type(exc).__name__)
        return
    if not draft or not draft.strip():
        return
    row = DeskDraft(ticket_id=ticket.id, text=draft.strip())
    session.add(row)
    await session.commit()
    text = desk.t("desk-draft-note", text=html.escape(row.text))
    await desk.note(bot, ticket, text, draft_keyboard(row.id, desk.t), session=session)
