"""GDPR requests: a user's data as JSON, and forgetting them.

Forgetting has two steps. The request marks the user (`users.forget_requested_at`): from that
moment the services that show users' data to agents leave them out (see
`db.repositories.privacy.visible`), and the user can still change their mind. After
GDPR_GRACE_DAYS a job erases them: their topics in the agents' group and every message about
them there (recorded as they were posted; deleted, or edited to a neutral text when too old to
delete), their keys in Redis and their files on disk first, then the user row and, by cascade,
every row they own (the rows go last: they are what says where the rest is); audit entries
about them lose the ids and details, and one anonymous entry records the erasure. Every
request is in the audit log.
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InputMediaDocument
from loguru import logger
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.files.store import FileStore
from bot.kernel.metrics import GDPR_REQUESTS
from db.base import utcnow
from db.models import ActorType, User
from db.repositories import audit
from db.repositories import privacy as repo

EXPORT_FORMAT = "devbot-export/1"
# Where we keep a file is our business, not part of the person's data.
INTERNAL_COLUMNS = frozenset({"storage_path"})
# What a file about an erased person in the agents' group is replaced with (too old to delete).
REMOVED_FILE = "removed.txt"


class Action(enum.StrEnum):
    EXPORT = "gdpr.export"
    FORGET = "gdpr.forget"
    CANCEL = "gdpr.cancel"
    ERASE = "gdpr.erase"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    return value


def _json_default(value: Any) -> Any:
    """For values inside the FSM data that JSON has no type for."""
    converted = _json_value(value)
    return str(value) if converted is value else converted


async def export_user(
    session: AsyncSession,
    user_id: int,
    *,
    unfinished: dict[str, Any] | None = None,
    actor_type: ActorType = ActorType.USER,
    actor_id: int | None = None,
) -> bytes | None:
    """Everything held about the user as UTF-8 JSON (None for an unknown user); audited.
    `unfinished`: what the FSM storage holds of them (bot/privacy/unfinished.py)."""
    rows = await repo.owned_rows(session, user_id)
    if not rows:
        return None
    requests = await repo.audit_entries(session, user_id)
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "user_id": user_id,
        "data": {
            table: [
                {k: _json_value(v) for k, v in row.items() if k not in INTERNAL_COLUMNS}
                for row in table_rows
            ]
            for table, table_rows in rows.items()
        },
        "requests": [
            {"at": _json_value(entry.created_at), "action": entry.action} for entry in requests
        ],
        # Answers not yet stored anywhere else: an intake they have not finished (Redis).
        "unfinished": unfinished or {},
    }
    _audit(session, user_id, Action.EXPORT, actor_type, actor_id)
    data = json.dumps(document, ensure_ascii=False, indent=2, default=_json_default)
    return data.encode("utf-8")


def erase_at(user: User, grace_days: int) -> datetime | None:
    """When the user's data is erased for good, if they asked to be forgotten."""
    requested = user.forget_requested_at
    if requested is None:
        return None
    return requested + timedelta(days=grace_days)


def request_forget(
    session: AsyncSession,
    user: User,
    *,
    actor_type: ActorType = ActorType.USER,
    actor_id: int | None = None,
) -> bool:
    """Hide the user's data now, erase it after the grace period; False if already requested.

    What the agents' group shows of them already stays until the erasure: the
    request can be cancelled until then, and a deleted message cannot be brought back. From
    now on no lead card of theirs is posted, the desk shows none of their words, and whatever
    is posted about them is recorded and goes with the rest."""
    if user.forget_requested_at is not None:
        return False
    user.forget_requested_at = utcnow()
    _audit(session, user.id, Action.FORGET, actor_type, actor_id)
    return True


def cancel_forget(
    session: AsyncSession,
    user: User,
    *,
    actor_type: ActorType = ActorType.USER,
    actor_id: int | None = None,
) -> bool:
    """Restore a user who asked to be forgotten; False if there was nothing to cancel."""
    if user.forget_requested_at is None:
        return False
    user.forget_requested_at = None
    _audit(session, user.id, Action.CANCEL, actor_type, actor_id)
    return True


