"""`python -m bot run` with the LLM: the fake Bot API and the fake LongCat, on real PostgreSQL
and Redis. Every question gets a full answer or the knowledge-base fallback within 20 s, through
delays, 429s, 500s, timeouts, spent quota and streams that stall or break in the middle."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable

import pytest

from tests.e2e.conftest import START_TIMEOUT, BotProcess
from tests.fakes.longcat_server import DEFAULT_API_KEY, FakeLongCat
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.e2e

ANSWER_WITHIN = 20.0
APOLOGY = "Sorry, something went wrong"


@pytest.fixture
async def longcat() -> AsyncIterator[FakeLongCat]:
    async with FakeLongCat() as fake:
        yield fake


def use_llm(bot_process: BotProcess, longcat: FakeLongCat, **extra: str) -> None:
    """Point the bot at the fake LongCat, with timeouts short enough for a test."""
    bot_process.env.update(
        LONGCAT_API_KEY=DEFAULT_API_KEY,
        LONGCAT_BASE_URL=longcat.base_url,
        LONGCAT_FIRST_TOKEN_TIMEOUT="3",
        LONGCAT_IDLE_TIMEOUT="3",
        LONGCAT_DEADLINE="15",
        **extra,
    )


async def final_reply(telegram: FakeTelegram, user_id: int, since: int) -> str:
    """The first sendMessage to the user after call number `since` (drafts are not replies)."""
    call = await telegram.wait_for(
        "sendMessage",
        lambda c: c.params.get("chat_id") == user_id,
        timeout=ANSWER_WITHIN,
        since=since,
    )
    return str(call.params["text"])


async def ask(telegram: FakeTelegram, user_id: int, question: str, language: str = "en") -> str:
    since = len(telegram.calls)
    telegram.add_update(telegram.user_message("/ask", user_id=user_id, language_code=language))
    await final_reply(telegram, user_id, since)
    since = len(telegram.calls)
    started = time.monotonic()
    telegram.add_update(telegram.user_message(question, user_id=user_id, language_code=language))
    text = await final_reply(telegram, user_id, since)
    assert time.monotonic() - started < ANSWER_WITHIN
    assert APOLOGY not in text
    return text


FAULTS: list[tuple[str, Callable[[FakeLongCat], None], bool]] = [
    ("plain", lambda fake: None, True),
    ("slow first token", lambda fake: fake.delay_first_token(1.5), True),
    ("429", lambda fake: fake.fail_next(429, retry_after=1), True),
    ("500", lambda fake: fake.fail_next(500), True),
    ("timeout", lambda fake: fake.hang_next(seconds=60), True),
    ("stall", lambda fake: fake.stall_stream_after(3, seconds=60), True),
    ("cut", lambda fake: fake.cut_stream_after(3), True),
    ("down", lambda fake: fake.fail_next(500, times=3), False),
    ("quota", lambda fake: fake.fail_next(402), False),
]


async def test_every_question_gets_an_answer_or_the_fallback_in_time(
    telegram: FakeTelegram, longcat: FakeLongCat, bot_process: BotProcess
) -> None:
    # A small history budget: a few turns in, older ones are summarised by a plain call.
    use_llm(bot_process, longcat, LONGCAT_BREAKER_FAILURES="50", LONGCAT_HISTORY_TOKENS="200")
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=START_TIMEOUT)  # started, then timed
    for number, (name, inject, answered) in enumerate(FAULTS):
        longcat.clear()
        inject(longcat)
        longcat.reply(f"Answer **{name}**: we can help with that migration.")
        longcat.reply(f"Answer **{name}**: we can help with that migration.")
        text = await ask(telegram, 7000 + number, "How would you migrate our monolith to AWS?")
        if answered:
            assert text.startswith(f"Answer <b>{name}</b>"), (name, text)
        else:
            assert text.startswith("🤖 The AI assistant"), (name, text)
    drafts = telegram.calls_of("sendMessageDraft")
    assert drafts and all(call.params["chat_id"] >= 7000 for call in drafts)

    # Plain (non-streamed) calls: the running summary, through a 500 of its own.
    longcat.clear()
    answer = "We would start with a **CI/CD pipeline**: tests, container images and deployments "
    answer += "from the main branch, then infrastructure as code for the services. " * 3
    longcat.reply(answer)
    await ask(telegram, 7100, "We run 12 services on EC2 and deploy them by hand every week.")
    for turn in range(3):
        longcat.fail_next(500)
        longcat.reply("A short summary of the conversation so far.")
        longcat.reply(answer)
        since = len(telegram.calls)
        question = f"Question {turn}: what would you automate first, and how long does it take?"
        telegram.add_update(telegram.user_message(question, user_id=7100))
        assert APOLOGY not in await final_reply(telegram, 7100, since)
    plain = [request for request in longcat.requests if not request.get("stream")]
    assert plain and "running summary" in plain[-1]["messages"][0]["content"]
    # The summary is a turn's first request, so it met that turn's 500 and was sent again.
    assert any(a["messages"] == b["messages"] for a, b in itertools.pairwise(plain))
    assert "LONGCAT_MODEL" not in bot_process.log()  # the model was found at start
    assert await bot_process.stop() == 0


async def test_concurrent_questions_during_faults_are_all_answered(
    telegram: FakeTelegram, longcat: FakeLongCat, bot_process: BotProcess
) -> None:
    use_llm(bot_process, longcat)
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=START_TIMEOUT)  # started, then timed
    users = list(range(8000, 8006))
    for user_id in users:
        telegram.add_update(telegram.user_message("/ask", user_id=user_id))
    for user_id in users:
        await final_reply(telegram, user_id, 0)
    longcat.fail_next(500, times=2)
    longcat.hang_next(seconds=60)
    since = len(telegram.calls)
    for user_id in users:
        telegram.add_update(telegram.user_message("Can you set up CI/CD for us?", user_id=user_id))
    replies = await asyncio.gather(*(final_reply(telegram, u, since) for u in users))
    for text in replies:
        assert APOLOGY not in text
        assert text.startswith("LongCat echo") or text.startswith("🤖")
    assert await bot_process.stop() == 0


async def test_a_model_that_is_not_served_is_one_warning_and_the_fallback(
    telegram: FakeTelegram, longcat: FakeLongCat, bot_process: BotProcess
) -> None:
    use_llm(bot_process, longcat, LONGCAT_MODEL="LongCat-Flash-Chat-Retired")
    await bot_process.start()
    await telegram.wait_for("getUpdates", timeout=START_TIMEOUT)  # started, then timed
    text = await ask(telegram, 9001, "Сколько стоит настройка Kubernetes?", language="ru")
    assert text.startswith("🤖 ИИ-ассистент сейчас недоступен")
    assert longcat.requests == []  # no chat completion was even tried
    assert bot_process.log().count("LONGCAT_MODEL: LongCat-Flash-Chat-Retired is not served") == 1
    assert await bot_process.stop() == 0
