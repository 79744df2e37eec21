"""Who is talking: the user's row, created on first contact and kept fresh without a write on
every update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import User
from db.repositories import ConversationRepository, UserRepository
from db.repositories.context import load_user
from db.repositories.tickets import remember_none_open

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
    user = await load_user(session, profile.id)
    if user is None:
        repo = UserRepository(session)
        values = {
            "username": profile.username,
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "language_code": profile.language_code,
            "language": language,
            "last_seen_at": utcnow(),
            "updated_at": utcnow(),
        }
        user = await repo.insert_new(profile.id, **values)
        if user is not None:  # a first message: nothing else of theirs is stored yet
            ConversationRepository(session).remember_current(profile.id, None)
            remember_none_open(session, profile.id)
            return user
        return await repo.insert_if_missing(profile.id, **values)
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