def _audit(
    session: AsyncSession,
    user_id: int,
    action: Action,
    actor_type: ActorType,
    actor_id: int | None,
) -> None:
    audit.record(
        session,
        action,
        actor_type=actor_type,
        actor_id=user_id if actor_id is None else actor_id,
        target_type=audit.USER,
        target_id=user_id,
    )
    GDPR_REQUESTS.labels(action.value.removeprefix("gdpr.")).inc()
    # User ids stay in the logs after an erasure, by decision: a line carries the
    # numeric Telegram id, a pseudonym (no name, no text: PII is masked), so that an operator
    # can trace a request or a fault; the logs are the operator's, rotated by them, and once
    # the rows are gone the bot holds nothing that ties the id to a person. The erasure's
    # own lines name nobody.
    logger.info("gdpr: {} for user {}", action.value, user_id)


@dataclass(frozen=True)
class Erasure:
    rows: dict[str, int]  # rows removed, by table
    files: list[str]  # the stored files the rows pointed at (removed before the rows went)


@dataclass(frozen=True)
class Traces:
    """What the user left outside the database, which only their rows say where to find."""

    topics: set[int]  # forum topics in the agents' group
    messages: set[int]  # cards and copies in a plain agents' group
    files: set[str]  # paths in the file store

    def covered_by(self, cleaned: Traces) -> bool:
        return (
            self.topics <= cleaned.topics
            and self.messages <= cleaned.messages
            and self.files <= cleaned.files
        )


# Faults that pass: the user's erasure stops there and the next hourly run takes it up again.
TRANSIENT: tuple[type[Exception], ...] = (
    TelegramNetworkError,
    TelegramServerError,
    TelegramRetryAfter,
    RedisConnectionError,
    RedisTimeoutError,
    OSError,  # a file that cannot be removed now; TimeoutError and ConnectionError too
)


async def traces_of(session: AsyncSession, user_id: int) -> Traces:
    topics, messages = await repo.agent_group_traces(session, user_id)
    paths = {path for path in await repo.storage_paths(session, user_id) if path}
    return Traces(topics, messages, paths)


async def erase_user(session: AsyncSession, user_id: int) -> Erasure:
    """Erase the user's rows (by cascade) and their ids in the audit log; the caller commits.

    Their files, topics and Redis keys must be gone before (see `erase_due`): once the rows
    are, nothing says where those were."""
    rows = await repo.owned_rows(session, user_id)
    paths = [path for path in await repo.storage_paths(session, user_id) if path]
    anonymised = await repo.anonymise_audit(session, user_id)
    await repo.delete_user(session, user_id)
    counts = {table: len(table_rows) for table, table_rows in rows.items()}
    audit.record(
        session,
        Action.ERASE,
        actor_type=ActorType.SYSTEM,
        details={"rows": counts, "files": len(paths), "audit_anonymised": anonymised},
    )
    await session.flush()
    GDPR_REQUESTS.labels("erase").inc()
    return Erasure(counts, paths)


def remove_files(store: FileStore, user_id: int, paths: Iterable[str]) -> int:
    removed = sum(store.remove(path) for path in paths)
    store.remove_user_dir(user_id)
    return removed


@dataclass(frozen=True)
class AgentGroup:
    """The agents' group as the erasure cleans it: a message the bot can no longer delete
    (Telegram lets bots delete messages for 48 hours) is edited to `removed_text`."""

    bot: Bot
    chat_id: int
    removed_text: str


async def erase_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    store: FileStore,
    grace_days: int,
    now: datetime | None = None,
    *,
    group: AgentGroup | None = None,
    forget_elsewhere: Callable[[int], Awaitable[object]] | None = None,
) -> int:
    """Erase everyone whose grace period is over, one user at a time. Returns how many.

    With the agents' `group`, the user's topics there are deleted, and so is every message
    about them outside those topics (cards, copies, lead cards, notes), or it is edited to a
    neutral text; `forget_elsewhere` gets each id (the job clears the user's Redis keys with
    it); then their files go, and the rows last, in one transaction. Every step can be done
    twice, so a transient fault (TRANSIENT) stops only that user's erasure, rows kept, and the
    next run finishes it."""
    cutoff = (now or utcnow()) - timedelta(days=grace_days)
    async with sessionmaker() as session:
        user_ids = await repo.due_for_erasure(session, cutoff)
    erased = 0
    for user_id in user_ids:
        async with sessionmaker() as session:
            traces = await traces_of(session, user_id)
        steps: list[tuple[str, Callable[[], Awaitable[object]]]] = []
        if group is not None:
            clean = partial(_erase_in_agent_group, group, traces)
            steps.append(("cleaning the agents' group", clean))
        if forget_elsewhere is not None:  # e.g. the user's keys in Redis
            steps.append(("clearing their keys elsewhere", partial(forget_elsewhere, user_id)))
        remove = partial(asyncio.to_thread, remove_files, store, user_id, traces.files)
        steps.append(("removing the files", remove))
        if await _run(steps) and await _erase_rows(sessionmaker, user_id, cutoff, traces):
            erased += 1
    return erased


