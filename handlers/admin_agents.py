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
from bot.desk import Desk
from bot.i18n import Translator
from bot.services.roles import RANK, allows, role_of
from db.models import ActorType, Agent, AgentRole
from db.repositories import UserRepository, audit
from db.repositories.tickets import AgentRepository

ACTIONS = ("add", "remove", "role")


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
    if len(words) < 2 or words[0].lower() not in ACTIONS:
        await message.reply(t("desk-admin-usage"))
        return
    action, handle = words[0].lower(), words[1]
    repo = AgentRepository(session)
    person = await _person(repo, handle)
    if person is None:
        await message.reply(t("desk-admin-unknown", handle=html.escape(handle)))
        return
    telegram_id, name, username = person
    agent = await repo.by_telegram_id(telegram_id)
    current = agent.role if agent is not None and agent.is_active else None
    if current is not None and RANK[current] > RANK[actor_role]:
        await message.reply(t("desk-admin-outranked"))
        return
    role = AgentRole.AGENT
    if action != "remove":
        wanted = (words[2] if len(words) > 2 else "agent").lower()
        if (action == "role" and len(words) < 3) or wanted not in set(AgentRole):
            await message.reply(t("desk-admin-usage"))
            return
        role = AgentRole(wanted)
        if RANK[role] > RANK[actor_role]:
            await message.reply(t("desk-admin-outranked"))
            return
    if action == "remove":
        if agent is None or not agent.is_active:
            await message.reply(t("desk-admin-not-agent", handle=html.escape(handle)))
            return
        agent.is_active = False
    elif agent is None:
        agent = await repo.add(
            Agent(telegram_id=telegram_id, name=name, username=username, role=role)
        )
    else:
        if action == "role" and not agent.is_active:
            await message.reply(t("desk-admin-not-agent", handle=html.escape(handle)))
            return
        agent.role, agent.is_active = role, True
    audit.record(
        session,
        f"agent.{action}",
        actor_type=ActorType.ADMIN,
        actor_id=actor.id,
        target_type=audit.AGENT,
        target_id=telegram_id,
        details={"role": role.value, "previous": current.value if current else None},
    )
    await session.commit()
    await message.reply(
        t(f"desk-admin-{action}-done", handle=html.escape(handle), role=t(f"desk-role-{role}"))
    )


async def _person(repo: AgentRepository, handle: str) -> tuple[int, str, str | None] | None:
    """(telegram id, name, username) of @handle or a numeric id the bot has seen."""
    if handle.lstrip("-").isdigit():
        agent = await repo.by_telegram_id(int(handle))
    else:
        agent = await repo.by_username(handle, active_only=False)
    if agent is not None:
        return agent.telegram_id, agent.name, agent.username
    user = await UserRepository(repo.session).find(handle)
    if user is None:
        return None
    name = " ".join(p for p in (user.first_name, user.last_name) if p) or str(user.id)
    return user.id, name[:128], user.username


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_admin_agent, Command("admin"), AgentSubcommand())
    return router
