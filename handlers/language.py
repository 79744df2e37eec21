"""/language: the user picks the bot's language; the choice is stored on the user."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.kernel.i18n import I18n, Translator
from bot.telegram.menu import main_menu
from db.models import User


class LanguageCallback(CallbackData, prefix="lang"):
    code: str


async def choose(message: Message, i18n: Translator, i18n_hub: I18n) -> None:
    builder = InlineKeyboardBuilder()
    for code in i18n_hub.languages:
        label = i18n_hub.get(code)("language-name")
        builder.button(text=label, callback_data=LanguageCallback(code=code))
    await message.answer(i18n("language-choose"), reply_markup=builder.as_markup())


async def chosen(
    query: CallbackQuery, callback_data: LanguageCallback, i18n_hub: I18n, user: User
) -> None:
    if callback_data.code not in i18n_hub.languages:
        await query.answer()
        return
    user.language = callback_data.code
    t = i18n_hub.get(callback_data.code)
    await query.answer(t("language-set"))
    if isinstance(query.message, Message):
        await query.message.edit_text(t("language-set"), reply_markup=main_menu(t))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(choose, Command("language"))
    router.callback_query.register(chosen, LanguageCallback.filter())
    return router
