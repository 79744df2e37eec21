"""Retention: archiving, old files and texts of archived conversations, with time moved on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.privacy.retention import run_retention
from bot.scheduler import ERASURE_JOB, RETENTION_JOB, JobContext, create_scheduler
from db.base import utcnow
from db.models import (
    Attachment,
    Conversation,
    ConversationStatus,
    DeskDraft,
    Lead,
    Message,
    RelayedMessage,
    Ticket,
    TicketStatus,
)
from tests.dispatcher.harness import Harness
from tests.fakes.recording import USER_ID
from tests.fakes.uploads import stored_files
from tests.fakes.user_data import give_user_data

OTHER_ID = 2002


@pytest.fixture(autouse=True)
def files_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "files"
    monkeypatch.setenv("FILES_DIR", str(directory))
    return directory


async def test_each_step_waits_for_its_own_period(harness: Harness, files_dir: Path) -> None:
    await give_user_data(
        harness.dp, harness.bot, harness.session, harness.sessionmaker, USER_ID, "MARK"
    )
    settings = load_settings()
    now = utcnow()

    report = await run_retention(harness.sessionmaker, settings, now + timedelta(days=89))
    assert (report.archived, report.attachments_deleted, report.texts_deleted) == (0, 0, 0)

    report = await run_retention(harness.sessionmaker, settings, now + timedelta(days=91))
    assert (report.archived, report.attachments_deleted, report.texts_deleted) == (1, 0, 0)
    async with harness.sessionmaker() as session:
        (status,) = (await session.scalars(select(Conversation.status))).all()
        assert status == ConversationStatus.ARCHIVED
        assert None not in (await session.scalars(select(Message.text))).all()
    assert len(stored_files(files_dir)) == 1

    report = await run_retention(harness.sessionmaker, settings, now + timedelta(days=181))
    assert report.archived == 0  # already archived
    assert report.attachments_deleted == 1
    assert report.texts_deleted >= 3  # the question, the answer, the caption
    async with harness.sessionmaker() as session:
        assert (await session.scalars(select(Attachment))).all() == []
        assert set((await session.scalars(select(Message.text))).all()) == {None}
        assert (await session.scalars(select(Message))).all()  # the rows stay, without text
    assert stored_files(files_dir) == []

    again = await run_retention(harness.sessionmaker, settings, now + timedelta(days=181))
    assert again == type(again)(0, 0, 0, 0, 0, 0)


async def test_unused_drafts_and_old_relayed_pairs_age_out_but_leads_stay(
    harness: Harness,
) -> None:
    """Issue 17 (finding 3): a copilot draft nobody used goes after RETENTION_DRAFT_DAYS; the
    relayed pairs of a closed ticket in a forum topic after RETENTION_RELAY_DAYS, those of a
    plain group's ticket stay (the erasure finds the copies by them), and so do leads."""
    await give_user_data(
        harness.dp, harness.bot, harness.session, harness.sessionmaker, USER_ID, "MARK"
    )
    await give_user_data(
        harness.dp, harness.bot, harness.session, harness.sessionmaker, OTHER_ID, "PLAIN"
    )
    async with harness.sessionmaker() as session:
        for ticket in (await session.scalars(select(Ticket))).all():
            ticket.status = TicketStatus.CLOSED
            if ticket.user_id == OTHER_ID:
                ticket.topic_id = None  # a plain agents' group
        await session.commit()
    settings = load_settings()
    now = utcnow()

    report = await run_retention(harness.sessionmaker, settings, now + timedelta(days=29))
    assert (report.drafts_deleted, report.relays_deleted) == (0, 0)
    report = await run_retention(harness.sessionmaker, settings, now + timedelta(days=31))
    assert (report.drafts_deleted, report.relays_deleted) == (2, 0)
    report = await run_retention(harness.sessionmaker, settings, now + timedelta(days=181))
    assert (report.drafts_deleted, report.relays_deleted) == (0, 1)
    async with harness.sessionmaker() as session:
        assert (await session.scalars(select(DeskDraft))).all() == []
        [kept] = (await session.scalars(select(RelayedMessage))).all()
        ticket = await session.get(Ticket, kept.ticket_id)
        assert ticket is not None and ticket.user_id == OTHER_ID
        assert len((await session.scalars(select(Lead))).all()) == 2


async def test_an_active_conversation_is_kept(harness: Harness) -> None:
    await give_user_data(
        harness.dp, harness.bot, harness.session, harness.sessionmaker, USER_ID, "MARK"
    )
    async with harness.sessionmaker() as session:
        conversation = (await session.scalars(select(Conversation))).one()
        conversation.last_message_at = utcnow() + timedelta(days=60)
        await session.commit()
    report = await run_retention(
        harness.sessionmaker, load_settings(), utcnow() + timedelta(days=91)
    )
    assert report.archived == 0


async def test_the_rare_jobs_are_due_at_start_with_the_context(harness: Harness) -> None:
    """A run missed while the bot was down happens at start (a lease in Redis skips it when a
    replica ran it lately; see the integration tests)."""
    context = JobContext(
        harness.bot,
        load_settings(),
        harness.sessionmaker,
        harness.knowledge.i18n,
        harness.dp["desk"],
    )
    scheduler = create_scheduler(context)
    scheduler.start(paused=True)
    try:
        for job_id in (RETENTION_JOB, ERASURE_JOB):
            job = scheduler.get_job(job_id)
            assert job is not None and job.args == (context,) and job.kwargs == {}
            assert (job.next_run_time - utcnow()).total_seconds() < 5
    finally:
        scheduler.shutdown(wait=False)
