"""Faults end to end, in polling mode: `python -m bot run` against the fake Bot API on real
PostgreSQL and Redis. Redis or PostgreSQL goes away for a few seconds, or the bot is stopped
with SIGTERM and started again, while 300 people write: every one of them gets exactly one
answer, and the bot logs no ERROR. Then a few thousand random and malformed updates: no ERROR,
the bot still runs and still answers.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.app import DRAIN_TIMEOUT
from tests.e2e.conftest import BotProcess, bot_env, error_lines
from tests.fakes.desk import GROUP
from tests.fakes.fuzz import Fuzz
from tests.fakes.services import PostgresServer, RedisServer, running
from tests.fakes.telegram_server import Call, FakeTelegram

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

PEOPLE = 300
FIRST_PERSON = 700_000_000
# Each of these gets one sendMessage: the help screen, or a knowledge-base answer.
TEXTS = ("/help", "How much does it cost?", "What is your tech stack?", "Do you do CI/CD?")
PUSH_SECONDS = 4.0  # the 300 messages arrive over this long...
OUTAGE_AT, OUTAGE_SECONDS = 1.0, 3.0  # ...and the server is away for this part of it
ANSWER_SECONDS = 45.0  # retries back off to 5 s at most; the outage is over long before this
SIGTERM_AT = 2.0  # seconds into the 300 messages
FUZZ_UPDATES = 2000
FUZZ_SEED = 4711


# -- servers of the test's own, to be stopped and started -----------------------------------


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    with running(RedisServer()) as server:
        yield server


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A cluster of the test's own with an empty database (the bot migrates it at start)."""
    with running(PostgresServer()) as server:
        yield server


# -- people writing and their answers ---------------------------------------------------------


class AnsweredTwice(AssertionError):
    """Someone got more than one answer to their one message."""


class Crowd:
    """PEOPLE new people who each send one message; their answers, as the fake received them."""

    def __init__(self, telegram: FakeTelegram) -> None:
        self.telegram = telegram
        self.people = range(FIRST_PERSON, FIRST_PERSON + PEOPLE)
        self.update_ids: dict[int, int] = {}  # person -> the update of their message

    async def write(self, seconds: float) -> None:
        """Everyone sends one message, spread evenly over `seconds`."""
        loop = asyncio.get_running_loop()
        begin = loop.time()
        for index, person in enumerate(self.people):
            await asyncio.sleep(max(begin + index * seconds / PEOPLE - loop.time(), 0))
            text = TEXTS[index % len(TEXTS)]
            update = self.telegram.push_message(text, user_id=person, first_name=f"P{index}")
            self.update_ids[person] = update["update_id"]

    def answers(self) -> dict[int, list[Call]]:
        """The sendMessage calls to each person of the crowd who got any."""
        found: dict[int, list[Call]] = {}
        for call in self.telegram.calls_of("sendMessage"):
            chat = call.params.get("chat_id")
            if isinstance(chat, int) and chat in self.people:
                found.setdefault(chat, []).append(call)
        return found

    async def all_answered(self, seconds: float, *bots: BotProcess) -> None:
        deadline = time.monotonic() + seconds
        while len(answered := self.answers()) < PEOPLE:
            if time.monotonic() > deadline:
                logs = "\n".join(bot.log()[-4000:] for bot in bots)
                raise AssertionError(
                    f"{PEOPLE - len(answered)} of {PEOPLE} people have no answer after "
                    f"{seconds}s, e.g. {sorted(set(self.people) - set(answered))[:5]}:\n{logs}"
                )
            await asyncio.sleep(0.2)

    def check_once(self, *bots: BotProcess) -> None:
        """Everyone answered exactly once; for those answered twice, when each answer left
        and what the bots logged about their update."""
        answers = self.answers()
        unanswered = [person for person in self.people if person not in answers]
        twice = {person: calls for person, calls in answers.items() if len(calls) > 1}
        refused = [c.status for calls in answers.values() for c in calls if c.status != 200]
        evidence = [
            self._evidence(person, calls, bots) for person, calls in list(twice.items())[:3]
        ]
        assert not unanswered, f"{len(unanswered)} without an answer: {unanswered[:10]}"
        assert not refused, f"sendMessage refused: {refused[:10]}"
        if twice:
            raise AnsweredTwice(
                f"{len(twice)} of {PEOPLE} people answered more than once: "
                f"{sorted(twice)[:20]}\n" + "\n".join(evidence)
            )

    def _evidence(self, person: int, calls: list[Call], bots: tuple[BotProcess, ...]) -> str:
        update_id = self.update_ids[person]
        sent = ", ".join(clock(call.timestamp) for call in calls)
        lines = [
            line
            for bot in bots
            for line in bot.log().splitlines()
            if f"update {update_id} " in line or f'"update_id": {update_id}}}' in line
        ]
        header = f"person {person}, update {update_id}: answers sent at {sent}; its log lines:"
        return "\n".join([header, *lines])


