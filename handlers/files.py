"""Files from users (documents, photos, videos, voice and audio messages): checked and
stored, and the user told what came of them.

An album arrives as one update per item, with a shared media_group_id. Each item is stored in its
own update (updates of a chat run one at a time), and one answer covers the whole album: it is
sent once no new item has arrived for ALBUM_QUIET_SECONDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message, TelegramObject
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.files.store import Outcome, receive_file
from bot.kernel.conversations import record_user_message
from bot.kernel.i18n import Translator
from db.models import User

ALBUM_QUIET_SECONDS = 1.0


def describe(outcomes: list[Outcome], i18n: Translator, max_mb: float) -> str:
    """One answer for one file or a whole album, every name escaped."""
    lines: list[str] = []
    for outcome in outcomes:
        name = html.escape(outcome.name)
        if outcome.rejection is None:
            lines.append(i18n("files-received", name=name))
        else:
            reason = i18n(f"files-rejected-{outcome.rejection.value}", limit=f"{max_mb:g}")
            lines.append(i18n("files-rejected", name=name, reason=reason))
    if any(outcome.accepted for outcome in outcomes):
        lines.append("")
        lines.append(i18n("files-received-next"))
    return "\n".join(lines)


@dataclass
class _Album:
    bot: Bot
    chat_id: int
    i18n: Translator
    outcomes: list[Outcome] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


class AlbumReplies:
    """Collects the outcomes of an album's items and answers once for all of them."""

    def __init__(self, quiet_seconds: float = ALBUM_QUIET_SECONDS) -> None:
        self.quiet_seconds = quiet_seconds
        self._albums: dict[tuple[int, str], _Album] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def add(
        self, bot: Bot, chat_id: int, group: str, outcome: Outcome, i18n: Translator, max_mb: float
    ) -> None:
        key = (chat_id, group)
        album = self._albums.get(key)
        if album is None:
            album = self._albums[key] = _Album(bot, chat_id, i18n)
            task = asyncio.get_running_loop().create_task(self._answer_when_quiet(key, max_mb))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        album.outcomes.append(outcome)
        album.arrived.set()

    async def _answer_when_quiet(self, key: tuple[int, str], max_mb: float) -> None:
        album = self._albums[key]
        while album.arrived.is_set():
            album.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(album.arrived.wait(), self.quiet_seconds)
        del self._albums[key]
        try:
            await album.bot.send_message(
                album.chat_id, describe(album.outcomes, album.i18n, max_mb)
            )
        except TelegramAPIError as exc:
            logger.warning("album answer not delivered: {}", exc.message)

    async def drain(self) -> None:
        """Wait for the answers still pending (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


async def on_file(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    settings: Settings,
    user: User,
    i18n: Translator,
    album_replies: AlbumReplies,
) -> None:
    caption, message_id = message.caption, message.message_id
    conversation, row = await record_user_message(session, user, message_id, caption)
    outcome = await receive_file(
        bot,
        session,
        settings.files,
        user_id=user.id,
        message=message,
        conversation_id=conversation.id,
        message_row_id=row.id,
    )
    assert outcome is not None  # the router only lets messages with a file in
    max_mb = settings.files.file_max_mb
    if message.media_group_id:
        album_replies.add(bot, message.chat.id, message.media_group_id, outcome, i18n, max_mb)
        return
    await message.answer(describe([outcome], i18n, max_mb))


# Every kind of message `receive_file` checks: a file the bot takes is never left unchecked.
carries_file = F.document | F.photo | F.video | F.animation | F.video_note | F.voice | F.audio


def create_router() -> Router:
    router = Router(name=__name__)
    replies = AlbumReplies()

    async def inject_replies(
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        # Tests may bring their own (with a shorter wait) through the dispatcher's data.
        data.setdefault("album_replies", replies)
        return await handler(event, data)

    async def drain() -> None:
        await replies.drain()

    router.message.middleware(inject_replies)
    router.message.register(on_file, carries_file)
    router.shutdown.register(drain)
    return router
