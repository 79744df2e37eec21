"""Broadcasts on real PostgreSQL: who each segment reaches, the cursor's paging, a cursor that
only one sender can move, a broadcast sent through to its summary, someone who unblocked the bot
back in the segment once they write, and migration 008."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast.runner import BroadcastRunner
from db import migrate
from db.base import utcnow
from db.engine import create_engine
from db.models import Broadcast, BroadcastSegment, BroadcastStatus, Lead, LeadStatus, User
from db.repositories.broadcasts import (
    Progress,
    add_draft,
    advance,
    count_recipients,
    mark_blocked,
    move,
    next_recipients,
)
from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness
from tests.fakes.recording import RecordingSession, offline_bot

pytestmark = pytest.mark.integration

ADMIN = 9000
# id: (what sets them apart, their leads' statuses)
PEOPLE: dict[int, tuple[dict[str, object], tuple[LeadStatus, ...]]] = {
    1: ({}, ()),
    2: ({"broadcast_opt_out": True}, (LeadStatus.WON,)),
    3: ({"is_blocked": True}, (LeadStatus.WON,)),
    4: ({"is_banned": True}, (LeadStatus.NEW,)),  # for good
    5: ({"is_banned": True, "banned_until": utcnow() + timedelta(days=1)}, ()),
    6: ({"is_banned": True, "banned_until": utcnow() - timedelta(days=1)}, (LeadStatus.NEW,)),
    7: ({"forget_requested_at": utcnow()}, (LeadStatus.WON,)),
    8: ({}, (LeadStatus.NEW, LeadStatus.LOST)),
    9: ({}, (LeadStatus.LOST, LeadStatus.WON)),
    10: ({"language": "ru"}, (LeadStatus.QUALIFIED,)),
}


async def add_people(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        for user_id, (values, leads) in PEOPLE.items():
            session.add(User(id=user_id, first_name=f"P{user_id}", **values))
            await session.flush()
            for status in leads:
                session.add(Lead(user_id=user_id, status=status))
        await session.commit()


async def test_segments(pg_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await add_people(pg_sessionmaker)
    async with pg_sessionmaker() as session:
        # Reachable: 1, 2 (opted out), 6 (the ban ran out), 8, 9, 10.
        assert await count_recipients(session, BroadcastSegment.ALL) == 5
        assert await count_recipients(session, BroadcastSegment.LEADS) == 4  # 6, 8, 9, 10
        assert await count_recipients(session, BroadcastSegment.CLIENTS) == 1  # 9
        everyone = await next_recipients(session, BroadcastSegment.ALL, 0, 100)
        assert [(p.id, p.opted_out) for p in everyone] == [
            (1, False), (2, True), (6, False), (8, False), (9, False), (10, False)
        ]  # fmt: skip
        assert everyone[-1].language == "ru"
        clients = await next_recipients(session, BroadcastSegment.CLIENTS, 0, 100)
        assert [p.id for p in clients] == [2, 9]  # 2 to be skipped, and counted so
        page = await next_recipients(session, BroadcastSegment.LEADS, 6, 2)
        assert [p.id for p in page] == [8, 9]  # after the cursor, in id order, one page


async def test_only_one_sender_moves_the_cursor(
    pg_sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with pg_sessionmaker() as session:
        draft = add_draft(session, "Hi", BroadcastSegment.ALL, ADMIN, "en", 3)
        await session.flush()
        assert await move(session, draft.id, BroadcastStatus.DRAFT, BroadcastStatus.QUEUED)
        assert not await move(session, draft.id, BroadcastStatus.DRAFT, BroadcastStatus.QUEUED)
        assert await move(session, draft.id, BroadcastStatus.QUEUED, BroadcastStatus.SENDING)
        await session.commit()

    async def commit_batch(last: int) -> BroadcastStatus | None:
        async with pg_sessionmaker() as session:
            moved = await advance(session, draft.id, 0, Progress(last_user_id=last, sent=2))
            await session.commit()
            return moved

    results = await asyncio.gather(commit_batch(5), commit_batch(7))
    assert set(results) == {BroadcastStatus.SENDING, None}  # one each
    async with pg_sessionmaker() as session:
        stored = await session.get(Broadcast, draft.id)
        assert stored is not None and stored.sent_count == 2
        assert stored.last_user_id == (5 if results[0] else 7)
    # Stopped by an admin meanwhile: the batch that was out is counted, and the sender stops.
    async with pg_sessionmaker() as session:
        assert await move(session, draft.id, BroadcastStatus.SENDING, BroadcastStatus.CANCELLED)
        status = await advance(session, draft.id, stored.last_user_id, Progress(9, sent=1))
        assert status is BroadcastStatus.CANCELLED
        await session.commit()
        stored = await session.get(Broadcast, draft.id)
        assert stored is not None and (stored.sent_count, stored.last_user_id) == (3, 9)


async def test_a_broadcast_is_sent_through_to_its_summary(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    await add_people(pg_sessionmaker)
    async with pg_sessionmaker() as session:
        draft = add_draft(session, "<b>News</b>", BroadcastSegment.LEADS, ADMIN, "en", 4)
        await session.flush()
        await move(session, draft.id, BroadcastStatus.DRAFT, BroadcastStatus.QUEUED)
        await session.commit()
    recording = RecordingSession()
    bot = offline_bot(recording)

    async def no_wait(seconds: float) -> None:
        pass

    runner = BroadcastRunner(pg_sessionmaker, knowledge.i18n, 30, sleep=no_wait, batch=2)
    await runner.run(bot)
    assert {user_id: recording.sent_texts(user_id) for user_id in (6, 8, 9, 10)} == {
        user_id: ["<b>News</b>"] for user_id in (6, 8, 9, 10)
    }
    assert recording.sent_texts(1) == recording.sent_texts(2) == []
    [summary] = recording.sent_texts(ADMIN)
    assert summary.endswith("4 sent, 0 failed, 0 had blocked the bot, 1 opted out.")
    async with pg_sessionmaker() as session:
        done = await session.get(Broadcast, draft.id)
        assert done is not None
        assert (done.status, done.last_user_id) == (BroadcastStatus.DONE, 10)
        assert done.started_at is not None and done.finished_at is not None


async def test_migration_008_adds_the_opt_out_to_existing_people(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        await migrate.upgrade(engine, "007")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (id, first_name, last_seen_at, updated_at) "
                    "VALUES (5, 'A', now(), now())"
                )
            )
        await migrate.upgrade(engine, "008")
        async with engine.connect() as connection:
            opted_out = await connection.scalar(text("SELECT broadcast_opt_out FROM users"))
            assert opted_out is False
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
            assert "broadcasts" in tables
        await migrate.downgrade(engine, "007")
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda c: [column["name"] for column in inspect(c).get_columns("users")]
            )
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
            assert "broadcast_opt_out" not in columns and "broadcasts" not in tables
            assert await connection.scalar(text("SELECT count(*) FROM users")) == 1
    finally:
        await engine.dispose()


async def test_who_unblocked_the_bot_and_writes_is_in_the_segment_again(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    """On PostgreSQL, where the person's row comes with their context in one statement: the
    flag set by a 403 goes with the commit of their next message."""
    harness = Harness(pg_sessionmaker, knowledge)
    await harness.send("/start", user_id=4242)
    async with pg_sessionmaker() as session:
        await mark_blocked(session, [4242])
        await session.commit()
        assert await count_recipients(session, BroadcastSegment.ALL) == 0
    await harness.send("I am back", user_id=4242)
    async with pg_sessionmaker() as session:
        assert await count_recipients(session, BroadcastSegment.ALL) == 1
        [person] = await next_recipients(session, BroadcastSegment.ALL, 0, 10)
        assert person.id == 4242
