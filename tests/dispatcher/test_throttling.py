"""Rate limits: counted per user and window, one notice per window, higher for trusted people."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery
from sqlalchemy import select

from bot.config import ThrottleSettings, load_settings
from bot.guard.throttling import Throttle
from bot.kernel.kv import MemoryCounters
from db.models import AuditLog, IntakeProgress, Lead
from db.models.enums import LeadScore, LeadStatus
from handlers.files import AlbumReplies
from tests.dispatcher.harness import Harness
from tests.fakes.uploads import JPG, file_update


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, **limits: int) -> Throttle:
    settings = ThrottleSettings(burst=3, burst_seconds=3, per_hour=10, per_day=20, **limits)
    return Throttle(MemoryCounters(clock), settings)


async def never() -> bool:
    return False


async def always() -> bool:
    return True


async def test_burst_limit_tells_once_per_window() -> None:
    clock = Clock()
    limiter = throttle(clock)
    verdicts = [await limiter.check(1, never) for _ in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert [v.notify for v in verdicts[3:]] == [True, False]
    assert verdicts[3].limit is not None and verdicts[3].limit.name == "burst"
    assert (await limiter.check(2, never)).allowed  # another user is not affected
    clock.now += 3.5
    assert (await limiter.check(1, never)).allowed  # a new window


async def test_hourly_limit_and_the_trusted_factor() -> None:
    clock = Clock()
    limiter = throttle(clock)
    allowed = 0
    for _ in range(12):
        clock.now += 5  # slow enough for the burst limit
        allowed += (await limiter.check(1, never)).allowed
    assert allowed == 10
    trusted = throttle(Clock(), trusted_factor=2)
    results = [(await trusted.check(7, always)).allowed for _ in range(8)]
    assert results == [True] * 6 + [False] * 2  # burst 3 x factor 2 within one window


async def test_the_bot_answers_within_the_limit_and_says_so_once(harness: Harness) -> None:
    settings = load_settings(throttle={"burst": 3, "burst_seconds": 60})
    harness.rebuild(settings)
    for _ in range(5):
        await harness.send("/help", language_code="ru")
    texts = harness.session.sent_texts()
    assert len(texts) == 4
    assert "Слишком много сообщений" in texts[3]
    async with harness.sessionmaker() as session:
        (audit,) = (await session.scalars(select(AuditLog))).all()
    assert (audit.action, audit.target_id, audit.details) == (
        "rate_limit",
        1001,
        {"limit": "burst"},
    )


async def test_an_album_counts_once_against_the_limits(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FILES_DIR", str(tmp_path / "files"))
    settings = load_settings(throttle={"burst": 2, "burst_seconds": 60})
    harness.rebuild(settings)
    replies = AlbumReplies()  # the production quiet time: items fed one by one stay well inside it
    harness.dp["album_replies"] = replies
    for _ in range(8):  # an album of eight photos: one message as far as limits go
        photo = file_update(harness.session, JPG, photo=True, media_group_id="trip")
        await harness.dp.feed_update(harness.bot, photo)
    await replies.drain()
    (text,) = harness.session.sent_texts()
    assert text.count("Received") == 8
    await harness.send("/help")  # the second message of the burst window still passes
    assert "a lot of messages" not in harness.session.sent_texts()[-1]
    await harness.send("/help")
    assert "a lot of messages" in harness.session.sent_texts()[-1]


@pytest.mark.parametrize(
    ("score", "status", "trusted"),
    [
        (LeadScore.COLD, LeadStatus.NEW, False),  # five junk answers buy nothing
        (LeadScore.WARM, LeadStatus.NEW, True),
        (LeadScore.COLD, LeadStatus.QUALIFIED, True),  # an agent took the lead up
    ],
)
async def test_only_a_lead_worth_something_earns_the_trusted_factor(
    harness: Harness, score: LeadScore, status: LeadStatus, trusted: bool
) -> None:
    harness.rebuild(load_settings(throttle={"burst": 3, "burst_seconds": 60, "trusted_factor": 5}))
    await harness.send("/help")  # the person's first message: their row exists from now on
    async with harness.sessionmaker() as session:
        session.add(IntakeProgress(user_id=1001, completed=True))
        session.add(Lead(user_id=1001, description="asdf", score=score, status=status))
        await session.commit()
    for _ in range(4):
        await harness.send("/help")
    throttled = any("a lot of messages" in text for text in harness.session.sent_texts())
    assert throttled is not trusted


async def test_a_flood_of_button_presses_is_answered_and_does_nothing(harness: Harness) -> None:
    harness.rebuild(load_settings(throttle={"buttons": 3, "buttons_seconds": 60}))
    await harness.send("/start")
    message_id = harness.session.latest_message(with_keyboard=True).message_id
    sent = len(harness.session.sent_texts())
    for _ in range(15):
        await harness.press("lang:ru", message_id)
    answers = harness.session.calls(AnswerCallbackQuery)
    assert len({a.callback_query_id for a in answers}) == 15  # no spinner left turning
    notices = [a for a in answers if a.text and "нажатий" in a.text]
    assert len(notices) == 1 and notices[0].show_alert
    # only the first three presses did anything (the language switch and its confirmation)
    assert len(harness.session.sent_texts()) - sent <= 3
    async with harness.sessionmaker() as session:
        audits = (await session.scalars(select(AuditLog))).all()
    assert [(a.action, a.details) for a in audits] == [("rate_limit", {"limit": "buttons"})]
