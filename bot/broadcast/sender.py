"""One broadcast, walked from its cursor in user-id order, `batch` people at a time.

Every person of the segment gets one of four outcomes: sent; blocked (Telegram's 403: they
blocked the bot or left Telegram; they are marked `is_blocked`, which also takes them out of
later broadcasts until they write again); skipped (opted out since the preview); failed (any
other refusal, or a flood wait or a fault that did not end). A flood wait (429) holds every
send for its `retry_after` and the same person is tried again. A sender asked to stop while it
waits (pacing.py) gives that person up uncounted, before the cursor: the next sender tries them.

What a restart repeats, exactly: a batch's outcomes and the cursor (the id of the last person
handled) are committed together, after the batch. A sender that is asked to stop (shutdown,
its round's time is up) finishes the person it is at and commits the part of the batch it did,
so nobody is sent twice. A process that dies (killed, crashed, its database connection gone)
loses what it did since its last commit: the next sender starts from the committed cursor, and
whoever that batch had reached before the crash gets the message a second time: at most
`batch` people (BATCH, about a second of sending), never anyone before the cursor. With several
replicas the runner's lease (lease.py) makes one the sender: `pause()` turns true the moment
this one may no longer be sure it holds the lease, and no message goes after that. Should two
senders still meet on one broadcast, they cannot both move the cursor: it moves only from where
the sender read it, so the later of the two stops at its next commit. `/admin broadcast stop`
cancels it: the sender finishes its batch, counts it, reports and stops. A network error that
may have come after Telegram took a message is tried again too (a few times, backing off): that
person may get it twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import Enum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.keyboard import stop_keyboard
from bot.broadcast.pacing import Pacer
from bot.kernel.i18n import I18n
from db.base import utcnow
from db.models import Broadcast, BroadcastSegment, BroadcastStatus
from db.models.broadcasts import UNFINISHED
from db.repositories.broadcasts import (
    Progress,
    Recipient,
    advance,
    mark_blocked,
    move,
    next_recipients,
)

BATCH = 30
# A person's message is given up after this many flood waits or faults in a row.
MAX_FLOOD_WAITS = 10
MAX_FAULTS = 5
FIRST_BACKOFF = 1.0
SEGMENT_KEYS = {
    BroadcastSegment.ALL: "broadcast-segment-all",
    BroadcastSegment.LEADS: "broadcast-segment-leads",
    BroadcastSegment.CLIENTS: "broadcast-segment-clients",
}


class Outcome(Enum):
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    SKIPPED = "skipped"


def _never() -> bool:
    return False


class BroadcastSender:
    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        i18n: I18n,
        pacer: Pacer,
        *,
        batch: int = BATCH,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.i18n = i18n
        self.pacer = pacer
        self.batch = batch

    async def run(
        self,
        broadcast_id: int,
        pause: Callable[[], bool] = _never,
        keep: Callable[[], Awaitable[bool]] | None = None,
    ) -> bool:
        """Send the broadcast from its cursor: True once it is finished (or nothing is left to
        do here), False when `pause()` said to stop first, before any message, or `keep()`
        (the lease renewed after every batch) said it may not go on (its progress is
        committed)."""
        async with self.sessionmaker() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            if broadcast is None or broadcast.status not in UNFINISHED:
                return True
            if broadcast.status is BroadcastStatus.QUEUED:
                started = utcnow()
                await move(session, broadcast_id, BroadcastStatus.QUEUED,
                           BroadcastStatus.SENDING, started_at=started)  # fmt: skip
                await session.commit()
            text, segment, cursor = broadcast.text, broadcast.segment, broadcast.last_user_id
        logger.info("broadcast {}: sending to {} from user id {}", broadcast_id, segment, cursor)
        while not pause():
            async with self.sessionmaker() as session:
                batch = await next_recipients(session, segment, cursor, self.batch)
            if not batch:
                await self._finish(broadcast_id)
                return True
            done, blocked = await self._send_batch(text, cursor, batch, pause)
            async with self.sessionmaker() as session:
                await mark_blocked(session, blocked)
                status = await advance(session, broadcast_id, cursor, done)
                await session.commit()
            if status is BroadcastStatus.CANCELLED:
                logger.info("broadcast {}: stopped by an admin", broadcast_id)
                await self._report(broadcast_id, "broadcast-summary-stopped")
                return True
            if status is None:
                logger.warning("broadcast {}: another sender went on; this one stops",
                               broadcast_id)  # fmt: skip
                return True
            cursor = done.last_user_id
            if keep is not None and not await keep():
                break
        logger.info("broadcast {}: paused after user id {}", broadcast_id, cursor)
        return False

    async def _send_batch(
        self, text: str, cursor: int, batch: Sequence[Recipient], pause: Callable[[], bool]
    ) -> tuple[Progress, list[int]]:
        done = Progress(last_user_id=cursor)
        blocked: list[int] = []
        for person in batch:
            outcome = await self.deliver(text, person, pause)
            if outcome is None:
                break
            if outcome is Outcome.SENT:
                done.sent += 1
            elif outcome is Outcome.BLOCKED:
                done.blocked += 1
                blocked.append(person.id)
            elif outcome is Outcome.SKIPPED:
                done.skipped += 1
            else:
                done.failed += 1
            done.last_user_id = person.id
        return done, blocked

    async def deliver(
        self, text: str, person: Recipient, pause: Callable[[], bool] = _never
    ) -> Outcome | None:
        """One person's message, paced; a flood wait or a fault is waited out and tried again.
        None when `pause()` turned true first: nothing went to them."""
        if pause():
            return None
        if person.opted_out:
            return Outcome.SKIPPED
        markup = stop_keyboard(self.i18n.get(person.language))
        floods = faults = 0
        while True:
            if not await self.pacer.wait(pause):  # asked right before every send
                return None
            try:
                await self.bot.send_message(person.id, text, reply_markup=markup)
            except TelegramRetryAfter as exc:
                floods += 1
                if floods > MAX_FLOOD_WAITS:
                    logger.warning("broadcast to user {}: still flood control, given up",
                                   person.id)  # fmt: skip
                    return Outcome.FAILED
                logger.warning("broadcast: flood control, every send waits {}s", exc.retry_after)
                self.pacer.hold(exc.retry_after)
            except TelegramForbiddenError:
                return Outcome.BLOCKED
            except (TelegramServerError, TelegramNetworkError) as exc:
                faults += 1
                if faults > MAX_FAULTS:
                    logger.warning("broadcast to user {}: {}, given up", person.id,
                                   type(exc).__name__)  # fmt: skip
                    return Outcome.FAILED
                self.pacer.hold(FIRST_BACKOFF * 2 ** (faults - 1))
            except TelegramAPIError as exc:
                logger.warning("broadcast to user {} refused: {}", person.id, exc.message)
                return Outcome.FAILED
            else:
                return Outcome.SENT

    async def _finish(self, broadcast_id: int) -> None:
        async with self.sessionmaker() as session:
            finished = await move(session, broadcast_id, BroadcastStatus.SENDING,
                                  BroadcastStatus.DONE, finished_at=utcnow())  # fmt: skip
            await session.commit()
        if finished:  # else another sender finished it, and reports it
            await self._report(broadcast_id, "broadcast-summary")

    async def _report(self, broadcast_id: int, key: str) -> None:
        """The summary, to the admin who started it."""
        async with self.sessionmaker() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None:
            return
        logger.info("broadcast {}: {} sent, {} failed, {} blocked, {} opted out", broadcast_id,
                    broadcast.sent_count, broadcast.failed_count, broadcast.blocked_count,
                    broadcast.skipped_count)  # fmt: skip
        t = self.i18n.get(broadcast.language)
        text = t(
            key,
            number=str(broadcast.id),
            segment=t(SEGMENT_KEYS[broadcast.segment]),
            sent=broadcast.sent_count,
            failed=broadcast.failed_count,
            blocked=broadcast.blocked_count,
            skipped=broadcast.skipped_count,
        )
        try:
            await self.bot.send_message(broadcast.created_by, text)
        except TelegramAPIError as exc:
            logger.warning("broadcast {}: the summary did not reach its admin: {}",
                           broadcast.id, exc.message)  # fmt: skip
