"""/help and /cancel: available in every state."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram_dialog import DialogManager

from bot.kernel.i18n import Translator
from bot.telegram.menu import main_menu
from handlers.intake import leave_intake


async def help_command(message: Message, i18n: Translator) -> None:
    await message.answer(i18n("help"), reply_markup=main_menu(i18n))


async def cancel(
    message: Message,
    i18n: Translator,
    state: FSMContext,
    dialog_manager: DialogManager,
) -> None:
    had_flow = dialog_manager.has_context() or await state.get_state() is not None
    await leave_intake(dialog_manager)
    if not had_flow:
        await message.answer(i18n("cancel-nothing"))
        return
    await state.clear()
    await message.answer(i18n("cancel-done"), reply_markup=main_menu(i18n))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(help_command, Command("help"))
    router.message.register(cancel, Command("cancel"))
    return router
