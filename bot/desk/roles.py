"""Who may do what: the ranked agent roles, with ADMIN_IDS as superadmins.

A person's role is the highest of: superadmin when their Telegram id is in ADMIN_IDS, and the
role of their active row in `agents`. The ranks and `allows` are in bot/desk/rules.py;
`change_agent` is what `/admin agent` does: it matches agent rows by Telegram id, never by a
stored @username alone (usernames change hands).
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.rules import outranks
from bot.desk.texts import display_name
from db.models import ActorType, Agent
from db.models.enums import AgentRole
from db.repositories import UserRepository, audit
from db.repositories.tickets import AgentRepository
from db.repositories.users import looks_like_id, parse_telegram_id


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
    HANDLE_MOVED = "handle-moved"  # @username is now someone else's than the agent row's
    BY_ID = "by-id"  # @username alone cannot say who it is now: the id is needed


ACTIONS = {"add": Change.ADD, "remove": Change.REMOVE, "role": Change.ROLE}


@dataclass(frozen=True)
class Outcome:
    """What `change_agent` did, and for the refusals the ids the admin should choose from."""

    change: Change
    agent_id: int | None = None  # the Telegram id of the agent row the handle names
    holder_id: int | None = None  # the Telegram id that holds the handle now


@dataclass(frozen=True)
class _Person:
    telegram_id: int
    name: str
    username: str | None
    # Known only from an agent row's stored @username, which nobody confirms is still theirs.
    unconfirmed: bool = False


async def change_agent(
    session: AsyncSession,
    admin_id: int,
    admin_role: AgentRole,
    action: str,
    handle: str,
    role: AgentRole = AgentRole.AGENT,
) -> Outcome:
    """Add, remove or re-rank the agent `handle` (@username or id) on behalf of an admin, who
    grants at most their own role and changes only people ranked at or below them; audited.
    The caller commits.

    An agent row is always matched by Telegram id: a @username is first resolved to the id
    that holds it now (the users table follows every update), so a handle that changed hands
    never revives the row of the person who had it before (HANDLE_MOVED), and a row found by
    its stored @username alone is not re-activated or re-ranked (BY_ID)."""
    repo = AgentRepository(session)
    person = await _person(repo, handle)
    if isinstance(person, Outcome):
        return person
    if person is None:
        return Outcome(Change.UNKNOWN)
    telegram_id = person.telegram_id
    agent = await repo.by_telegram_id(telegram_id)
    current = agent.role if agent is not None and agent.is_active else None
    if outranks(current, admin_role) or outranks(role, admin_role):
        return Outcome(Change.OUTRANKED)
    if action != "add" and current is None:
        return Outcome(Change.NOT_AGENT)
    if person.unconfirmed and action != "remove":
        # Removing the row that carries the handle grants nothing to anyone; granting a role
        # (or re-activating) needs to know whose the handle is now.
        return Outcome(Change.BY_ID, agent_id=telegram_id)
    if action == "remove":
        assert agent is not None
        agent.is_active = False
    elif agent is None:
        await repo.add(
            Agent(telegram_id=telegram_id, name=person.name, username=person.username, role=role)
        )
    else:
        agent.role, agent.is_active = role, True
        if not person.unconfirmed:
            agent.name, agent.username = person.name, person.username  # as Telegram has them now
    audit.record(
        session,
        f"agent.{action}",
        actor_type=ActorType.ADMIN,
        actor_id=admin_id,
        target_type=audit.AGENT,
        target_id=telegram_id,
        details={"role": role.value, "previous": current.value if current else None},
    )
    return Outcome(ACTIONS[action], agent_id=telegram_id)


async def _person(repo: AgentRepository, handle: str) -> _Person | Outcome | None:
    """Who `handle` (a numeric id or @username) is, by Telegram id; None if nobody known."""
    users = UserRepository(session=repo.session)
    if looks_like_id(handle):
        telegram_id = parse_telegram_id(handle)
        if telegram_id is None:
            return None  # beyond 64 bits: nobody has that id
        user = await users.get(telegram_id)
        if user is not None:
            return _Person(telegram_id, display_name(user)[:128], user.username)
        agent = await repo.by_telegram_id(telegram_id)
        return _Person(telegram_id, agent.name, agent.username) if agent is not None else None
    holder = await users.find(handle)  # the latest seen holder of the @username
    if holder is not None:
        if await repo.by_telegram_id(holder.id) is None:
            named = await repo.by_username(handle, active_only=False)
            if named is not None:  # the handle of a (former) agent now belongs to someone else
                return Outcome(
                    Change.HANDLE_MOVED, agent_id=named.telegram_id, holder_id=holder.id
                )
        return _Person(holder.id, display_name(holder)[:128], holder.username)
    named = await repo.by_username(handle, active_only=False)
    if named is None:
        return None
    return _Person(named.telegram_id, named.name, named.username, unconfirmed=True)
