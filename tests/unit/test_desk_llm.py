"""The desk's LLM assistant against the fake LongCat: the card's summary and the copilot's
draft use their own prompts, mask personal data, and give None when the LLM cannot answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.methods import SendMessage

from bot.config import load_settings
from bot.consult.consultant import Consultant
from bot.desk.assistant import Line
from bot.desk.copilot import LlmDeskAssistant
from bot.kernel.kv import MemoryCounters
from tests.conftest import Knowledge
from tests.fakes.longcat_server import DEFAULT_API_KEY, FakeLongCat
from tests.fakes.recording import RecordingSession, offline_bot

LINES = [
    Line("user", "We need Kubernetes for our shop, mail me at olga.k@example.org"),
    Line("bot", "We build managed Kubernetes platforms."),
    Line("user", "How soon could you start?"),
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeLongCat]:
    async with FakeLongCat() as server:
        yield server


def assistant(fake: FakeLongCat, **longcat: object) -> LlmDeskAssistant:
    settings = load_settings(
        longcat={"api_key": DEFAULT_API_KEY, "base_url": fake.base_url, **longcat}
    )
    return LlmDeskAssistant(Consultant.from_settings(settings, MemoryCounters()))


async def test_summary_uses_the_escalation_prompt_in_the_agents_language(
    fake: FakeLongCat,
) -> None:
    fake.reply("- Wants Kubernetes for a shop\n- Asks when we can start")
    summary = await assistant(fake).summarize(LINES, language="ru")

    assert summary == "- Wants Kubernetes for a shop\n- Asks when we can start"
    system, content = (m["content"] for m in fake.requests[0]["messages"])
    assert "hand-off note" in system and "Write in Russian" in system
    assert '{"from": "person", "text": "How soon could you start?"}' in content
    assert "olga.k@example.org" not in content and "o***@example.org" in content


async def test_draft_uses_the_copilot_prompt(fake: FakeLongCat) -> None:
    fake.reply("We could start next week; I'll confirm the date after a short call.")
    draft = await assistant(fake).draft_reply(LINES, language="en")

    assert draft is not None and draft.startswith("We could start next week")
    assert "Mode: agent copilot" in fake.requests[0]["messages"][0]["content"]


async def test_no_answer_is_none_not_an_error(fake: FakeLongCat) -> None:
    fake.fail_next(500, times=20)
    helper = assistant(fake, deadline=3)
    assert await helper.summarize(LINES, language="en") is None
    asked = len(fake.requests)
    assert asked >= 1
    assert await helper.draft_reply(LINES, language="en") is None
    assert len(fake.requests) > asked  # both asked, both failed
    assert await helper.draft_reply([], language="en") is None  # nothing to draft from


async def test_a_draft_that_crosses_the_alert_ratio_tells_the_admins(
    fake: FakeLongCat, knowledge: Knowledge
) -> None:
    settings = load_settings(
        longcat={"api_key": DEFAULT_API_KEY, "base_url": fake.base_url},
        llm={"daily_budget_usd": 0.002},
        telegram={"admin_ids": [777]},
    )
    consultant = Consultant.from_settings(settings, MemoryCounters())
    session = RecordingSession()
    await consultant.start(offline_bot(session), knowledge.i18n)
    # 2000 input and 100 output tokens at list price: $0.0018, 90% of the budget.
    fake.reply(
        "We could start next week.", usage={"prompt_tokens": 2000, "completion_tokens": 100}
    )
    await LlmDeskAssistant(consultant).draft_reply(LINES, language="en")

    [alert] = session.calls(SendMessage)
    assert str(alert.chat_id) == "777" and "90% of the daily budget" in alert.text
