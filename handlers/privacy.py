"""GDPR commands: /mydata, /forgetme (confirmed with a button), /forgetme cancel. The admins'
`/admin gdpr` is in handlers/admin/gdpr.py."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.kernel.i18n import Translator
from bot.privacy import gdpr as privacy
from bot.privacy.unfinished import unfinished_flows
from db.base import utcnow
from db.models import User
from handlers.intake import leave_intake


class ForgetAction(StrEnum):
    CONFIRM = "confirm"
    KEEP = "keep"


class ForgetCallback(CallbackData, prefix="forget"):
    action: ForgetAction


def day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


def confirm_keyboard(
    i18n: Translator, yes: CallbackData, no: CallbackData
) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=i18n("privacy-button-forget"), callback_data=yes)
    keyboard.button(text=i18n("privacy-button-keep"), callback_data=no)
    keyboard.adjust(1)
    return keyboard.as_markup()


def export_file(data: bytes) -> BufferedInputFile:
    return BufferedInputFile(data, filename=f"devbot-data-{utcnow():%Y-%m-%d}.json")


async def my_data(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    user: User,
    i18n: Translator,
    fsm_storage: BaseStorage,
) -> None:
    unfinished = await unfinished_flows(fsm_storage, bot.id, user.id)
    data = await privacy.export_user(session, user.id, unfinished=unfinished)
    if data is None:  # the user row is created before any handler; kept for safety
        await message.answer(i18n("privacy-mydata-nothing"))
        return
    await message.answer_document(export_file(data), caption=i18n("privacy-mydata-caption"))


async def forget_me(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    settings: Settings,
    user: User,
    i18n: Translator,
) -> None:
    argument = (command.args or "").strip().lower()
    grace = settings.privacy.gdpr_grace_days
    if argument == "cancel":
        if privacy.cancel_forget(session, user):
            await message.answer(i18n("privacy-forget-cancelled"))
        else:
            await message.answer(i18n("privacy-forget-nothing-to-cancel"))
        return
    if argument:
        await message.answer(i18n("privacy-forget-usage"))
        return
    if user.forget_requested_at is not None:
        date = day(privacy.erase_at(user, grace))
        await message.answer(i18n("privacy-forget-pending", date=date))
        return
    keyboard = confirm_keyboard(
        i18n, ForgetCallback(action=ForgetAction.CONFIRM), ForgetCallback(action=ForgetAction.KEEP)
    )
    await message.answer(i18n("privacy-forget-confirm", days=grace), reply_markup=keyboard)


async def forget_pressed(
    query: CallbackQuery,
    callback_data: ForgetCallback,
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
    user: User,
    i18n: Translator,
    state: FSMContext,
    dialog_manager: DialogManager,
) -> None:
    await query.answer()
    if callback_data.action is ForgetAction.CONFIRM:
        privacy.request_forget(session, user)
        # An unfinished intake holds what they typed: it goes now, not in 30 days.
        await leave_intake(dialog_manager)
        await state.clear()
        date = day(privacy.erase_at(user, settings.privacy.gdpr_grace_days))
        text = i18n("privacy-forget-done", date=date)
    else:
        text = i18n("privacy-forget-kept")
    if isinstance(query.message, Message):
        await query.message.edit_text(text)
    else:
        await bot.send_message(query.from_user.id, text)


def create_router() -> Router:
    router = Router(name=__name__)
    # Personal data goes to private chats only, never to a group.
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(my_data, Command("mydata"))
    router.message.register(forget_me, Command("forgetme"))
    router.callback_query.register(forget_pressed, ForgetCallback.filter())
    return router
