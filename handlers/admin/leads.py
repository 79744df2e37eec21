"""`/admin leads [hot|warm|cold]`: the newest leads, a button per lead (its card, then its
conversation) and one for the CSV of every lead; in a private chat. Nobody who asked to be
forgotten is listed or shown."""

from __future__ import annotations

import html
import io
from enum import StrEnum

from aiogram import Bot
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk import texts as desk_texts
from bot.desk.assistant import Line
from bot.intake.export import export_csv
from bot.intake.leads import SCORE_EMOJI, lead_card
from bot.kernel.i18n import Translator
from db.base import utcnow
from db.models import LeadScore, User
from db.repositories.conversations import ConversationRepository
from db.repositories.leads import LeadRepository
from handlers.admin.command import AdminCall, Subcommand

LISTED = 10
HISTORY_LINES = 30
NAME_LIMIT = 24


class LeadAction(StrEnum):
    CARD = "card"
    CONVERSATION = "conv"
    CSV = "csv"


class LeadCallback(CallbackData, prefix="leads"):
    action: LeadAction
    lead_id: int = 0


def _label(lead_id: int, score: str | None, name: str | None) -> str:
    emoji = SCORE_EMOJI[LeadScore(score)] if score else "•"
    who = (name or "").strip()
    who = who if len(who) <= NAME_LIMIT else who[: NAME_LIMIT - 1] + "…"
    return f"#{lead_id} {emoji} {who}".rstrip()


async def leads(call: AdminCall) -> None:
    t = call.t
    scores = {score.value for score in LeadScore}
    score = call.args[0].lower() if call.args else None
    if len(call.args) > 1 or (score is not None and score not in scores):
        await call.answer(t("leads-admin-usage"))
        return
    found = await LeadRepository(call.session).newest(LISTED, score)
    builder = InlineKeyboardBuilder()
    for lead in found:
        builder.button(
            text=_label(lead.id, lead.score, lead.company or lead.name),
            callback_data=LeadCallback(action=LeadAction.CARD, lead_id=lead.id),
        )
    builder.button(text=t("leads-admin-csv"), callback_data=LeadCallback(action=LeadAction.CSV))
    builder.adjust(1)
    key = "leads-admin-title" if found else "leads-admin-none"
    await call.answer(t(key, count=len(found)), reply_markup=builder.as_markup())


def _conversation_keyboard(t: Translator, lead_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("leads-admin-conversation"),
        callback_data=LeadCallback(action=LeadAction.CONVERSATION, lead_id=lead_id),
    )
    return builder.as_markup()


async def on_lead_button(
    query: CallbackQuery,
    callback_data: LeadCallback,
    bot: Bot,
    session: AsyncSession,
    i18n: Translator,
) -> None:
    """A lead's card, its conversation or the CSV, pressed by an admin (the router checks the
    role again); answered in the admin's private chat."""
    await query.answer()
    chat = query.from_user.id
    if callback_data.action is LeadAction.CSV:
        out = io.StringIO(newline="")
        count = await export_csv(session, out)
        name = f"devbot-leads-{utcnow():%Y-%m-%d}.csv"
        document = BufferedInputFile(out.getvalue().encode("utf-8-sig"), filename=name)
        await bot.send_document(chat, document, caption=i18n("leads-admin-csv-caption",
                                                             count=count))  # fmt: skip
        return
    repo = LeadRepository(session)
    lead = await repo.visible_one(callback_data.lead_id)
    user = await session.get(User, lead.user_id) if lead is not None else None
    if lead is None or user is None:
        await bot.send_message(chat, i18n("leads-admin-gone", id=str(callback_data.lead_id)))
        return
    if callback_data.action is LeadAction.CARD:
        await bot.send_message(
            chat, lead_card(lead, user, i18n), reply_markup=_conversation_keyboard(i18n, lead.id)
        )
        return
    conversations = ConversationRepository(session)
    conversation_id = lead.conversation_id or await conversations.latest_id(user.id)
    messages = (
        await conversations.messages(conversation_id, HISTORY_LINES) if conversation_id else []
    )
    lines = [Line(str(m.sender_type), m.text) for m in messages if m.text]
    body = desk_texts.history_lines(lines, i18n) or [i18n("desk-card-no-messages")]
    title = i18n("leads-admin-history", id=str(lead.id), name=html.escape(lead.name or ""))
    for text in desk_texts.in_messages([title, *body]):
        await bot.send_message(chat, text)


SUBCOMMANDS = [Subcommand("leads", leads)]
