"""LLM consultation benchmark: a scripted 30-turn conversation through the real dispatcher, the
fake Bot API and the fake LongCat (both on 127.0.0.1).

It prints, per turn, the prompt tokens of the answer's request with the history budget (trimmed
and summarised) beside the same conversation with the whole history sent (the baseline, measured
in the same run); the cost per conversation at list price for both; and the time from the fake
LLM's first token to the first draft the fake Bot API received, beside the bare round trip of one
sendMessageDraft call (the floor). Target: first token to first draft under 300 ms.

    .venv/bin/python -m benchmarks.llm [--turns 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Update
from loguru import logger

from bot.app import create_dispatcher, load_knowledge
from bot.config import load_settings
from bot.consult.consultant import Consultant
from bot.kernel.kv import MemoryCounters
from db import migrate
from db.engine import create_engine, create_sessionmaker
from llm.metrics import LLM_COST
from tests.fakes.longcat_server import DEFAULT_API_KEY, FakeLongCat
from tests.fakes.telegram_server import FakeTelegram

USER_ID = 4242
TARGET_MS = 300
# An answer of about 110 words: long enough that the history outgrows 2000 tokens in ~8 turns.
ANSWER = (
    "For a service like that we would start with a **containerised build** in CI, push images to "
    "a private registry and deploy with a GitOps tool, so that every change is reviewed and "
    "reversible. Monitoring comes first: metrics, logs and alerts before the first production "
    "release, not after it.\n\n- staging mirrors production\n- rollbacks are one click\n"
    "- secrets live in a vault, never in the repository\n\nThe exact plan depends on your stack, "
    "your team and your compliance needs; an engineer can review it with you and give an "
    "estimate. Would you like to start with the project form, or ask about a specific part?"
)


async def run_conversation(turns: int, history_tokens: int, knowledge: Any) -> dict[str, Any]:
    """One conversation; returns prompt tokens per turn, cost and draft latencies."""
    async with FakeTelegram() as telegram, FakeLongCat() as longcat:
        settings = load_settings(
            longcat={"api_key": DEFAULT_API_KEY, "base_url": longcat.base_url,
                     "history_tokens": history_tokens},
            llm={"session_calls": 1000, "user_daily_calls": 1000},
            throttle={"burst": 1000, "per_hour": 1000, "per_day": 1000},
        )  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            engine = create_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
            await migrate.upgrade(engine)
            consultant = Consultant.from_settings(settings, MemoryCounters())
            i18n, kb, detector = knowledge
            dp = create_dispatcher(
                settings, storage=MemoryStorage(), sessionmaker=create_sessionmaker(engine),
                i18n=i18n, kb=kb, detector=detector, consultant=consultant,
            )  # fmt: skip
            session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))
            bot = Bot(
                telegram.token, session=session, default=DefaultBotProperties(parse_mode="HTML")
            )
            cost_before = LLM_COST._value.get()
            await feed(dp, bot, telegram, "/ask")
            prompt_tokens: list[int] = []
            latencies: list[float] = []
            for turn in range(turns):
                longcat.reply(ANSWER)
                answers_before = len(_answer_requests(longcat))
                drafts_before = len(telegram.calls_of("sendMessageDraft"))
                tokens_before = len(longcat.first_token_at)
                question = (
                    f"Turn {turn + 1}: how would you set up CI/CD and monitoring for {turn}?"
                )
                await feed(dp, bot, telegram, question)
                request = _answer_requests(longcat)[answers_before]
                prompt_tokens.append(_prompt_tokens(request))
                draft = telegram.calls_of("sendMessageDraft")[drafts_before]
                first_token = longcat.first_token_at[tokens_before]
                latencies.append((draft.timestamp - first_token) * 1000)
            floor = []
            for _ in range(20):
                started = time.time()
                await bot.send_message_draft(USER_ID, 1, text="floor")
                floor.append((time.time() - started) * 1000)
            cost = LLM_COST._value.get() - cost_before
            summaries = len(longcat.requests) - len(_answer_requests(longcat))
            await bot.session.close()
            await consultant.close()
            await engine.dispose()
    return {
        "prompt_tokens": prompt_tokens,
        "cost": cost,
        "latencies": latencies,
        "floor": floor,
        "summaries": summaries,
    }


async def feed(dp: Any, bot: Bot, telegram: FakeTelegram, text: str) -> None:
    update = telegram.user_message(text, user_id=USER_ID)
    update["update_id"] = len(telegram.calls) + 1
    await dp.feed_update(bot, Update.model_validate(update, context={"bot": bot}))


def _answer_requests(longcat: FakeLongCat) -> list[dict[str, Any]]:
    return [r for r in longcat.requests if r.get("stream")]


def _prompt_tokens(request: dict[str, Any]) -> int:
    """As the fake counts them (about 4 characters a token), the same for both runs."""
    return sum(-(-len(str(m.get("content", ""))) // 4) for m in request["messages"])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(turns: int) -> int:
    logger.remove()
    knowledge = load_knowledge(load_settings())
    budgeted = await run_conversation(turns, 2000, knowledge)
    baseline = await run_conversation(turns, 10**9, knowledge)

    print(f"{'turn':>4}  {'prompt tokens':>13}  {'whole history (baseline)':>24}")
    for turn, (ours, theirs) in enumerate(
        zip(budgeted["prompt_tokens"], baseline["prompt_tokens"], strict=True), start=1
    ):
        print(f"{turn:>4}  {ours:>13}  {theirs:>24}")
    tail = budgeted["prompt_tokens"][turns // 2 :]
    print(
        f"\nprompt tokens, second half: min {min(tail)}, max {max(tail)} "
        f"(baseline grows to {max(baseline['prompt_tokens'])}); "
        f"summaries made: {budgeted['summaries']}"
    )
    print(
        f"cost per {turns}-turn conversation at list price: ${budgeted['cost']:.4f} "
        f"(baseline ${baseline['cost']:.4f}; fake usage ~4 chars/token, no cache hits)"
    )
    latencies = budgeted["latencies"] + baseline["latencies"]
    floor = budgeted["floor"] + baseline["floor"]
    p50, p95 = statistics.median(latencies), _percentile(latencies, 0.95)
    print(
        f"first token -> first draft: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(latencies):.1f}"
        f" ms (target < {TARGET_MS} ms); bare sendMessageDraft round trip p50 "
        f"{statistics.median(floor):.1f} ms"
    )
    return 0 if p95 < TARGET_MS else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30)
    raise SystemExit(asyncio.run(main(parser.parse_args().turns)))
