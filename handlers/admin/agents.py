"""`/admin agent add|remove|role @user ROLE`: admins manage the agents (any chat).

Only `/admin agent ...` matches here; the bare /admin and its other subcommands belong to
other routers. An admin grants at most their own role and changes only people ranked at or
below them; every change goes to the audit log.
"""

from __future__ import annotations

import html
from typing import Any

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.desk.roles import ACTIONS, change_agent, role_of
from bot.desk.rules import allows
from bot.desk.topics import Desk
from bot.kernel.i18n import Translator
from db.models import AgentRole


class AgentSubcommand(Filter):
    async def __call__(self, message: Message, command: CommandObject) -> bool | dict[str, Any]:
        words = (command.args or "").split()
        if not words or words[0].lower() != "agent":
            return False
        return {"words": words[1:]}


async def on_admin_agent(
    message: Message,
    words: list[str],
    session: AsyncSession,
    settings: Settings,
    desk: Desk,
    i18n: Translator,
) -> None:
    # In the agents' group the group's language; in a private chat the admin's own.
    t = i18n if message.chat.type == ChatType.PRIVATE else desk.t
    actor = message.from_user
    if actor is None:
        return
    actor_role = await role_of(session, actor.id, settings.telegram.admin_ids)
    if not allows(actor_role, AgentRole.ADMIN):
        await message.reply(t("admin-denied"))
        return
    assert actor_role is not None
    action = words[0].lower() if words else ""
    wanted = words[2].lower() if len(words) > 2 else ("agent" if action == "add" else "")
    if action not in ACTIONS or len(words) < 2:
        await message.reply(t("desk-admin-usage"))
        return
    if action != "remove" and wanted not in set(AgentRole):
        await message.reply(t("desk-admin-usage"))
        return
    handle = words[1]
    role = AgentRole(wanted) if action != "remove" else AgentRole.AGENT
    change = await change_agent(session, actor.id, actor_role, action, handle, role)
    await session.commit()
    await message.reply(
        t(f"desk-admin-{change}", handle=html.escape(handle), role=t(f"desk-role-{role}"))
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_admin_agent, Command("admin"), AgentSubcommand())
    return router
