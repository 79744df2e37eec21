"""`python -m bot replay` on a conversation the bot had as its own process (the fake Bot API and
the fake LongCat, real PostgreSQL and Redis): the transcript, `--what-if` against the fake LLM,
and `--export json`."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from db.engine import create_engine
from db.models import Conversation
from tests.e2e.conftest import ROOT, BotProcess
from tests.fakes.longcat_server import DEFAULT_API_KEY, FakeLongCat
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.e2e

USER_ID = 7300
FAQ_QUESTION = "How much does a CI/CD setup cost?"
# Specific enough for the LLM (bot/faq/routing.py), with an e-mail the transcript must mask.
LLM_QUESTION = (
    "We run 40 microservices on ECS; should we split the database or add read replicas? "
    "Reply to bob.smith@example.com"
)
STORED_ANSWER = "Add **read replicas** first; split the database when writes grow."
TODAYS_ANSWER = "Today: shard by tenant before adding replicas."


@pytest.fixture
async def longcat() -> AsyncIterator[FakeLongCat]:
    async with FakeLongCat() as fake:
        yield fake


async def reply_to(telegram: FakeTelegram, text: str) -> str:
    since = len(telegram.calls)
    telegram.add_update(telegram.user_message(text, user_id=USER_ID))
    call = await telegram.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == USER_ID, timeout=30, since=since
    )
    return str(call.params["text"])


async def replay(bot_process: BotProcess, *args: str) -> tuple[int, str, str]:
    """`python -m bot replay ...` in the bot's own environment (its database, its LLM)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "replay", *args,
        cwd=ROOT, env=bot_process.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def conversation_of(postgres_url: str, user_id: int) -> int:
    engine = create_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            ids = (
                await connection.scalars(
                    select(Conversation.id).where(Conversation.user_id == user_id)
                )
            ).all()
    finally:
        await engine.dispose()
    assert len(ids) == 1, ids
    return ids[0]


async def test_replay_shows_the_conversation_and_what_today_would_answer(
    telegram: FakeTelegram, longcat: FakeLongCat, bot_process: BotProcess, postgres_url: str
) -> None:
    bot_process.env.update(LONGCAT_API_KEY=DEFAULT_API_KEY, LONGCAT_BASE_URL=longcat.base_url)
    await bot_process.start()
    faq_answer = await reply_to(telegram, FAQ_QUESTION)
    assert "CI/CD" in faq_answer
    longcat.reply(STORED_ANSWER, usage={"prompt_tokens": 812, "completion_tokens": 143})
    assert (await reply_to(telegram, LLM_QUESTION)).startswith("Add <b>read replicas</b>")
    assert await bot_process.stop() == 0
    conversation_id = str(await conversation_of(postgres_url, USER_ID))

    code, out, err = await replay(bot_process, conversation_id)
    assert code == 0, err
    assert out.startswith(f"Conversation {conversation_id} · user {USER_ID} · status ")
    assert f"  user    {FAQ_QUESTION}" in out
    assert "[intent pricing.overview (1.00) · source kb]" in out
    llm_line = next(line for line in out.splitlines() if "source llm" in line)
    assert "model LongCat-2.0 · prompt " in llm_line
    assert "tokens 812 in / 143 out (0 cached) · cost $0.001031 · latency " in llm_line
    assert "bob.smith@example.com" not in out and "b***@example.com" in out

    longcat.clear()
    longcat.reply(TODAYS_ANSWER)
    code, out, err = await replay(bot_process, conversation_id, "--what-if")
    assert code == 0, err
    what_if = out.split("What if: today's detector, routing and prompts (LLM: LongCat-2.0)")[1]
    faq_turn, llm_turn = what_if.split("\nTurn 2 ")
    assert "answer: the same" in faq_turn  # today's canned answer is the one stored
    assert "answer differs:" in llm_turn
    assert f"    -{STORED_ANSWER}" in llm_turn and f"    +{TODAYS_ANSWER}" in llm_turn
    assert "2 turn(s) replayed: 1 the same, 1 different (text)" in out
    assert len(longcat.requests) == 1  # the FAQ question went nowhere near the LLM
    assert "bob.smith@example.com" not in json.dumps(longcat.requests[0])

    code, out, err = await replay(bot_process, conversation_id, "--export", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["conversation"]["id"] == int(conversation_id)
    user, kb, question, llm = document["messages"]
    assert (user["sender"], user["text"]) == ("user", FAQ_QUESTION)
    assert (kb["sender"], kb["intent"], kb["source"], kb["llm"]) == (
        "bot", "pricing.overview", "kb", None
    )  # fmt: skip
    assert question["text"].endswith("Reply to b***@example.com")
    assert (llm["source"], llm["text"]) == ("llm", STORED_ANSWER)
    assert llm["llm"]["model"] == "LongCat-2.0"
    assert (llm["llm"]["prompt_tokens"], llm["llm"]["completion_tokens"]) == (812, 143)
    assert llm["llm"]["cost_usd"] == "0.001031" and llm["llm"]["prompt_version"]
    assert document["what_if"] is None

    code, out, err = await replay(bot_process, "987654")
    assert (code, out, err) == (1, "", "No conversation 987654 in the database.\n")
