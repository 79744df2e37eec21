"""The button under every broadcast message: the person stops getting them (handlers/broadcast.py
answers the press)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.kernel.i18n import Translator


class StopBroadcastsCallback(CallbackData, prefix="bc-stop"):
    pass


def stop_keyboard(t: Translator) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=t("broadcast-button-stop"), callback_data=StopBroadcastsCallback())
    return keyboard.as_markup()