def clock(timestamp: float) -> str:
    """A wall-clock time as the bot's log writes it (UTC, to the millisecond)."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def retries(bot: BotProcess) -> int:
    """How many times an update was tried again after a transient error."""
    return sum(" on attempt " in line for line in bot.log().splitlines())


async def outage(halt: Callable[[], None], resume: Callable[[], None]) -> float:
    """Stop a server OUTAGE_AT seconds from now, start it again OUTAGE_SECONDS later; return
    how long it was really away."""
    await asyncio.sleep(OUTAGE_AT)
    down = time.monotonic()
    await asyncio.to_thread(halt)  # PostgreSQL refuses connections from its first moment
    await asyncio.sleep(max(down + OUTAGE_SECONDS - time.monotonic(), 0))
    await asyncio.to_thread(resume)
    return time.monotonic() - down


async def started(telegram: FakeTelegram, bot: BotProcess) -> None:
    since = len(telegram.calls)
    await bot.start()
    await telegram.wait_for("getUpdates", timeout=30, since=since)


async def crowd_through(
    telegram: FakeTelegram, bot: BotProcess, fault: Awaitable[float]
) -> tuple[Crowd, float]:
    crowd = Crowd(telegram)
    _, away = await asyncio.gather(crowd.write(PUSH_SECONDS), fault)
    await crowd.all_answered(ANSWER_SECONDS, bot)
    # The drain lets a retry still waiting finish: an answer it sent twice is seen below.
    assert await bot.stop(seconds=DRAIN_TIMEOUT + 10) == 0
    return crowd, away


async def updates_handled(bot: BotProcess) -> float:
    """All updates the bot has handled, of every type (its /metrics)."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{bot.http_port}/metrics") as response,
    ):
        text = await response.text()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("devbot_updates_total{")
    )


BotFactory = Callable[[dict[str, str]], BotProcess]


@pytest.fixture
async def bots(tmp_path: Path) -> AsyncIterator[BotFactory]:
    """Makes bot processes for an environment (`bot_env(...)`), each with a log of its own;
    kills any still running at the end."""
    made: list[BotProcess] = []

    def make(env: dict[str, str]) -> BotProcess:
        bot = BotProcess(env, tmp_path / f"bot-{len(made) + 1}.log", int(env["HTTP_PORT"]))
        made.append(bot)
        return bot

    yield make
    for bot in made:
        if bot.process is not None and bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()


# -- the tests ----------------------------------------------------------------------------------


async def test_redis_restart_while_300_people_write_loses_no_update(
    telegram: FakeTelegram, bots: BotFactory, own_redis: RedisServer, postgres_url: str
) -> None:
    bot = bots(bot_env(telegram, postgres_url, own_redis.url))
    await started(telegram, bot)
    crowd, away = await crowd_through(telegram, bot, outage(own_redis.halt, own_redis.resume))
    print(f"\nRedis away {away:.1f}s; {retries(bot)} retries")
    assert retries(bot) > 0, "no update met the outage: the test proved nothing"
    assert error_lines(bot.log()) == []
    crowd.check_once(bot)


