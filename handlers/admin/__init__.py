"""`/admin`: the admins' commands, in a private chat (and some in the agents' group).

Parsed here once: `/admin` and `/admin help` answer the help; anyone without the admin role
(admin or superadmin, ADMIN_IDS included) is refused; an unknown subcommand gets a polite
answer. Each subcommand is one module of this package (bans, agents, gdpr), listed in
`SUBCOMMANDS`; a new one is a module and a line here.
"""

from __future__ import annotations

import html
from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, Filter, StateFilter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.desk.topics import Desk
from bot.kernel.i18n import Translator
from bot.telegram.callback_data import bounded
from handlers.admin import (
    agents,
    bans,
    broadcast,
    dashboard,
    experiments,
    gdpr,
    leads,
    llm,
    quota,
    stats,
)
from handlers.admin.command import AdminCall, Subcommand, admin_role, say

SUBCOMMANDS: dict[str, Subcommand] = {
    sub.name: sub
    for module in (bans, agents, gdpr, llm, quota, stats, leads, broadcast, experiments, dashboard)
    for sub in module.SUBCOMMANDS
}


class AdminChat(Filter):
    """A private chat, or the agents' group for the subcommands that work there; passes the
    chat's translator as `t` and the words after /admin as `words`."""

    async def __call__(
        self, message: Message, command: CommandObject, settings: Settings, i18n: Translator,
        desk: Desk,
    ) -> bool | dict[str, Any]:  # fmt: skip
        words = (command.args or "").split()
        if message.chat.type == ChatType.PRIVATE:
            return {"words": words, "t": i18n}
        if message.chat.id != settings.telegram.agent_chat_id or not words:
            return False
        sub = SUBCOMMANDS.get(words[0].lower())
        return {"words": words, "t": desk.t} if sub is not None and sub.in_agent_chat else False


async def on_admin(
    message: Message,
    words: list[str],
    t: Translator,
    session: AsyncSession,
    settings: Settings,
    **data: Any,
) -> None:
    if message.from_user is None:
        return  # an anonymous group admin or a channel: nobody to check
    role = await admin_role(session, message.from_user.id, settings.telegram.admin_ids)
    if role is None:
        await say(message, t("admin-denied"))
        return
    name = words[0].lower() if words else "help"
    sub = SUBCOMMANDS.get(name)
    if name == "help":
        await say(message, t("admin-help"))
    elif sub is None:
        await say(message, t("admin-unknown", name=html.escape(words[0][:32])))
    else:
        await sub.run(
            AdminCall(message, words[1:], message.from_user.id, role, t, session, settings, data)
        )


class AsAdmin(Filter):
    """Passes an admin's button press: the role is checked again (a button outlives a role)."""

    async def __call__(
        self, query: CallbackQuery, session: AsyncSession, settings: Settings
    ) -> bool:
        role = await admin_role(session, query.from_user.id, settings.telegram.admin_ids)
        return role is not None


async def refuse_button(query: CallbackQuery, i18n: Translator) -> None:
    await query.answer(i18n("admin-denied"), show_alert=True)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_admin, Command("admin"), AdminChat())
    # Bounded: a forged press with an id beyond 64 bits is a stale button, not a database error.
    buttons = (bounded(gdpr.GdprAdminCallback), F.message.chat.type == ChatType.PRIVATE)
    router.callback_query.register(gdpr.on_delete_button, *buttons, AsAdmin())
    router.callback_query.register(refuse_button, *buttons)
    periods = (stats.StatsCallback.filter(), F.message.chat.type == ChatType.PRIVATE)
    router.callback_query.register(stats.on_period_button, *periods, AsAdmin())
    router.callback_query.register(refuse_button, *periods)
    lead_buttons = (bounded(leads.LeadCallback), F.message.chat.type == ChatType.PRIVATE)
    router.callback_query.register(leads.on_lead_button, *lead_buttons, AsAdmin())
    router.callback_query.register(refuse_button, *lead_buttons)
    sends = (bounded(broadcast.BroadcastCallback), F.message.chat.type == ChatType.PRIVATE)
    router.callback_query.register(broadcast.on_button, *sends, AsAdmin())
    router.callback_query.register(refuse_button, *sends)
    # The admin's next message after `/admin broadcast SEGMENT` (before every feature's router).
    waiting = StateFilter(broadcast.BroadcastText.waiting)
    router.message.register(broadcast.on_text, waiting, F.chat.type == ChatType.PRIVATE)
    return router


__all__ = [
    "SUBCOMMANDS",
    "agents",
    "bans",
    "broadcast",
    "create_router",
    "gdpr",
    "leads",
    "quota",
    "stats",
]
