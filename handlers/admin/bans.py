"""`/admin ban USER [DURATION] [reason]`, `/admin unban USER`, `/admin bans` (private chat).

USER is a numeric id or @username; someone who has not written yet can be banned in advance by
id. Agents and admins cannot be banned. Every change goes to the audit log.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from aiogram.types import Message
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk.roles import role_of
from bot.guard.bans import Ban, Bans
from bot.kernel.i18n import Translator
from db.base import utcnow
from db.models import ActorType, User
from db.repositories import UserRepository
from db.repositories.bans import banned_users
from db.repositories.users import parse_telegram_id
from handlers.admin.command import AdminCall, Subcommand

_DURATION = re.compile(r"^(\d{1,4})([mhdw])$", re.IGNORECASE)
_HOURS_PER_UNIT = {"m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}
_PERMANENT_WORDS = {"perm", "permanent", "forever", "навсегда"}
# Telegram's limit is 4096 characters; a ban list longer than this goes out in several messages.
_MESSAGE_BUDGET = 3800


def parse_duration(token: str) -> float | None:
    """Hours in "30m", "12h", "7d", "2w"; None when the token is not a duration."""
    match = _DURATION.match(token)
    if match is None or int(match.group(1)) == 0:
        return None
    return int(match.group(1)) * _HOURS_PER_UNIT[match.group(2).lower()]


def user_label(user: User) -> str:
    """How a user appears in admin replies: @name (id), escaped for HTML."""
    if user.username:
        return f"@{html.escape(user.username)} ({user.id})"
    return str(user.id)


def _until(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


async def ban(call: AdminCall) -> None:
    await _ban(call.message, call.args, call.t, call.session, call.settings.telegram.admin_ids,
               call.data["bans"])  # fmt: skip


async def unban(call: AdminCall) -> None:
    await _unban(call.message, call.args, call.t, call.session, call.data["bans"])


async def list_bans(call: AdminCall) -> None:
    await _list_bans(call.message, call.t, call.session)


async def _target(session: AsyncSession, reference: str, *, create: bool) -> User | None:
    user = await UserRepository(session).find(reference)
    user_id = parse_telegram_id(reference) if user is None and create else None
    if user_id is not None and user_id > 0:
        # Someone who has not written yet can be banned in advance by their numeric id.
        user = await UserRepository(session).insert_if_missing(user_id)
    return user


async def _ban(
    message: Message,
    args: list[str],
    i18n: Translator,
    session: AsyncSession,
    admin_ids: list[int],
    bans: Bans,
) -> None:
    if not args:
        await message.answer(i18n("admin-ban-usage"))
        return
    reference, rest = args[0], args[1:]
    hours = parse_duration(rest[0]) if rest else None
    if hours is not None or (rest and rest[0].lower() in _PERMANENT_WORDS):
        rest = rest[1:]
    target = await _target(session, reference, create=True)
    if target is None:
        await message.answer(i18n("admin-user-unknown", user=html.escape(reference[:64])))
        return
    if await role_of(session, target.id, admin_ids) is not None:
        await message.answer(i18n("admin-ban-staff"))
        return
    assert message.from_user is not None
    ban = await bans.ban(
        session,
        target,
        hours=hours,
        reason=" ".join(rest) or None,
        actor=ActorType.ADMIN,
        actor_id=message.from_user.id,
    )
    await session.commit()
    logger.info("admin {} banned user {} ({})", message.from_user.id, target.id,
                "permanent" if ban.permanent else "temporary")  # fmt: skip
    await message.answer(_ban_done(i18n, target, ban))


def _ban_done(i18n: Translator, user: User, ban: Ban) -> str:
    if ban.until is None:
        return i18n("admin-ban-done-permanent", user=user_label(user))
    return i18n("admin-ban-done-temporary", user=user_label(user), until=_until(ban.until))


async def _unban(
    message: Message, args: list[str], i18n: Translator, session: AsyncSession, bans: Bans
) -> None:
    if len(args) != 1:
        await message.answer(i18n("admin-unban-usage"))
        return
    target = await _target(session, args[0], create=False)
    if target is None:
        await message.answer(i18n("admin-user-unknown", user=html.escape(args[0][:64])))
        return
    assert message.from_user is not None
    lifted = await bans.unban(
        session, target, actor=ActorType.ADMIN, actor_id=message.from_user.id
    )
    await session.commit()
    logger.info("admin {} unbanned user {}", message.from_user.id, target.id)
    key = "admin-unban-done" if lifted else "admin-unban-not-banned"
    await message.answer(i18n(key, user=user_label(target)))


async def _list_bans(message: Message, i18n: Translator, session: AsyncSession) -> None:
    users = await banned_users(session, utcnow())
    if not users:
        await message.answer(i18n("admin-bans-empty"))
        return
    lines = [i18n("admin-bans-title", count=len(users))]
    for user in users:
        reason = html.escape(user.ban_reason) if user.ban_reason else i18n("admin-bans-no-reason")
        if user.banned_until is None:
            lines.append(i18n("admin-bans-line-permanent", user=user_label(user), reason=reason))
        else:
            until = _until(user.banned_until)
            lines.append(
                i18n("admin-bans-line-temporary", user=user_label(user), until=until,
                     reason=reason)
            )  # fmt: skip
    for chunk in _chunks(lines):
        await message.answer(chunk)


def _chunks(lines: list[str]) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > _MESSAGE_BUDGET:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return [*chunks, current] if current else chunks


SUBCOMMANDS = [Subcommand("ban", ban), Subcommand("unban", unban), Subcommand("bans", list_bans)]
