"""`python -m bot replay`: a conversation written to the database, printed as a transcript (text,
Markdown, JSON), masked, and compared with what today's bot answers (`--what-if`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.cli.replay import Stored, Today, load, transcript, what_if
from bot.cli.replay_export import render
from bot.config import load_settings
from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Conversation, Message, SenderType, User
from llm.client import LongCatClient
from tests.conftest import Knowledge
from tests.fakes.longcat_server import DEFAULT_API_KEY, FakeLongCat

FAQ_QUESTION = "How much does a CI/CD setup cost?"
LLM_QUESTION = (
    "We run 40 microservices on ECS; should we split the database or add read replicas? "
    "I'm Ann, write to ann.lee@example.com"
)
LLM_ANSWER = "Add **read replicas** first, Ann; split the database later."
AGENT_TEXT = "Hi Ann, Bob from the team here."


def at(second: int) -> datetime:
    return datetime(2026, 5, 1, 12, 0, second, tzinfo=UTC)


@dataclass(frozen=True)
class Database:
    url: str
    conversation_id: int


@pytest.fixture
async def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Database]:
    """A conversation of four messages: an FAQ answer (its text since changed), an LLM answer
    with all its metadata, an agent's message."""
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        session.add(User(id=5, first_name="Ann", username="ann", language="en"))
        await session.flush()
        conversation = Conversation(user_id=5, language="en", created_at=at(0))
        session.add(conversation)
        await session.flush()
        user, bot, agent = SenderType.USER, SenderType.BOT, SenderType.AGENT
        session.add_all([
            Message(conversation_id=conversation.id, sender_type=user, text=FAQ_QUESTION,
                    intent="pricing.overview", intent_confidence=0.98, created_at=at(1)),
            Message(conversation_id=conversation.id, sender_type=bot,
                    text="Our old price list.", intent="pricing.overview",
                    intent_confidence=0.98, answer_source="kb", created_at=at(2)),
            Message(conversation_id=conversation.id, sender_type=user, text=LLM_QUESTION,
                    intent="tech.legacy_modernization", intent_confidence=0.73,
                    created_at=at(3)),
            Message(conversation_id=conversation.id, sender_type=bot, text=LLM_ANSWER,
                    intent="tech.legacy_modernization", intent_confidence=0.73,
                    answer_source="llm", llm_model="LongCat-2.0",
                    prompt_version="project_consultation@1.1", prompt_tokens=812,
                    completion_tokens=143, cached_tokens=64, latency_ms=1520,
                    cost_usd=Decimal("0.000654"), confidence=0.74, created_at=at(4)),
            Message(conversation_id=conversation.id, sender_type=agent, text=AGENT_TEXT,
                    answer_source="agent", created_at=at(5)),
        ])  # fmt: skip
        await session.commit()
        conversation_id = conversation.id
    await engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    yield Database(url, conversation_id)


async def stored(database: Database) -> Stored:
    engine = create_engine(database.url)
    try:
        async with create_sessionmaker(engine)() as session:
            found = await load(session, database.conversation_id)
    finally:
        await engine.dispose()
    assert found is not None
    return found


