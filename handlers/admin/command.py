"""What every /admin subcommand gets: the parsed call, and how a subcommand is declared.

The parent router (handlers/admin/__init__.py) parses `/admin NAME ARGS...` once, checks the
admin role once, answers the help and the refusal, and hands the call to the subcommand named
NAME. A subcommand is one module with a `SUBCOMMANDS` list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from aiogram.enums import ChatType
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.desk.roles import role_of
from bot.desk.rules import allows
from bot.kernel.i18n import Translator
from db.models import AgentRole

NEEDED_ROLE = AgentRole.ADMIN


@dataclass(frozen=True)
class AdminCall:
    """One `/admin NAME ARGS...` from an admin. `t` speaks the chat's language: the admin's own
    in a private chat, the agents' language in their group. `data` holds the dispatcher's
    objects (`bans`, `desk`, ...)."""

    message: Message
    args: list[str]
    admin_id: int
    role: AgentRole
    t: Translator
    session: AsyncSession
    settings: Settings
    data: dict[str, Any] = field(repr=False)

    async def answer(self, text: str, **kwargs: Any) -> None:
        await say(self.message, text, **kwargs)


async def say(message: Message, text: str, **kwargs: Any) -> None:
    """In a private chat a message; in the busy agents' group a reply to the command."""
    if message.chat.type == ChatType.PRIVATE:
        await message.answer(text, **kwargs)
    else:
        await message.reply(text, **kwargs)


@dataclass(frozen=True)
class Subcommand:
    name: str
    run: Callable[[AdminCall], Awaitable[None]]
    in_agent_chat: bool = False  # also in the agents' group; else in a private chat only


async def admin_role(
    session: AsyncSession, telegram_id: int, admin_ids: Collection[int]
) -> AgentRole | None:
    """The person's role when it covers /admin (admin or superadmin, ADMIN_IDS included)."""
    role = await role_of(session, telegram_id, admin_ids)
    return role if allows(role, NEEDED_ROLE) else None
