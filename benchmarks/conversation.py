"""Conversation quality against the fake LLM, through the real dispatcher (an offline Bot API):

- routing: the share of specific questions that the LLM answers and of FAQ questions that get
  their canned answer with no LLM call, on the tuning set and on the held-out set
  (tests/data/routing.py);
- scripted prospect conversations: the share that end answered without a human, and the LLM
  calls and cost per conversation at list price (the fake's usage, LONGCAT_PRICES);
- the prompt size per turn (the bot's own token estimate) over a 50-turn consultation and a
  50-message ticket: flat once the history budget is reached.

    .venv/bin/python -m benchmarks.conversation
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.app import load_knowledge
from bot.config import Settings, load_settings
from bot.consult.consultant import PURPOSES
from bot.desk.escalation import HUMAN_INTENT, INCIDENT_INTENT
from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Ticket
from llm.context import message_tokens
from tests.conftest import Knowledge
from tests.data.routing import Question, questions
from tests.dispatcher.harness import Harness, llm_settings
from tests.fakes.desk import ADMIN, ALWAYS_OPEN, GROUP, add_agents, forum
from tests.fakes.longcat_server import FakeLongCat

ECHO = "LongCat echo:"
HISTORY_TOKENS = 400  # small, so that 50 turns go well past it
LONG = "Our platform has a dozen services, queues, a data warehouse and nightly batch jobs. " * 3

# Prospects as they write: each list is one person's messages, in order.
CONVERSATIONS: dict[str, tuple[str, list[str]]] = {
    "services-and-price": ("en", ["hi", "what services do you offer?",
                                  "how much does a kubernetes setup cost?", "thanks!"]),
    "specific-migration": ("en", [
        "We have 12 Node services deployed by hand on EC2, would you containerise them first or "
        "go straight to ECS Fargate?", "and how long would a migration like that take?",
        "ok, thank you"]),
    "specific-terraform": ("en", ["How should we structure Terraform state for 30 AWS accounts?",
                                  "do you work with terraform cloud too?"]),
    "pricing-models": ("en", ["Do you offer fixed price or hourly billing?",
                              "whats your hourly rate?", "can we sign an NDA?"]),
    "wants-a-person": ("en", ["hello", "can I talk to someone from your team please"]),
    "outage": ("en", ["production is down, our api is dead, help!!!"]),
    "ru-services": ("ru", ["привет", "чем вы занимаетесь?", "сколько стоит настроить ci/cd?",
                           "спасибо"]),
    "ru-specific": ("ru", [
        "У нас 40 микросервисов на ECS и общая база, в пик блокировки; что сначала: разделить "
        "базу или сделать реплики для чтения?", "а сколько по времени займёт?", "спасибо"]),
    "ru-support": ("ru", ["есть поддержка 24/7?",
                          "какие облака поддерживаете: AWS, GCP или Azure?"]),
    "ru-human": ("ru", ["соедините с менеджером"]),
}  # fmt: skip


# Each split's first person id; the labels are what the sets were for (tests/data/routing.py).
SPLITS = (("dev", 1_000_000), ("test", 2_000_000), ("fresh", 2_500_000))
SPLIT_LABELS = {"dev": "tuning       ", "test": "held out (1)", "fresh": "held out (2)"}


@dataclass
class Routing:
    specific: int = 0
    specific_to_llm: int = 0
    faq: int = 0
    faq_without_llm: int = 0
    faq_with_intent: int = 0
    faq_canned: int = 0


def _canned(knowledge: Knowledge, question: Question, texts: Sequence[str]) -> bool:
    """The FAQ's own answer: its canned text, or also the hand-off for a wish to talk to a person
    or an outage."""
    assert question.intent is not None
    if question.intent in (HUMAN_INTENT, INCIDENT_INTENT):
        opened = knowledge.i18n.get(question.language)("desk-opened", minutes=0)
        if any(text.startswith(opened.split(".")[0]) for text in texts):
            return True
    answer = knowledge.kb.entry(question.language, question.intent).answer or ""
    return bool(answer) and any(answer[:40] in text for text in texts)


def _desk_or_summary(request: dict[str, Any]) -> bool:
    system = str(request["messages"][0]["content"])
    return any(mark in system for mark in ("Mode: agent copilot", "hand-off note",
                                           "running summary"))  # fmt: skip


def _answers(fake: FakeLongCat) -> int:
    """The consultation's answers so far (not the desk's notes and drafts, nor summaries)."""
    return sum(not _desk_or_summary(request) for request in fake.requests)


async def routing(harness: Harness, fake: FakeLongCat, split: str, first: int) -> Routing:
    knowledge = harness.knowledge
    found = Routing()
    for n, question in enumerate(questions(split, knowledge.kb)):
        person, calls = first + n, _answers(fake)
        await harness.send(question.text, user_id=person, language_code=question.language)
        texts = harness.session.sent_texts(person)
        if question.specific:
            found.specific += 1
            found.specific_to_llm += any(ECHO in text for text in texts)
            continue
        found.faq += 1
        if _answers(fake) == calls:
            found.faq_without_llm += 1
            if question.intent is not None:
                found.faq_with_intent += 1
                found.faq_canned += _canned(knowledge, question, texts)
        elif question.intent is not None:
            found.faq_with_intent += 1
    return found


async def _figures(harness: Harness) -> tuple[int, Decimal]:
    budget = harness.dp["consultant"].budget
    figures = await budget.figures(PURPOSES)
    return sum(f.calls for f in figures.values()), sum(
        (f.cost_usd for f in figures.values()), Decimal(0)
    )


async def conversations(harness: Harness, first: int) -> list[tuple[str, bool, int, Decimal]]:
    """Each scripted conversation: (name, answered without a human, LLM calls, cost)."""
    rows = []
    for n, (name, (language, messages)) in enumerate(CONVERSATIONS.items()):
        person = first + n
        calls_before, cost_before = await _figures(harness)
        for text in messages:
            await harness.send(text, user_id=person, language_code=language)
        calls, cost = await _figures(harness)
        async with harness.sessionmaker() as session:
            tickets = await session.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.user_id == person)
            )
        rows.append((name, not tickets, calls - calls_before, cost - cost_before))
    return rows


def _tokens(fake: FakeLongCat, since: int, marker: str | None) -> list[int]:
    chosen = []
    for request in fake.requests[since:]:
        system = str(request["messages"][0]["content"])
        if marker is None and _desk_or_summary(request):
            continue
        if marker is not None and marker not in system:
            continue
        chosen.append(message_tokens(request["messages"]))
    return chosen


async def long_consultation(harness: Harness, fake: FakeLongCat, person: int) -> list[int]:
    since = len(fake.requests)
    await harness.send("/ask", user_id=person)
    for turn in range(50):
        text = f"Turn {turn}: {LONG} How would you handle release {turn}?"
        await harness.send(text, user_id=person)
    return _tokens(fake, since, None)


async def long_ticket(harness: Harness, fake: FakeLongCat, person: int) -> list[int]:
    since = len(fake.requests)
    await harness.send("/human", user_id=person)
    for n in range(50):
        await harness.send(f"Message {n}: {LONG}", user_id=person)
    return _tokens(fake, since, "Mode: agent copilot")


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.1f}%)" if whole else "0/0"


def _sample(tokens: list[int]) -> str:
    picks = [1, 5, 10, 20, 30, 40, 50]
    return "  ".join(f"#{n}:{tokens[n - 1]}" for n in picks if n <= len(tokens))


def print_routing(label: str, found: Routing) -> None:
    print(f"  {label}  specific -> LLM answer {_share(found.specific_to_llm, found.specific)}")
    print(f"            FAQ without an LLM call {_share(found.faq_without_llm, found.faq)}")
    canned = _share(found.faq_canned, found.faq_with_intent)
    print(f"            FAQ with its own canned answer (or the hand-off it asks for) {canned}")


async def main() -> None:
    base = load_settings()
    knowledge = Knowledge(*load_knowledge(base))
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        await migrate.upgrade(engine)
        sessionmaker = create_sessionmaker(engine)
        await add_agents(sessionmaker)
        async with FakeLongCat() as fake:
            settings: Settings = llm_settings(
                fake.base_url,
                longcat={"history_tokens": HISTORY_TOKENS},
                llm={"session_calls": 100, "user_daily_calls": 100, "desk_ticket_calls": 100},
                telegram={"agent_chat_id": GROUP, "admin_ids": [ADMIN]},
            )
            extra: dict[str, Any] = {"business_hours": ALWAYS_OPEN}
            harness = Harness(sessionmaker, knowledge, settings, **extra)
            forum(harness.session)
            print("routing with an LLM configured (each question from a new person)")
            for split, first in SPLITS:
                found = await routing(harness, fake, split, first)
                print_routing(SPLIT_LABELS[split], found)
            rows = await conversations(harness, 3_000_000)
            alone = sum(row[1] for row in rows)
            calls = sum(row[2] for row in rows)
            cost = sum((row[3] for row in rows), Decimal(0))
            print(f"\nscripted prospect conversations: {len(rows)}")
            for name, answered, n_calls, n_cost in rows:
                ending = "answered by the bot" if answered else "handed to a human"
                print(f"  {name:<22} {ending:<20} LLM calls {n_calls:>2}  cost ${n_cost:.5f}")
            per = len(rows)
            print(f"  answered without a human {_share(alone, per)}; per conversation "
                  f"{calls / per:.2f} LLM calls, ${cost / per:.5f} at list price")  # fmt: skip
            consultation = await long_consultation(harness, fake, 4_000_000)
            ticket = await long_ticket(harness, fake, 4_000_001)
        await engine.dispose()
    print(f"\nprompt tokens per turn (history budget {HISTORY_TOKENS} tokens)")
    print(
        f"  50-turn consultation  {_sample(consultation)}  max after turn 20: "
        f"{max(consultation[20:])}  max before: {max(consultation[:20])}"
    )
    print(
        f"  50-message ticket     {_sample(ticket)}  max after message 20: "
        f"{max(ticket[20:])}  max before: {max(ticket[:20])}"
    )


if __name__ == "__main__":
    asyncio.run(main())
