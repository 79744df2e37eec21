"""/start (with deep-link payloads) and the main menu's screens."""

from __future__ import annotations

from aiogram import F, Router, html
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager

from bot.kernel.i18n import Translator
from bot.kernel.users import record_source
from bot.telegram.menu import MenuAction, MenuCallback, main_menu
from db.models import User
from dialogs.intake import start_intake
from handlers.intake import leave_intake

INTAKE_LINK = "intake"


async def start(
    message: Message,
    command: CommandObject,
    i18n: Translator,
    user: User,
    state: FSMContext,
    dialog_manager: DialogManager,
) -> None:
    payload = (command.args or "").strip()
    record_source(user, payload)
    if payload == INTAKE_LINK or payload.startswith(INTAKE_LINK + "_"):
        # t.me/<bot>?start=intake_<source>: straight into the project intake.
        source = payload.removeprefix(INTAKE_LINK).lstrip("_") or "deeplink"
        await start_intake(dialog_manager, source=source[:64])
        return
    await leave_intake(dialog_manager)
    await state.clear()
    name = html.quote(message.from_user.first_name if message.from_user else "")
    await message.answer(i18n("start-welcome", name=name), reply_markup=main_menu(i18n))


async def start_project(query: CallbackQuery, dialog_manager: DialogManager) -> None:
    await query.answer()
    await start_intake(dialog_manager, source="menu")


async def home(query: CallbackQuery, i18n: Translator) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(i18n("menu-title"), reply_markup=main_menu(i18n))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.callback_query.register(home, MenuCallback.filter(F.action == MenuAction.HOME))
    router.callback_query.register(
        start_project, MenuCallback.filter(F.action == MenuAction.PROJECT)
    )
    # MenuAction.HUMAN ("Talk to a human") is the desk's: handlers/desk/user.py.
    return router
