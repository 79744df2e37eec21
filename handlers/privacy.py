"""GDPR commands: /mydata, /forgetme (confirmed with a button), /forgetme cancel, and for admins
`/admin gdpr export|delete|cancel USER` (USER: a Telegram id or @username)."""

from __future__ import annotations

import html
from datetime import datetime
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.desk.roles import role_of
from bot.desk.rules import allows
from bot.kernel.i18n import Translator
from bot.privacy import gdpr as privacy
from db.base import utcnow
from db.models import ActorType, AgentRole, User
from db.repositories import UserRepository
from handlers.intake import leave_intake


class ForgetAction(StrEnum):
    CONFIRM = "confirm"
    KEEP = "keep"


class ForgetCallback(CallbackData, prefix="forget"):
    action: ForgetAction


class GdprAdminAction(StrEnum):
    DELETE = "delete"
    KEEP = "keep"


class GdprAdminCallback(CallbackData, prefix="gdpr"):
    action: GdprAdminAction
    user_id: int


def _date(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


def _confirm_keyboard(
    i18n: Translator, yes: CallbackData, no: CallbackData
) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=i18n("privacy-button-forget"), callback_data=yes)
    keyboard.button(text=i18n("privacy-button-keep"), callback_data=no)
    keyboard.adjust(1)
    return keyboard.as_markup()


def _export_file(data: bytes) -> BufferedInputFile:
    return BufferedInputFile(data, filename=f"devbot-data-{utcnow():%Y-%m-%d}.json")


async def my_data(message: Message, session: AsyncSession, user: User, i18n: Translator) -> None:
    data = await privacy.export_user(session, user.id)
    if data is None:  # the user row is created before any handler; kept for safety
        await message.answer(i18n("privacy-mydata-nothing"))
        return
    await message.answer_document(_export_file(data), caption=i18n("privacy-mydata-caption"))


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
        date = _date(privacy.erase_at(user, grace))
        await message.answer(i18n("privacy-forget-pending", date=date))
        return
    keyboard = _confirm_keyboard(
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
        date = _date(privacy.erase_at(user, settings.privacy.gdpr_grace_days))
        text = i18n("privacy-forget-done", date=date)
    else:
        text = i18n("privacy-forget-kept")
    if isinstance(query.message, Message):
        await query.message.edit_text(text)
    else:
        await bot.send_message(query.from_user.id, text)


async def _is_admin(session: AsyncSession, settings: Settings, telegram_id: int) -> bool:
    role = await role_of(session, telegram_id, settings.telegram.admin_ids)
    return allows(role, AgentRole.ADMIN)


async def admin_gdpr(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    settings: Settings,
    i18n: Translator,
) -> None:
    assert message.from_user is not None  # the router takes private chats only
    admin_id = message.from_user.id
    if not await _is_admin(session, settings, admin_id):
        await message.answer(i18n("admin-denied"))
        return
    parts = (command.args or "").split()
    if len(parts) != 3 or parts[1].lower() not in ("export", "delete", "cancel"):
        await message.answer(i18n("privacy-admin-usage"))
        return
    action, reference = parts[1].lower(), parts[2]
    target = await UserRepository(session).find(reference)
    if target is None:
        await message.answer(i18n("privacy-admin-unknown-user", user=html.escape(reference[:64])))
        return
    if action == "export":
        data = await privacy.export_user(
            session, target.id, actor_type=ActorType.ADMIN, actor_id=admin_id
        )
        assert data is not None  # the user row exists
        caption = i18n("privacy-admin-exported", user=str(target.id))
        await message.answer_document(_export_file(data), caption=caption)
    elif action == "cancel":
        done = privacy.cancel_forget(
            session, target, actor_type=ActorType.ADMIN, actor_id=admin_id
        )
        key = "privacy-admin-cancelled" if done else "privacy-admin-nothing-to-cancel"
        await message.answer(i18n(key, user=str(target.id)))
    else:
        keyboard = _confirm_keyboard(
            i18n,
            GdprAdminCallback(action=GdprAdminAction.DELETE, user_id=target.id),
            GdprAdminCallback(action=GdprAdminAction.KEEP, user_id=target.id),
        )
        grace = settings.privacy.gdpr_grace_days
        text = i18n("privacy-admin-delete-confirm", user=str(target.id), days=grace)
        await message.answer(text, reply_markup=keyboard)


async def admin_gdpr_pressed(
    query: CallbackQuery,
    callback_data: GdprAdminCallback,
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
    i18n: Translator,
) -> None:
    # The role is checked again: a button outlives a revoked role.
    if not await _is_admin(session, settings, query.from_user.id):
        await query.answer(i18n("admin-denied"), show_alert=True)
        return
    await query.answer()
    user_id = callback_data.user_id
    target = await session.get(User, user_id)
    if callback_data.action is GdprAdminAction.KEEP:
        text = i18n("privacy-admin-kept", user=str(user_id))
    elif target is None:
        text = i18n("privacy-admin-unknown-user", user=str(user_id))
    else:
        privacy.request_forget(
            session, target, actor_type=ActorType.ADMIN, actor_id=query.from_user.id
        )
        date = _date(privacy.erase_at(target, settings.privacy.gdpr_grace_days))
        text = i18n("privacy-admin-deleted", user=str(user_id), date=date)
    if isinstance(query.message, Message):
        await query.message.edit_text(text)
    else:
        await bot.send_message(query.from_user.id, text)


def create_router() -> Router:
    router = Router(name=__name__)
    # Personal data goes to private chats only, never to a group.
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(my_data, Command("mydata"))
    router.message.register(forget_me, Command("forgetme"))
    router.callback_query.register(forget_pressed, ForgetCallback.filter())
    # Only `/admin gdpr ...`: the rest of /admin belongs to the admin router.
    router.message.register(
        admin_gdpr, Command("admin", magic=F.args.regexp(r"(?i)^\s*gdpr(\s|$)"))
    )
    router.callback_query.register(admin_gdpr_pressed, GdprAdminCallback.filter())
    return router
