"""The user's side of the desk: asking for a person (/human, the menu and FAQ buttons, and the
triggers in what they write), their messages relayed while a ticket is open, /bot to go back,
and the rating after an agent closes the ticket.

Before the intake and the FAQ in handlers/__init__.py: while a ticket is open, what the user
writes belongs to the agents, and the bot does not answer it itself.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.desk.actions import close, copilot
from bot.desk.escalation import Reason, Trigger, message_trigger
from bot.desk.keyboards import BackToBotCallback, RateCallback
from bot.desk.relay import relay_from_user
from bot.desk.rules import take_contact_email
from bot.desk.topics import Desk
from bot.faq.answers import CONFIDENT
from bot.faq.intents import IntentDetector
from bot.files.store import receive_file
from bot.kernel.conversations import record_user_message
from bot.kernel.i18n import Translator
from bot.kernel.metrics import RATINGS
from bot.telegram.callback_data import bounded
from bot.telegram.menu import MenuAction, MenuCallback
from db.models import Ticket, TicketStatus, User
from db.repositories import ConversationRepository
from db.repositories.tickets import TicketRepository
from handlers.faq.keyboards import ActionCallback
from handlers.files import describe
from handlers.intake import leave_intake


class OpenTicket(Filter):
    """Passes when the user has a ticket that is not closed, as `ticket`."""

    async def __call__(
        self, event: Any, session: AsyncSession, user: User
    ) -> bool | dict[str, Any]:
        ticket = await TicketRepository(session).open_of(user.id)
        return {"ticket": ticket} if ticket is not None else False


class Escalating(Filter):
    """Passes when the user's text sets off a trigger (incident, a request for a person,
    frustration), as `trigger`."""

    async def __call__(
        self, message: Message, session: AsyncSession, user: User, detector: IntentDetector
    ) -> bool | dict[str, Any]:
        text = message.text or ""
        detection = detector.detect(text)
        intent = detection.intent if detection.confidence >= CONFIDENT else None
        conversations = ConversationRepository(session)
        conversation = await conversations.current(user.id)
        previous = await conversations.recent_user_texts(conversation.id) if conversation else []
        trigger = message_trigger(text, intent, previous)
        return {"trigger": trigger, "intent": detection.intent} if trigger else False


async def ask_for_human(
    event: Message | CallbackQuery,
    bot: Bot,
    session: AsyncSession,
    user: User,
    desk: Desk,
    state: FSMContext,
    dialog_manager: DialogManager,
    i18n: Translator,
) -> None:
    """/human, the menu's and the FAQ's "Talk to a human": any flow gives way to the agents.

    Tapped again while a ticket is open, or too soon or too often after the last one, it opens
    nothing and says why: a person tapping on must not flood the agents' group."""
    refusal: str | None = "desk-already-open"
    if await TicketRepository(session).open_of(user.id) is None:
        refusal = await desk.opening_refusal(session, user)
    if refusal is not None:
        await answer(event, i18n(refusal))
        return
    if isinstance(event, CallbackQuery):
        await event.answer()
    await leave_intake(dialog_manager)
    await state.clear()
    await desk.escalate(bot, session, user, Trigger.of(Reason.REQUESTED))


async def on_trigger(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    user: User,
    desk: Desk,
    trigger: Trigger,
    intent: str,
) -> None:
    # The message that set it off belongs in the history the agents see on the card.
    await record_user_message(session, user, message.message_id, message.text, intent)
    await desk.escalate(bot, session, user, trigger)


async def relay(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    user: User,
    desk: Desk,
    ticket: Ticket,
    i18n: Translator,
    settings: Settings,
) -> None:
    if take_contact_email(ticket, message.text):
        await message.answer(i18n("desk-email-saved"))
    # Files pass the same checks as outside a ticket; a refused one never reaches the agents.
    upload = await receive_file(bot, session, settings.files, user_id=user.id, message=message,
                                conversation_id=ticket.conversation_id)  # fmt: skip
    if upload is not None and not upload.accepted:
        await message.answer(describe([upload], i18n, settings.files.file_max_mb))
        return
    await relay_from_user(desk, bot, session, ticket, user, message)
    await copilot(desk, bot, session, ticket, user)


async def answer(event: Message | CallbackQuery, text: str) -> None:
    """Answer a command with a message, a button with a notice on the button (no message)."""
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    else:
        await event.answer(text)


async def back_to_bot(
    event: Message | CallbackQuery,
    bot: Bot,
    session: AsyncSession,
    user: User,
    desk: Desk,
    i18n: Translator,
) -> None:
    ticket = await TicketRepository(session).open_of(user.id)
    if ticket is None:  # nothing to go back from: an answer, and nothing else happens
        await answer(event, i18n("desk-no-ticket"))
        return
    if isinstance(event, CallbackQuery):
        await event.answer()
    await close(desk, bot, session, ticket, None, rate=False, by_user=True)


async def rate(
    query: CallbackQuery,
    callback_data: RateCallback,
    session: AsyncSession,
    user: User,
    i18n: Translator,
) -> None:
    ticket = await TicketRepository(session).get(callback_data.ticket_id)
    if (
        ticket is None
        or ticket.user_id != user.id
        or ticket.status != TicketStatus.CLOSED
        or not 1 <= callback_data.stars <= 5
    ):
        await query.answer(i18n("stale-button"), show_alert=True)
        return
    first = ticket.rating is None
    ticket.rating = callback_data.stars
    await session.commit()
    if first:
        RATINGS.labels(str(callback_data.stars)).inc()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(i18n("desk-rated", stars=callback_data.stars))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(ask_for_human, Command("human"))
    router.message.register(back_to_bot, Command("bot"))
    router.callback_query.register(back_to_bot, BackToBotCallback.filter())
    router.callback_query.register(
        ask_for_human, MenuCallback.filter(F.action == MenuAction.HUMAN)
    )
    # "Book a free call" is a person's job too.
    router.callback_query.register(
        ask_for_human, ActionCallback.filter(F.action.in_({"human", "consultation"}))
    )
    router.callback_query.register(rate, bounded(RateCallback))
    # Commands stay with their routers (/help, /cancel, ...); everything else goes to the topic.
    router.message.register(relay, ~F.text.startswith("/"), OpenTicket())
    # Before the FAQ answers: incidents, requests for a person, frustration.
    router.message.register(
        on_trigger, F.text, ~F.text.startswith("/"), StateFilter(None), Escalating()
    )
    return router
