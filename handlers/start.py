"""/start (with deep-link payloads) and the main menu's screens."""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translator
from bot.services.users import record_source
from db.models import User
from handlers.menu import MenuAction, MenuCallback, back_to_menu, main_menu

SCREENS = {MenuAction.PROJECT: "screen-project", MenuAction.HUMAN: "screen-human"}


async def start(
    message: Message,
    command: CommandObject,
    i18n: Translator,
    user: User,
    state: FSMContext,
) -> None:
    await state.clear()
    record_source(user, command.args)
    name = html.quote(message.from_user.first_name if message.from_user else "")
    await message.answer(i18n("start-welcome", name=name), reply_markup=main_menu(i18n))


async def home(query: CallbackQuery, i18n: Translator) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(i18n("menu-title"), reply_markup=main_menu(i18n))


async def screen(query: CallbackQuery, callback_data: MenuCallback, i18n: Translator) -> None:
    await query.answer()
    text = i18n(SCREENS[callback_data.action])
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=back_to_menu(i18n))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.callback_query.register(home, MenuCallback.filter(F.action == MenuAction.HOME))
    router.callback_query.register(
        screen, MenuCallback.filter(F.action.in_({MenuAction.PROJECT, MenuAction.HUMAN}))
    )
    return router
