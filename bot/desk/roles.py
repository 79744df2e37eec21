"""Who may do what: the ranked agent roles, with ADMIN_IDS as superadmins.

A person's role is the highest of: superadmin when their Telegram id is in ADMIN_IDS, and the
role of their active row in `agents`. The ranks and `allows` are in bot/desk/rules.py;
`change_agent` is what `/admin agent` does.
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.rules import outranks
from bot.desk.texts import display_name
from db.models import ActorType, Agent
from db.models.enums import AgentRole
from db.repositories import UserRepository, audit
from db.repositories.tickets import AgentRepository


def role_with(
    telegram_id: int, agent: Agent | None, admin_ids: Collection[int]
) -> AgentRole | None:
    """`role_of` for a caller that has loaded the person's agent row (or found none)."""
    if telegram_id in admin_ids:
        return AgentRole.SUPERADMIN
    return AgentRole(agent.role) if agent is not None and agent.is_active else None


async def role_of(
    session: AsyncSession, telegram_id: int, admin_ids: Collection[int] = ()
) -> AgentRole | None:
    """The person's role, or None for someone who is neither an agent nor an admin."""
    if telegram_id in admin_ids:
        return AgentRole.SUPERADMIN
    return await session.scalar(
        select(Agent.role).where(Agent.telegram_id == telegram_id, Agent.is_active.is_(True))
    )


class Change(enum.StrEnum):
    """What `/admin agent` did; each value names its reply (`desk-admin-<value>`)."""

    ADD = "add-done"
    REMOVE = "remove-done"
    ROLE = "role-done"
    UNKNOWN = "unknown"  # nobody the bot has seen by that id or @username
    OUTRANKED = "outranked"  # the person, or the role asked for, ranks above the admin
    NOT_AGENT = "not-agent"  # removing or re-ranking someone who is not an active agent


ACTIONS = {"add": Change.ADD, "remove": Change.REMOVE, "role": Change.ROLE}


async def change_agent(
    session: AsyncSession,
    admin_id: int,
    admin_role: AgentRole,
    action: str,
    handle: str,
    role: AgentRole = AgentRole.AGENT,
) -> Change:
    """Add, remove or re-rank the agent `handle` (@username or id) on behalf of an admin, who
    grants at most their own role and changes only people ranked at or below them; audited.
    The caller commits."""
    repo = AgentRepository(session)
    person = await _person(repo, handle)
    if person is None:
        return Change.UNKNOWN
    telegram_id, name, username = person
    agent = await repo.by_telegram_id(telegram_id)
    current = agent.role if agent is not None and agent.is_active else None
    if outranks(current, admin_role) or outranks(role, admin_role):
        return Change.OUTRANKED
    if action != "add" and current is None:
        return Change.NOT_AGENT
    if action == "remove":
        assert agent is not None
        agent.is_active = False
    elif agent is None:
        await repo.add(Agent(telegram_id=telegram_id, name=name, username=username, role=role))
    else:
        agent.role, agent.is_active = role, True
    audit.record(
        session,
        f"agent.{action}",
        actor_type=ActorType.ADMIN,
        actor_id=admin_id,
        target_type=audit.AGENT,
        target_id=telegram_id,
        details={"role": role.value, "previous": current.value if current else None},
    )
    return ACTIONS[action]


async def _person(repo: AgentRepository, handle: str) -> tuple[int, str, str | None] | None:
    """(telegram id, name, username) of @handle or a numeric id the bot has seen."""
    if handle.lstrip("-").isdigit():
        agent = await repo.by_telegram_id(int(handle))
    else:
        agent = await repo.by_username(handle, active_only=False)
    if agent is not None:
        return agent.telegram_id, agent.name, agent.username
    user = await UserRepository(session=repo.session).find(handle)
    if user is None:
        return None
    return user.id, display_name(user)[:128], user.username
