"""The scheduled jobs with Redis: the rare ones run at start unless a replica (or this one before
its restart) ran them lately, each period runs once across replicas, and a hung Redis makes a
job skip within the timeout instead of holding the event loop."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from unittest.mock import patch

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from loguru import logger
from redis.asyncio import Redis as AsyncRedis

from bot.app import business_hours
from bot.config import RedisSettings, load_settings
from bot.desk.topics import Desk
from bot.kernel.i18n import I18n
from bot.kernel.kv import MemoryLocks, RedisLedger, redis_client
from bot.scheduler import (
    ERASURE_JOB,
    LEGACY_KEYS,
    RETENTION_JOB,
    JobContext,
    RunWith,
    create_scheduler,
    remove_legacy_store,
)
from db.engine import create_engine, create_sessionmaker
from tests.fakes.recording import offline_bot

pytestmark = pytest.mark.integration
LEASES = "devbot:job-lease:"


RUNS: list[str] = []


async def _count(context: JobContext) -> None:
    RUNS.append(context.settings.desk.company)


def _scheduler(client: AsyncRedis, tmp_db: str) -> AsyncIOScheduler:
    settings = load_settings()
    bot = offline_bot()
    sessionmaker = create_sessionmaker(create_engine(tmp_db))
    i18n = I18n(settings.locales_dir)
    desk = Desk(settings, i18n, MemoryLocks(), business_hours(settings))
    leases = RedisLedger(client, prefix=LEASES)
    return create_scheduler(JobContext(bot, settings, sessionmaker, i18n, desk, leases))


async def test_rare_jobs_run_at_start_and_not_again_after_a_quick_restart(
    redis_url: str, tmp_path: Path
) -> None:
    runs: Counter[str] = Counter()
    skips: list[str] = []
    both_ran, both_skipped = asyncio.Event(), asyncio.Event()

    async def retention(context: JobContext) -> None:
        assert isinstance(context.desk, Desk)
        runs[RETENTION_JOB] += 1
        if len(runs) == 2:
            both_ran.set()

    async def erasure(context: JobContext) -> None:
        runs[ERASURE_JOB] += 1
        if len(runs) == 2:
            both_ran.set()

    def skipped(message: object) -> None:
        skips.append(str(message))
        if len(skips) == 2:
            both_skipped.set()

    client = AsyncRedis.from_url(redis_url)
    sink = logger.add(skipped, filter=lambda r: "skipped" in r["message"])
    tmp_db = f"sqlite+aiosqlite:///{tmp_path}/jobs.sqlite3"
    try:
        with (
            patch("bot.privacy.jobs.retention_job", retention),
            patch("bot.privacy.jobs.erasure_job", erasure),
        ):
            first = _scheduler(client, tmp_db)
            first.start()
            await asyncio.wait_for(both_ran.wait(), 10)
            first.shutdown(wait=False)
            restarted = _scheduler(client, tmp_db)  # the same replica, a moment later
            restarted.start()
            await asyncio.wait_for(both_skipped.wait(), 10)
            restarted.shutdown(wait=False)
        assert runs == {RETENTION_JOB: 1, ERASURE_JOB: 1}
        assert 22 * 3600 < await client.ttl(LEASES + RETENTION_JOB) <= 23 * 3600
        assert 0 < await client.ttl(LEASES + ERASURE_JOB) <= 48 * 60  # 80% of an hour
    finally:
        logger.remove(sink)
        await client.aclose()


async def test_the_old_pickled_job_store_is_removed_unread(redis_url: str) -> None:
    client = AsyncRedis.from_url(redis_url)
    try:
        # Not a pickle at all: reading it would fail; nothing reads it.
        await client.hset(LEGACY_KEYS[0], RETENTION_JOB, b"\x80\x05not a pickle")
        await client.zadd(LEGACY_KEYS[1], {RETENTION_JOB: time.time()})
        await remove_legacy_store(client)
        assert await client.exists(*LEGACY_KEYS) == 0
    finally:
        await client.aclose()


async def test_a_hung_redis_makes_a_job_skip_without_holding_the_event_loop(
    redis_url: str,
) -> None:
    client = redis_client(RedisSettings(url=redis_url, timeout=0.5))
    pauser = AsyncRedis.from_url(redis_url)
    scheduler = AsyncIOScheduler()
    planned = scheduler.add_job(_count, "interval", minutes=5, args=[None], id="hung")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    await pauser.execute_command("CLIENT", "PAUSE", 3000, "ALL")
    try:
        started = time.monotonic()
        run = RunWith(planned, RedisLedger(client, prefix=LEASES))
        assert await run.func() is None
        elapsed = time.monotonic() - started
    finally:
        ticking.cancel()
        await pauser.execute_command("CLIENT", "UNPAUSE")
        await pauser.aclose()
        await client.aclose()
    assert RUNS == []
    assert elapsed < 2.0
    assert ticks >= elapsed / 0.05 / 2  # the loop kept turning while the job waited


async def test_two_replicas_run_each_period_of_a_job_once(redis_url: str, tmp_path: Path) -> None:
    client = AsyncRedis.from_url(redis_url)
    try:
        scheduler = AsyncIOScheduler()
        job = scheduler.add_job(_count, "interval", minutes=5, args=[None], id="count")
        replicas = [
            JobContext(
                offline_bot(), load_settings(), None, None, None,  # type: ignore[arg-type]
                RedisLedger(client, prefix="devbot:job-lease:"),
            )
            for _ in range(2)
        ]  # fmt: skip
        for context in replicas:
            run = RunWith(job, context.leases)
            await run.func(context)
        assert len(RUNS) == 1
        assert 0 < await client.ttl("devbot:job-lease:count") <= 240  # 80% of the period
    finally:
        await client.aclose()
