"""Routing through the dispatcher with the fake LLM, on both held-out sets (tests/data/routing.py):
specific questions reach the LLM and its answer reaches the person; FAQ questions get the
canned answer and cause no LLM call. Each question comes from a new person."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.desk.escalation import HUMAN_INTENT, INCIDENT_INTENT
from tests.conftest import Knowledge
from tests.data.routing import Question, questions
from tests.dispatcher.harness import Harness, llm_settings
from tests.fakes.longcat_server import FakeLongCat

ECHO = "LongCat echo:"
FIRST_PERSON = 900_000


@pytest.fixture
async def fake() -> AsyncIterator[FakeLongCat]:
    async with FakeLongCat() as server:
        yield server


def _expected(knowledge: Knowledge, question: Question, text: str) -> bool:
    """The FAQ's own answer to the question: its canned text, or for a wish to talk to a
    person (or an outage) also the hand-off to the team, the desk's answer to them when sure."""
    assert question.intent is not None
    if question.intent in (HUMAN_INTENT, INCIDENT_INTENT):
        opened = knowledge.i18n.get(question.language)("desk-opened", minutes=0)
        if text.startswith(opened.split(".")[0]):
            return True
    answer = knowledge.kb.entry(question.language, question.intent).answer or ""
    return bool(answer) and answer[:40] in text


async def _ask(harness: Harness, person: int, question: Question) -> list[str]:
    language = "ru" if question.language == "ru" else "en"
    await harness.send(question.text, user_id=person, language_code=language)
    return harness.session.sent_texts(person)


@pytest.mark.parametrize("split", ["test", "fresh"])
async def test_held_out_questions_are_routed_as_users_expect(
    harness: Harness, fake: FakeLongCat, knowledge: Knowledge, split: str
) -> None:
    harness.rebuild(llm_settings(fake.base_url))
    held_out = questions(split, knowledge.kb)
    specific = [q for q in held_out if q.specific]
    general = [q for q in held_out if not q.specific]
    answered_by_llm = 0
    for n, question in enumerate(specific):
        texts = await _ask(harness, FIRST_PERSON + n, question)
        answered_by_llm += any(ECHO in text for text in texts)
    no_llm = canned = 0
    for n, question in enumerate(general, start=len(specific)):
        calls = len(fake.requests)
        texts = await _ask(harness, FIRST_PERSON + n, question)
        if len(fake.requests) == calls:
            no_llm += 1
            if question.intent is not None:
                canned += any(_expected(knowledge, question, text) for text in texts)
    with_intent = sum(q.intent is not None for q in general)
    print(f"specific -> LLM answer: {answered_by_llm}/{len(specific)}; "
          f"FAQ without an LLM call: {no_llm}/{len(general)}; "
          f"FAQ with its own canned answer: {canned}/{with_intent}")  # fmt: skip
    assert answered_by_llm >= 0.9 * len(specific)
    assert no_llm >= 0.95 * len(general)
    assert canned >= 0.95 * with_intent