async def replay(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = await asyncio.to_thread(main, ["replay", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_the_transcript_shows_each_message_and_how_each_answer_was_made(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await replay(capsys, database.conversation_id)

    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        f"Conversation {database.conversation_id} · user 5 · status bot · language en"
        " · started 2026-05-01 12:00:00 UTC · 5 messages"
    )
    assert f"2026-05-01 12:00:01  user    {FAQ_QUESTION}" in lines
    assert "2026-05-01 12:00:02  bot     Our old price list." in lines
    assert "[intent pricing.overview (0.98) · source kb]" in out
    llm_meta = (
        "[intent tech.legacy_modernization (0.73) · source llm · model LongCat-2.0"
        " · prompt project_consultation@1.1 · tokens 812 in / 143 out (64 cached)"
        " · cost $0.000654 · latency 1520 ms · answer confidence 0.74]"
    )
    assert llm_meta in out
    assert "2026-05-01 12:00:05  agent   Hi [NAME], Bob from the team here." in lines


async def test_the_transcript_masks_the_personal_data_the_database_holds(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in ((), ("--export", "md"), ("--export", "json")):
        code, out, _err = await replay(capsys, database.conversation_id, *args)
        assert code == 0
        assert "ann.lee@example.com" not in out and "a***@example.com" in out
        assert "Ann" not in out  # the name on the profile, in every message


async def test_json_export_has_every_field(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = await replay(capsys, database.conversation_id, "--export", "json")

    assert code == 0
    document = json.loads(out)
    assert document["conversation"]["id"] == database.conversation_id
    assert document["conversation"]["messages"] == 5
    assert document["what_if"] is None
    senders = [message["sender"] for message in document["messages"]]
    assert senders == ["user", "bot", "user", "bot", "agent"]
    answer = document["messages"][3]
    assert answer["time"] == "2026-05-01T12:00:04+00:00"
    assert (answer["intent"], answer["intent_confidence"], answer["source"]) == (
        "tech.legacy_modernization", 0.73, "llm"
    )  # fmt: skip
    assert answer["llm"] == {
        "model": "LongCat-2.0",
        "prompt_version": "project_consultation@1.1",
        "prompt_tokens": 812,
        "completion_tokens": 143,
        "cached_tokens": 64,
        "cost_usd": "0.000654",
        "latency_ms": 1520,
        "confidence": 0.74,
    }
    assert document["messages"][1]["llm"] is None


async def test_markdown_export_goes_to_the_output_file(
    database: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "ticket.md"
    code, out, _err = await replay(
        capsys, database.conversation_id, "--export", "md", "--output", target
    )

    assert code == 0 and out == ""
    document = target.read_text(encoding="utf-8")
    assert document.startswith(f"# Conversation {database.conversation_id}\n")
    assert "**2026-05-01 12:00:01 · user**\n\n> How much does a CI/CD setup cost?" in document
    assert "**2026-05-01 12:00:04 · bot** — intent tech.legacy_modernization (0.73)" in document


async def test_an_unknown_conversation_is_one_polite_line(
    database: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "nothing.md"
    code, out, err = await replay(capsys, 999, "--output", target)

    assert code == 1
    assert out == "" and err == "No conversation 999 in the database.\n"
    assert not target.exists()


async def test_an_unreadable_database_is_one_line_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/missing/bot.sqlite3")
    code, _out, err = await replay(capsys, 1)

    assert code == 1
    assert err == "Cannot read the database (DATABASE_URL): OperationalError.\n"


@pytest.mark.parametrize(
    "args", [["replay"], ["replay", "abc"], ["replay", "1", "--export", "pdf"]]
)
def test_a_bad_option_gets_the_usage(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert capsys.readouterr().err.startswith("usage: python -m bot replay")


async def test_what_if_without_an_llm_shows_where_todays_answers_differ(
    database: Database, knowledge: Knowledge
) -> None:
    settings = load_settings()
    today = Today(settings, knowledge.i18n, knowledge.kb, knowledge.detector, None)
    found = await stored(database)
    comparisons = await what_if(found, today)

    # The agent's message answers nobody's question of the bot's: two turns.
    assert [c.message_id for c in comparisons] == [found.messages[0].id, found.messages[2].id]
    faq, llm = comparisons
    assert faq.differences == ("text",)  # the canned answer changed since
    assert faq.today.source == "kb" and faq.today.intent == "pricing.overview"
    assert llm.stored.source == "llm" and llm.today.source != "llm"  # no LLM today
    assert "source" in llm.differences

    out = render("text", transcript(found), comparisons, None)
    assert "What if: today's detector and routing (no LLM configured" in out
    assert "    -Our old price list." in out
    assert "* source" in out and "2 turn(s) replayed: 0 the same, 2 different" in out
    document = json.loads(render("json", transcript(found), comparisons, None))
    assert document["what_if"]["turns"][0]["differences"] == ["text"]
    assert "```diff\n--- stored\n+++ today" in render("md", transcript(found), comparisons, None)


async def test_what_if_sends_todays_prompt_to_the_llm_and_compares(
    database: Database, knowledge: Knowledge
) -> None:
    async with FakeLongCat() as fake:
        settings = load_settings(longcat={"api_key": DEFAULT_API_KEY, "base_url": fake.base_url})
        fake.reply("Add read replicas first; split the database when writes grow.")
        client = LongCatClient(settings.longcat)
        try:
            today = Today(settings, knowledge.i18n, knowledge.kb, knowledge.detector, client)
            found = await stored(database)
            comparisons = await what_if(found, today)
        finally:
            await client.close()

    faq, llm = comparisons
    assert faq.today.source == "kb" and faq.today.llm is None  # the FAQ question stays canned
    assert llm.today.source == "llm" and "source" not in llm.differences
    assert "text" in llm.differences
    assert llm.today.intent == knowledge.detector.detect(LLM_QUESTION).intent
    assert llm.today.llm is not None
    assert llm.today.llm.model == "LongCat-2.0"
    assert llm.today.llm.prompt_version is not None
    assert llm.today.llm.prompt_tokens and llm.today.llm.completion_tokens
    assert len(fake.requests) == 1
    prompt = json.dumps(fake.requests[0]["messages"], ensure_ascii=False)
    assert "ann.lee@example.com" not in prompt and "a***@example.com" in prompt
    assert "Ann" not in prompt
    assert FAQ_QUESTION in prompt  # the history before the question

    out = render("text", transcript(found), comparisons, "LongCat-2.0")
    assert "What if: today's detector, routing and prompts (LLM: LongCat-2.0)" in out
    assert "+Add read replicas first; split the database when writes grow." in out
    assert "answer: the same" not in out.split("Turn 2")[1]


async def test_a_quoted_code_block_does_not_end_the_markdown_diff(
    database: Database, knowledge: Knowledge
) -> None:
    settings = load_settings()
    today = Today(settings, knowledge.i18n, knowledge.kb, knowledge.detector, None)
    found = await stored(database)
    found.messages[1].text = "Run this:\n```\nterraform plan\n```"
    document = render("md", transcript(found), await what_if(found, today), None)

    assert "````diff\n--- stored" in document
    assert "-```\n-terraform plan\n-```\n" in document
