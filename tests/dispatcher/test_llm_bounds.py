"""Every LLM call within bounds, through the dispatcher with the fake LLM: a 50-turn consultation
and a 50-message ticket keep their prompts flat once the history budget is reached, and a person
in a ticket cannot cause more calls than the budgets allow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.dispatcher.harness import Harness, llm_settings
from tests.fakes.desk import ADMIN, GROUP
from tests.fakes.longcat_server import FakeLongCat
from tests.fakes.recording import USER_ID

LONG = "Our platform has a dozen services, queues, a data warehouse and nightly batch jobs. " * 3


@pytest.fixture
async def fake() -> AsyncIterator[FakeLongCat]:
    async with FakeLongCat() as server:
        yield server


def _purpose(request: dict[str, Any]) -> str:
    system = str(request["messages"][0]["content"])
    if "Mode: agent copilot" in system:
        return "copilot"
    if "hand-off note" in system:
        return "handoff"
    if "running summary" in system:
        return "summary"
    return "answer"


def _sizes(fake: FakeLongCat, purpose: str) -> list[int]:
    return [len(str(r["messages"])) for r in fake.requests if _purpose(r) == purpose]


def _flat(sizes: list[int], after: int) -> bool:
    """No prompt after the first `after` is more than 15% above the largest before it."""
    return max(sizes[after:]) <= 1.15 * max(sizes[after // 2 : after])


async def test_a_50_turn_consultation_keeps_its_prompt_flat(
    harness: Harness, fake: FakeLongCat
) -> None:
    harness.rebuild(
        llm_settings(
            fake.base_url,
            longcat={"history_tokens": 400},
            llm={"session_calls": 100, "user_daily_calls": 100},
        )
    )
    await harness.send("/ask")
    for turn in range(50):
        await harness.send(f"Turn {turn}: {LONG} How would you handle release {turn}?")
    answers, summaries = _sizes(fake, "answer"), _sizes(fake, "summary")
    assert len(answers) == 50 and summaries
    assert _flat(answers, 20), answers
    assert max(summaries) <= 1.15 * min(summaries) or _flat(summaries, len(summaries) // 2)


async def test_a_50_message_ticket_keeps_the_desk_prompts_flat(
    desk: Harness, fake: FakeLongCat
) -> None:
    desk.rebuild(
        llm_settings(
            fake.base_url,
            longcat={"history_tokens": 400},
            llm={"desk_ticket_calls": 100},
            telegram={"agent_chat_id": GROUP, "admin_ids": [ADMIN]},
        )
    )
    await desk.send("/human")
    for n in range(50):
        await desk.send(f"Message {n}: {LONG}")
    drafts = _sizes(fake, "copilot")
    assert len(drafts) >= 45, len(drafts)
    assert _flat(drafts, 20), drafts
    assert max(drafts) < 4 * 400 * 4  # about the budget's characters, never the whole ticket


async def test_a_person_in_a_ticket_cannot_cause_more_calls_than_the_budgets(
    desk: Harness, fake: FakeLongCat
) -> None:
    desk.rebuild(
        llm_settings(
            fake.base_url,
            llm={"user_daily_calls": 2, "desk_ticket_calls": 3},
            telegram={"agent_chat_id": GROUP, "admin_ids": [ADMIN]},
        )
    )
    await desk.send("/ask")
    for n in range(4):  # two answered by the LLM, then the daily limit
        await desk.send(f"How would you migrate {n} services to Kubernetes with Terraform?")
    await desk.send("/human")
    for n in range(30):
        await desk.send(f"Still waiting, message {n}")
    by_purpose = [_purpose(r) for r in fake.requests]
    assert by_purpose.count("answer") == 2
    assert by_purpose.count("copilot") + by_purpose.count("handoff") == 3
    assert len(fake.requests) == 5
    assert desk.session.sent_texts(USER_ID)  # the person was answered all along
    await desk.send("/admin llm", user_id=ADMIN)
    (figures,) = desk.session.sent_texts(ADMIN)
    drafts = by_purpose.count("copilot")
    assert "answers to people: 2 calls" in figures
    assert f"agents' drafts: {drafts} calls" in figures
    assert f"hand-off notes: {3 - drafts} calls" in figures
    assert "3 per ticket a day" in figures
