"""`/admin gdpr export|delete|cancel USER` (private chat; USER: a Telegram id or @username): an
admin sends a user their data, erases it (confirmed with a button) or cancels an erasure."""

from __future__ import annotations

import html
from enum import StrEnum

from aiogram import Bot
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.kernel.i18n import Translator
from bot.privacy import gdpr as privacy
from bot.privacy.unfinished import unfinished_flows
from db.models import ActorType, User
from db.repositories import UserRepository
from handlers.admin.command import AdminCall, Subcommand
from handlers.privacy import confirm_keyboard, day, export_file

ACTIONS = ("export", "delete", "cancel")


class GdprAdminAction(StrEnum):
    DELETE = "delete"
    KEEP = "keep"


class GdprAdminCallback(CallbackData, prefix="gdpr"):
    action: GdprAdminAction
    user_id: int


async def gdpr(call: AdminCall) -> None:
    t, session = call.t, call.session
    if len(call.args) != 2 or call.args[0].lower() not in ACTIONS:
        await call.answer(t("privacy-admin-usage"))
        return
    action, reference = call.args[0].lower(), call.args[1]
    target = await UserRepository(session).find(reference)
    if target is None:
        await call.answer(t("privacy-admin-unknown-user", user=html.escape(reference[:64])))
        return
    if action == "export":
        bot: Bot = call.data["bot"]
        unfinished = await unfinished_flows(call.data["fsm_storage"], bot.id, target.id)
        data = await privacy.export_user(
            session,
            target.id,
            unfinished=unfinished,
            actor_type=ActorType.ADMIN,
            actor_id=call.admin_id,
        )
        assert data is not None  # the user row exists
        caption = t("privacy-admin-exported", user=str(target.id))
        await call.message.answer_document(export_file(data), caption=caption)
    elif action == "cancel":
        done = privacy.cancel_forget(
            session, target, actor_type=ActorType.ADMIN, actor_id=call.admin_id
        )
        key = "privacy-admin-cancelled" if done else "privacy-admin-nothing-to-cancel"
        await call.answer(t(key, user=str(target.id)))
    else:
        keyboard = confirm_keyboard(
            t,
            GdprAdminCallback(action=GdprAdminAction.DELETE, user_id=target.id),
            GdprAdminCallback(action=GdprAdminAction.KEEP, user_id=target.id),
        )
        grace = call.settings.privacy.gdpr_grace_days
        text = t("privacy-admin-delete-confirm", user=str(target.id), days=grace)
        await call.answer(text, reply_markup=keyboard)


async def on_delete_button(
    query: CallbackQuery,
    callback_data: GdprAdminCallback,
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
    i18n: Translator,
) -> None:
    """Delete or keep, pressed by an admin (the router checks the role again)."""
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
        date = day(privacy.erase_at(target, settings.privacy.gdpr_grace_days))
        text = i18n("privacy-admin-deleted", user=str(user_id), date=date)
    if isinstance(query.message, Message):
        await query.message.edit_text(text)
    else:
        await bot.send_message(query.from_user.id, text)


SUBCOMMANDS = [Subcommand("gdpr", gdpr)]
