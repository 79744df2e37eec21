"""GDPR erasure when a step fails half-way, on SQLite with the recording session: the rows go
last, so a transient fault leaves them for the next run, which finishes the job; what cannot
change by trying again (a message already gone) does not stop it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import DeleteForumTopic, DeleteMessage, EditMessageText
from loguru import logger
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select, update

from bot.config import FileSettings
from bot.files.store import FileStore
from bot.privacy.gdpr import AgentGroup, erase_due
from bot.telegram.offline_session import ApiCall, ApiError
from db.base import utcnow
from db.models import RelayedMessage, Ticket, User
from tests.dispatcher.harness import Harness
from tests.fakes.recording import USER_ID, RecordingSession
from tests.fakes.uploads import stored_files
from tests.fakes.user_data import TOPIC_BASE, UserData, give_user_data, traces_of

OTHER_ID = 2002
AGENTS = -1001234
TOPIC = TOPIC_BASE + USER_ID % 1000
OTHER_TOPIC = TOPIC_BASE + OTHER_ID % 1000
REMOVED = "(removed at the person's request)"


# Stored files go to this test's own directory (tests/dispatcher/conftest.py).
pytestmark = pytest.mark.usefixtures("files_dir")


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(m.record["message"]), level="WARNING")
    yield lines
    logger.remove(sink)


async def _due(harness: Harness) -> tuple[UserData, UserData]:
    """The user and another one with data, both asked to be forgotten (the user first)."""
    data = await give_user_data(
        harness.dp, harness.bot, harness.session, harness.sessionmaker, USER_ID, "GONE"
    )
    other = await give_user_data(
        harness.dp, harness.bot, harness.session, harness.sessionmaker, OTHER_ID, "ALSO"
    )
    asked = utcnow()
    async with harness.sessionmaker() as session:
        for user_id, at in ((USER_ID, asked), (OTHER_ID, asked + timedelta(seconds=1))):
            await session.execute(
                update(User).where(User.id == user_id).values(forget_requested_at=at)
            )
        await session.commit()
    harness.session.clear()
    return data, other


def _fail_once(session: RecordingSession, method: str, fault: Callable[[], Exception]) -> None:
    """The next call of `method` fails with `fault()`; the ones after it are answered as usual."""
    usual = session.responders.get(method)

    def failing(call: ApiCall) -> Any:
        if usual is None:
            del session.responders[method]
        else:
            session.responders[method] = usual
        raise fault()

    session.responders[method] = failing


def _network_error() -> Exception:
    method = DeleteForumTopic(chat_id=AGENTS, message_thread_id=TOPIC)
    return TelegramNetworkError(method, "Request timeout error")


async def _erase(harness: Harness, store: FileStore, **kwargs: Any) -> int:
    later = utcnow() + timedelta(days=31)
    group = AgentGroup(harness.bot, AGENTS, REMOVED)
    return await erase_due(
        harness.sessionmaker, store, grace_days=30, now=later, group=group, **kwargs
    )


async def _user_exists(harness: Harness, user_id: int = USER_ID) -> bool:
    async with harness.sessionmaker() as session:
        return await session.get(User, user_id) is not None


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(lambda: ApiError("Internal Server Error", code=500), id="5xx"),
        pytest.param(
            lambda: ApiError("Too Many Requests: retry after 5", code=429, retry_after=5),
            id="flood",
        ),
        pytest.param(_network_error, id="network"),
    ],
)
async def test_a_topic_not_deleted_for_now_keeps_the_rows_for_the_next_run(
    harness: Harness, files_dir: Path, warnings: list[str], fault: Callable[[], Exception]
) -> None:
    data, other = await _due(harness)
    store = FileStore(FileSettings(files_dir=files_dir))
    _fail_once(harness.session, "deleteForumTopic", fault)

    assert await _erase(harness, store) == 1  # the other user, whose turn came next
    assert await _user_exists(harness) and await traces_of(harness.sessionmaker, data)
    assert len(stored_files(files_dir / str(USER_ID))) == 1  # nothing after the fault ran
    assert await traces_of(harness.sessionmaker, other) == []
    [line] = [line for line in warnings if "erasure" in line]
    assert "next run" in line and "agents' group" in line and str(USER_ID) not in line

    assert await _erase(harness, store) == 1
    assert await traces_of(harness.sessionmaker, data) == []
    assert stored_files(files_dir) == []
    topics = [call.message_thread_id for call in harness.session.calls(DeleteForumTopic)]
    assert topics == [TOPIC, OTHER_TOPIC, TOPIC]  # failed, the other's, then done


async def test_redis_unreachable_keeps_the_rows_for_the_next_run(
    harness: Harness, files_dir: Path, warnings: list[str]
) -> None:
    data, other = await _due(harness)
    store = FileStore(FileSettings(files_dir=files_dir))
    forgotten: list[int] = []

    async def forget(user_id: int) -> None:
        if not forgotten:
            forgotten.append(0)
            raise RedisConnectionError("Error 111 connecting to localhost:6379.")
        forgotten.append(user_id)

    assert await _erase(harness, store, forget_elsewhere=forget) == 1
    assert await _user_exists(harness) and not await _user_exists(harness, OTHER_ID)
    assert len(stored_files(files_dir / str(USER_ID))) == 1
    [line] = [line for line in warnings if "erasure" in line]
    assert "ConnectionError" in line and str(USER_ID) not in line

    assert await _erase(harness, store, forget_elsewhere=forget) == 1
    assert forgotten == [0, OTHER_ID, USER_ID]
    assert await traces_of(harness.sessionmaker, data) == []
    assert await traces_of(harness.sessionmaker, other) == []


async def test_a_file_that_cannot_be_removed_keeps_the_rows_for_the_next_run(
    harness: Harness, files_dir: Path, warnings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, _other = await _due(harness)
    store = FileStore(FileSettings(files_dir=files_dir))
    remove = FileStore.remove

    def refuse_once(self: FileStore, relative: str | None) -> bool:
        monkeypatch.setattr(FileStore, "remove", remove)
        raise PermissionError(13, "Permission denied", str(files_dir / str(USER_ID)))

    monkeypatch.setattr(FileStore, "remove", refuse_once)
    assert await _erase(harness, store) == 1
    assert await _user_exists(harness)
    [line] = [line for line in warnings if "erasure" in line]
    assert "PermissionError" in line and str(USER_ID) not in line and "files" in line

    assert await _erase(harness, store) == 1
    assert await traces_of(harness.sessionmaker, data) == []
    assert stored_files(files_dir) == []


async def _plain_group(harness: Harness, user_id: int) -> list[int]:
    """The user's ticket as in a plain agents' group: a card and a copy, no topic."""
    async with harness.sessionmaker() as session:
        ticket = (await session.scalars(select(Ticket).where(Ticket.user_id == user_id))).one()
        ticket.topic_id, ticket.card_message_id = None, 70 + user_id % 10
        await session.commit()
        copies = await session.scalars(
            select(RelayedMessage.group_message_id).where(RelayedMessage.ticket_id == ticket.id)
        )
        return sorted({ticket.card_message_id, *copies})


async def test_copies_already_gone_do_not_stop_the_erasure(
    harness: Harness, files_dir: Path, warnings: list[str]
) -> None:
    data, _other = await _due(harness)
    copies = await _plain_group(harness, USER_ID)  # ids the group does not hold (any more)
    store = FileStore(FileSettings(files_dir=files_dir))

    assert await _erase(harness, store) == 2
    assert await traces_of(harness.sessionmaker, data) == []
    assert stored_files(files_dir) == []
    assert [call.message_id for call in harness.session.calls(DeleteMessage)] == copies
    assert harness.session.calls(EditMessageText) == []  # nothing left to hide
    assert not any("next run" in line for line in warnings)


async def test_copies_not_deleted_for_now_keep_the_rows_for_the_next_run(
    harness: Harness, files_dir: Path
) -> None:
    data, _other = await _due(harness)
    copies = await _plain_group(harness, USER_ID)
    store = FileStore(FileSettings(files_dir=files_dir))
    _fail_once(harness.session, "deleteMessage", lambda: ApiError("Bad Gateway", code=502))

    assert await _erase(harness, store) == 1
    assert await _user_exists(harness)
    assert await _erase(harness, store) == 1
    assert await traces_of(harness.sessionmaker, data) == []
    deleted = [call.message_id for call in harness.session.calls(DeleteMessage)]
    assert deleted == [copies[0], *copies]  # the first failed, the next run did them all


async def test_a_cancel_while_the_erasure_runs_keeps_the_user(
    harness: Harness, files_dir: Path
) -> None:
    """The request is read again, under a lock, before the rows go."""
    await _due(harness)
    store = FileStore(FileSettings(files_dir=files_dir))

    async def cancel(user_id: int) -> None:
        async with harness.sessionmaker() as session:
            user = await session.get(User, user_id)
            assert user is not None
            user.forget_requested_at = None
            await session.commit()

    assert await _erase(harness, store, forget_elsewhere=cancel) == 0
    assert await _user_exists(harness) and await _user_exists(harness, OTHER_ID)