async def test_postgres_restart_while_300_people_write_loses_no_update(
    telegram: FakeTelegram, bots: BotFactory, own_postgres: PostgresServer, redis_url: str
) -> None:
    bot = bots(bot_env(telegram, own_postgres.url(), redis_url))
    await started(telegram, bot)
    fault = outage(own_postgres.halt, own_postgres.resume)
    crowd, away = await crowd_through(telegram, bot, fault)
    print(f"\nPostgreSQL away {away:.1f}s; {retries(bot)} retries")
    assert retries(bot) > 0, "no update met the outage: the test proved nothing"
    assert error_lines(bot.log()) == []
    crowd.check_once(bot)


async def test_sigterm_under_load_then_a_restart_answers_everyone_once(
    telegram: FakeTelegram, bots: BotFactory, postgres_url: str, redis_url: str
) -> None:
    env = bot_env(telegram, postgres_url, redis_url)
    first = bots(env)
    await started(telegram, first)
    crowd = Crowd(telegram)
    writing = asyncio.create_task(crowd.write(PUSH_SECONDS))
    await asyncio.sleep(SIGTERM_AT)
    signalled = time.monotonic()
    # Within its drain time (and a little for closing its connections).
    assert await first.stop(signal.SIGTERM, seconds=DRAIN_TIMEOUT + 3) == 0
    stopped_in = time.monotonic() - signalled
    by_first = sum(len(calls) for calls in crowd.answers().values())

    second = bots(dict(env))  # the same environment, as a supervisor restarts it
    await started(telegram, second)
    await writing
    await crowd.all_answered(ANSWER_SECONDS, first, second)
    assert await second.stop(seconds=DRAIN_TIMEOUT + 10) == 0
    print(
        f"\nSIGTERM after {SIGTERM_AT}s: the first process stopped in {stopped_in:.1f}s having "
        f"answered {by_first}; the second answered the other {PEOPLE - by_first}"
    )
    crowd.check_once(first, second)
    assert error_lines(first.log()) == [] and error_lines(second.log()) == []
    assert 0 < by_first < PEOPLE, "the signal did not come in the middle of the load"


async def test_thousands_of_random_updates_leave_the_bot_running_and_answering(
    telegram: FakeTelegram, bots: BotFactory, postgres_url: str, redis_url: str
) -> None:
    env = bot_env(telegram, postgres_url, redis_url, AGENT_CHAT_ID=str(GROUP))
    bot = bots(env)
    await started(telegram, bot)
    for update in Fuzz(seed=FUZZ_SEED).updates(FUZZ_UPDATES):
        telegram.add_update(update.model_dump(mode="json", exclude_unset=True))
    newcomer = 800_000_001
    telegram.push_message("/start", user_id=newcomer, first_name="Nina")
    welcome = await telegram.wait_for(
        "sendMessage", lambda c: c.params.get("chat_id") == newcomer, timeout=ANSWER_SECONDS
    )
    assert "DevBot" in str(welcome.params["text"])

    # Every update the bot fetched has been handled (those of types it does not ask for stay
    # at the fake, as at Telegram).
    fetched = sum(len(c.result or []) for c in telegram.calls_of("getUpdates"))
    deadline = time.monotonic() + ANSWER_SECONDS
    while (handled := await updates_handled(bot)) < fetched:
        assert time.monotonic() < deadline, f"handled {handled:.0f} of {fetched} updates"
        await asyncio.sleep(0.3)
    assert bot.process is not None and bot.process.returncode is None, "the bot died"
    assert await bot.stop(seconds=DRAIN_TIMEOUT + 10) == 0
    print(f"\nfuzz: {FUZZ_UPDATES} updates pushed, {fetched} fetched and handled")
    assert error_lines(bot.log()) == []
