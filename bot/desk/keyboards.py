"""The desk's buttons: the ticket card, the copilot's note, the rating and "back to the bot"."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.kernel.i18n import Translator


class TicketAction(StrEnum):
    CLAIM = "claim"
    HISTORY = "history"
    RETURN = "return"
    CLOSE = "close"


class DraftAction(StrEnum):
    SEND = "send"
    EDIT = "edit"
    DISCARD = "discard"


class TicketCallback(CallbackData, prefix="tk"):
    action: TicketAction
    ticket_id: int


class DraftCallback(CallbackData, prefix="dr"):
    action: DraftAction
    draft_id: int


class RateCallback(CallbackData, prefix="rate"):
    ticket_id: int
    stars: int


class BackToBotCallback(CallbackData, prefix="tobot"):
    pass


def card_keyboard(ticket_id: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in TicketAction:
        builder.button(
            text=t(f"desk-button-{action}"),
            callback_data=TicketCallback(action=action, ticket_id=ticket_id),
        )
    builder.adjust(2, 2)
    return builder.as_markup()


def draft_keyboard(draft_id: int, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in DraftAction:
        builder.button(
            text=t(f"desk-draft-{action}"),
            callback_data=DraftCallback(action=action, draft_id=draft_id),
        )
    builder.adjust(3)
    return builder.as_markup()


def rating_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for stars in range(1, 6):
        builder.button(
            text="⭐" * stars, callback_data=RateCallback(ticket_id=ticket_id, stars=stars)
        )
    builder.adjust(5)
    return builder.as_markup()


def back_to_bot_keyboard(t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("desk-button-to-bot"), callback_data=BackToBotCallback())
    return builder.as_markup()
