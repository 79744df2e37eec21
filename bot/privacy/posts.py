"""What the bot posts about a person in the agents' group outside their own topic is recorded
(`group_posts`), so that their erasure deletes it there too (bot/privacy/gdpr.py)."""

from __future__ import annotations

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import privacy as repo


async def remember_post(
    session: AsyncSession,
    user_id: int,
    message: Message,
    kind: str,
    *,
    thread_id: int | None = None,
) -> None:
    """Record `message`, posted about the user (in topic `thread_id`), and commit `session`: the
    message is out, its record must not wait for the end of the update."""
    repo.add_group_post(session, user_id, message.message_id, thread_id, kind)
    await session.commit()
