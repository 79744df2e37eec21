"""Who is talking: the user's row, created on first contact and kept fresh without a write on
every update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import User
from db.repositories import UserRepository
from db.repositories.context import load_user

# last_seen_at is for retention and reports; minute precision is plenty and saves writes.
SEEN_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class TelegramProfile:
    id: int
    username: str | None
    first_name: str | None
    last_name: str | None
    language_code: str | None


async def touch_user(session: AsyncSession, profile: TelegramProfile, language: str) -> User:
    """Return the user's row, creating it on first contact.

    `language` is the bot language matching the update's language_code; it becomes the user's
    language on first contact and whenever their Telegram language changes.
    """
    now = utcnow()
    new = {
        "id": profile.id,
        "username": profile.username,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "language_code": profile.language_code,
        "language": language,
        "source": None,
        "is_blocked": False,
        "is_banned": False,
        "banned_until": None,
        "ban_reason": None,
        "last_seen_at": now,
        "updated_at": now,
        "forget_requested_at": None,
        "broadcast_opt_out": False,
        "created_at": now,
    }
    user = await load_user(session, profile.id, new=new)
    if user is None:  # another update (another chat of theirs) is inserting them just now
        return await UserRepository(session).insert_if_missing(profile.id, **new)
    changed = False
    if user.language_code != profile.language_code:
        # The person switched their Telegram app's language: follow it.
        user.language = language
    for field in ("username", "first_name", "last_name", "language_code"):
        value = getattr(profile, field)
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed = True
    now = utcnow()
    if changed or now - user.last_seen_at >= SEEN_PRECISION:
        user.last_seen_at = now
    return user


def record_source(user: User, source: str | None) -> None:
    """Keep the first deep-link source a user arrived with."""
    if source and not user.source:
        user.source = source[:64]
