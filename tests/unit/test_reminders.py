"""Abandoned intakes are reminded once, after the delay and within the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram.methods import SendMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import load_settings
from bot.desk.topics import Desk
from bot.intake.jobs import ResumeIntakeCallback, remind_abandoned_intakes
from bot.intake.tracking import (
    claim_reminders,
    intake_finished,
    intake_started,
    intake_step,
)
from bot.kernel.kv import MemoryLocks
from bot.scheduler import JobContext
from bot.telegram.offline_session import ApiCall, ApiError
from db.models import IntakeProgress, User
from tests.conftest import Knowledge
from tests.fakes.desk import ALWAYS_OPEN
from tests.fakes.recording import RecordingSession, offline_bot

DELAY, WINDOW = timedelta(hours=3), timedelta(hours=48)


async def _user(factory: async_sessionmaker[AsyncSession], user_id: int, lang: str = "en") -> None:
    async with factory() as session:
        session.add(User(id=user_id, first_name="U", language=lang))
        await session.commit()


async def _age(factory: async_sessionmaker[AsyncSession], user_id: int, hours: float) -> None:
    async with factory() as session:
        progress = await session.get(IntakeProgress, user_id)
        assert progress is not None
        progress.updated_at = datetime.now(UTC) - timedelta(hours=hours)
        await session.commit()


async def _claim(factory: async_sessionmaker[AsyncSession]) -> list[int]:
    async with factory() as session:
        ids = await claim_reminders(session, delay=DELAY, window=WINDOW)
        await session.commit()
        return ids


async def test_reminded_once_after_the_delay(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _user(sessionmaker, 1)
    async with sessionmaker() as session:
        await intake_started(session, 1, "menu")
        await intake_step(session, 1, "timeline")
        await session.commit()
    assert await _claim(sessionmaker) == []  # too early
    await _age(sessionmaker, 1, 4)
    assert await _claim(sessionmaker) == [1]
    assert await _claim(sessionmaker) == []  # never twice


async def test_finished_and_old_intakes_are_left_alone(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    for user_id in (1, 2):
        await _user(sessionmaker, user_id)
        async with sessionmaker() as session:
            await intake_started(session, user_id, None)
            await session.commit()
    async with sessionmaker() as session:
        await intake_finished(session, 1, completed=True)
        await session.commit()
    await _age(sessionmaker, 1, 4)
    await _age(sessionmaker, 2, 49)  # outside the 48 h window
    assert await _claim(sessionmaker) == []


async def test_a_new_intake_can_be_reminded_again(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _user(sessionmaker, 1)
    async with sessionmaker() as session:
        await intake_started(session, 1, None)
        await session.commit()
    await _age(sessionmaker, 1, 4)
    assert await _claim(sessionmaker) == [1]
    async with sessionmaker() as session:
        await intake_started(session, 1, "reminder")
        await session.commit()
    await _age(sessionmaker, 1, 5)
    assert await _claim(sessionmaker) == [1]


async def test_the_job_sends_the_reminder_in_the_users_language(
    sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge
) -> None:
    await _user(sessionmaker, 10, "ru")
    await _user(sessionmaker, 11, "en")
    for user_id in (10, 11):
        async with sessionmaker() as session:
            await intake_started(session, user_id, None)
            await session.commit()
        await _age(sessionmaker, user_id, 4)
    recording = RecordingSession()

    def blocked(call: ApiCall) -> object:
        if call.chat_id() == 11:
            raise ApiError("Forbidden: bot was blocked by the user", code=403)
        return original(call)

    original = recording.responders["sendMessage"]
    recording.responders["sendMessage"] = blocked
    bot = offline_bot(recording)
    settings = load_settings()
    desk = Desk(settings, knowledge.i18n, MemoryLocks(), ALWAYS_OPEN)
    context = JobContext(bot, settings, sessionmaker, knowledge.i18n, desk)
    assert await remind_abandoned_intakes(context) == 1
    sent = [call for call in recording.calls(SendMessage) if str(call.chat_id) == "10"]
    assert len(sent) == 1
    assert "продолжим" in sent[0].text
    button = sent[0].reply_markup.inline_keyboard[0][0]  # type: ignore[union-attr]
    assert button.callback_data == ResumeIntakeCallback().pack()
    async with sessionmaker() as session:
        blocked_user = await session.get(User, 11)
        assert blocked_user is not None and blocked_user.is_blocked
    assert await remind_abandoned_intakes(context) == 0  # nobody twice