async def _run(steps: list[tuple[str, Callable[[], Awaitable[object]]]]) -> bool:
    for name, step in steps:
        try:
            await step()
        except TRANSIENT as exc:
            # No id and no message (an OSError's names a path): the type says what failed.
            logger.warning(
                "gdpr: an erasure waits for the next run: {} failed ({})",
                name,
                type(exc).__name__,
            )
            return False
    return True


async def _erase_rows(
    sessionmaker: async_sessionmaker[AsyncSession],
    user_id: int,
    cutoff: datetime,
    cleaned: Traces,
) -> bool:
    async with sessionmaker() as session:
        # The lock keeps new rows of the user out until the commit.
        if not await repo.lock_due(session, user_id, cutoff):
            logger.info("gdpr: an erasure stopped: the request was cancelled (or done) meanwhile")
            return False
        if not (await traces_of(session, user_id)).covered_by(cleaned):
            logger.info("gdpr: an erasure waits for the next run: the user left new traces")
            return False
        erasure = await erase_user(session, user_id)
        await session.commit()
    # No id here: the log outlives the erasure.
    rows = sum(erasure.rows.values())
    logger.info("gdpr: a user was erased ({} rows, {} files)", rows, len(erasure.files))
    return True


async def _erase_in_agent_group(group: AgentGroup, traces: Traces) -> None:
    """A topic or message already gone, or a missing right, is skipped (with a warning): it
    will not change by trying again. A transient fault (TRANSIENT) is raised.

    Messages go one by one: deleteMessages says nothing of those it could not delete, and
    those (older than 48 hours) must be edited instead. Logs name no message and no user."""
    bot, chat_id = group.bot, group.chat_id
    for topic in sorted(traces.topics):
        try:
            await bot.delete_forum_topic(chat_id, topic)
        except TRANSIENT:
            raise
        except TelegramAPIError as exc:
            logger.warning("gdpr: a topic in the agents' group was not deleted: {}", exc.message)
    edited, kept = 0, 0
    for message_id in sorted(traces.messages):
        outcome = await _remove_message(group, message_id)
        edited += outcome is _Outcome.EDITED
        kept += outcome is _Outcome.KEPT
    if edited or kept:
        logger.warning(
            "gdpr: in the agents' group {} message(s) were too old to delete and were edited, "
            "{} could be neither deleted nor edited",
            edited,
            kept,
        )


class _Outcome(enum.Enum):
    DELETED = "deleted"
    GONE = "gone"  # deleted before (by an agent, or an earlier run)
    EDITED = "edited"
    KEPT = "kept"  # neither deleted nor edited: the warning counts it


async def _remove_message(group: AgentGroup, message_id: int) -> _Outcome:
    bot, chat_id = group.bot, group.chat_id
    try:
        await bot.delete_message(chat_id, message_id)
        return _Outcome.DELETED
    except TRANSIENT:
        raise
    except TelegramAPIError as exc:
        if "not found" in exc.message:
            return _Outcome.GONE
        refusal = exc.message
    # Too old to delete (or no right to): the text says what became of it; a file (a copy of
    # what the person sent) is replaced by a note that says the same.
    text = group.removed_text
    note = InputMediaDocument(
        media=BufferedInputFile(text.encode(), filename=REMOVED_FILE), caption=text
    )
    edits = (  # without reply_markup the card's buttons go too
        partial(bot.edit_message_text, text, chat_id=chat_id, message_id=message_id),
        partial(bot.edit_message_media, note, chat_id=chat_id, message_id=message_id),
    )
    for edit in edits:
        try:
            await edit()
            return _Outcome.EDITED
        except TRANSIENT:
            raise
        except TelegramAPIError as exc:
            if "not modified" in exc.message:  # edited by an earlier run
                return _Outcome.EDITED
            refusal = exc.message
    logger.info("gdpr: a message in the agents' group stays as it was: {}", refusal)
    return _Outcome.KEPT
