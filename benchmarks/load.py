"""Load benchmark (seed task 43): DevBot as its own process against the fake Bot API on
127.0.0.1, beside a bare aiogram echo bot measured the same way in the same run.

Per store (PostgreSQL and Redis started by the benchmark; the embedded SQLite and memory) and
per mode (polling, webhook), each bot gets:
- a burst: N updates from N new people at the same moment;
- a steady rate: R updates a second from U people for S seconds;
- optionally a stream of D distinct new people (memory over time).
It prints answered/sent, updates per second, latency p50/p95/p99 from push to answer (the
first sendMessage to that chat after the push), CPU per update and memory (RSS after the
warm-up and at the end, and the peak), and DevBot's share of the bare bot's throughput.

Every update is a FAQ question, so DevBot's whole path runs: middlewares, user, intent
detection, the answer, the conversation log. Traffic goes to loopback only; every phase has a
deadline and the processes are stopped at the end.

    .venv/bin/python -m benchmarks.load [--burst 3000] [--rate 100 --people 1000 --seconds 20]
        [--distinct 0] [--modes polling,webhook] [--stores postgres,embedded] [--bots bare,devbot]
        [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import median
from typing import Any

import aiohttp

from tests.fakes.services import PostgresServer, RedisServer, free_port
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = (
    "How much does a Kubernetes setup cost?",
    "Do you do CI/CD pipelines?",
    "Сколько стоит миграция в облако?",
    "What is your tech stack?",
    "Can you help with monitoring and alerting?",
    "Как вы работаете с безопасностью?",
)
FIRST_USER = 500_000_000
WEBHOOK_CONNECTIONS = 40  # Telegram's default max_connections for a webhook
SECRET = "load-benchmark-secret"
START_TIMEOUT = 60.0
TICKS = os.sysconf("SC_CLK_TCK")


# -- the bot process ----------------------------------------------------------------------


@dataclass
class Process:
    """A bot subprocess and what /proc says about it."""

    process: asyncio.subprocess.Process
    log: Path

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

    def memory_mb(self, name: str) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def bot_env(telegram: FakeTelegram, store: dict[str, str], webhook_port: int) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH"}
    env = {name: value for name, value in os.environ.items() if name in keep}
    env.update(
        DEVBOT_ENV_FILE="",
        BOT_TOKEN=telegram.token,
        TELEGRAM_API_URL=telegram.base_url,
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(free_port()),
        WEBHOOK_URL=f"http://127.0.0.1:{webhook_port}",
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(webhook_port),
        WEBHOOK_SECRET=SECRET,
        LOG_FORMAT="json",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **store,
    )
    return env


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def start_bot(
    which: str, mode: str, telegram: FakeTelegram, store: dict[str, str], log: Path
) -> Process:
    webhook_port = free_port()
    env = bot_env(telegram, store, webhook_port)
    if which == "bare":
        argv = [sys.executable, "-m", "benchmarks.bare_bot", mode]
    else:
        argv = [sys.executable, "-m", "bot", "run", *(["--webhook"] if mode == "webhook" else [])]
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env=env, stdout=out, stderr=out
        )
    bot = Process(process, log)
    method = "setWebhook" if mode == "webhook" else "getUpdates"
    deadline = time.monotonic() + START_TIMEOUT
    while not telegram.calls_of(method):
        if process.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{which} did not start:\n{tail(log)}")
        await asyncio.sleep(0.1)
    return bot


# -- pushing updates and timing the answers ------------------------------------------------


@dataclass
class Phase:
    name: str
    pushed: dict[int, deque[float]] = field(default_factory=dict)  # chat -> push times
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    started: float = 0.0
    last_answer: float = 0.0
    cpu: float = 0.0
    late: float = 0.0  # the most a push came after its time (a steady rate)

    @property
    def answered(self) -> int:
        return len(self.latencies)


class Driver:
    """Pushes updates by polling queue or webhook POST and matches answers to pushes."""

    def __init__(self, telegram: FakeTelegram, mode: str) -> None:
        self.telegram = telegram
        self.mode = mode
        self.seen = 0  # calls already matched
        self.http: aiohttp.ClientSession | None = None
        self.gate = asyncio.Semaphore(WEBHOOK_CONNECTIONS)
        self.deliveries: set[asyncio.Task[None]] = set()
        self.failed_deliveries = 0

    async def __aenter__(self) -> Driver:
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=WEBHOOK_CONNECTIONS),
            timeout=aiohttp.ClientTimeout(total=120),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self.deliveries:
            task.cancel()
        assert self.http is not None
        await self.http.close()

    def push(self, phase: Phase, user_id: int, text: str) -> None:
        update = self.telegram.user_message(text, user_id=user_id, first_name=f"P{user_id}")
        phase.pushed.setdefault(user_id, deque()).append(time.time())
        phase.sent += 1
        if self.mode == "polling":
            self.telegram.add_update(update)
        else:
            task = asyncio.create_task(self._deliver(update))
            self.deliveries.add(task)
            task.add_done_callback(self.deliveries.discard)

    async def _deliver(self, update: dict[str, Any]) -> None:
        assert self.http is not None
        self.telegram._assign_update_id(update)
        async with self.gate:
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            try:
                async with self.http.post(
                    self.telegram.webhook_url, json=update, headers=headers
                ) as response:
                    await response.read()
                    if response.status != 200:
                        self.failed_deliveries += 1
            except aiohttp.ClientError:
                self.failed_deliveries += 1

    def match(self, phase: Phase) -> None:
        calls = self.telegram.calls
        for call in itertools.islice(calls, self.seen, None):
            if call.method != "sendMessage":
                continue
            pending = phase.pushed.get(int(call.params.get("chat_id", 0)))
            if pending:
                phase.latencies.append(call.timestamp - pending.popleft())
                phase.last_answer = call.timestamp
        self.seen = len(calls)

    async def settle(self, phase: Phase, quiet: float) -> None:
        """Wait until every push has its answer, or nothing new came for `quiet` seconds."""
        quiet_since = time.monotonic()
        answered = -1
        while True:
            self.match(phase)
            if phase.answered >= phase.sent:
                return
            if phase.answered != answered:
                answered, quiet_since = phase.answered, time.monotonic()
            elif time.monotonic() - quiet_since > quiet:
                return
            await asyncio.sleep(0.05)


def new_people(start: int) -> Iterator[int]:
    return itertools.count(start)


async def burst(driver: Driver, bot: Process, people: Iterator[int], count: int) -> Phase:
    phase = Phase(f"burst {count}")
    cpu = bot.cpu_seconds()
    phase.started = time.time()
    for index in range(count):
        driver.push(phase, next(people), QUESTIONS[index % len(QUESTIONS)])
    await driver.settle(phase, quiet=20)
    phase.cpu = bot.cpu_seconds() - cpu
    return phase


async def steady(
    driver: Driver, bot: Process, people: Iterator[int], rate: float, users: int, seconds: float
) -> Phase:
    phase = Phase(f"{rate:g}/s from {users} people, {seconds:g}s")
    crowd = [next(people) for _ in range(users)]
    cpu = bot.cpu_seconds()
    phase.started = start = time.time()
    loop = asyncio.get_running_loop()
    begin = loop.time()
    for index in range(int(rate * seconds)):
        due = begin + index / rate
        await asyncio.sleep(max(due - loop.time(), 0))
        phase.late = max(phase.late, loop.time() - due)
        driver.push(phase, crowd[index % users], QUESTIONS[index % len(QUESTIONS)])
        if index % 50 == 0:
            driver.match(phase)
    await driver.settle(phase, quiet=20)
    phase.cpu = bot.cpu_seconds() - cpu
    phase.started = start
    return phase


async def distinct(
    driver: Driver, bot: Process, people: Iterator[int], count: int, rate: float
) -> Phase:
    """`count` people who each write once, at `rate` a second (memory over time)."""
    return await steady(driver, bot, people, rate, count, count / rate)


async def profile(
    bot: Process, which: str, mode: str, store: str, directory: str | None
) -> asyncio.subprocess.Process | None:
    """py-spy sampling the bot through the phases (collapsed stacks, for flame graphs)."""
    if directory is None:
        return None
    out = Path(directory) / f"{store}-{mode}-{which}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = Path(sys.executable).with_name("py-spy")
    return await asyncio.create_subprocess_exec(
        str(spy), "record", "--format", "raw", "--rate", "200", "--nonblocking",
        "-o", str(out), "-p", str(bot.process.pid),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


# -- one bot, one mode, one store -----------------------------------------------------------


@dataclass
class Run:
    bot: str
    mode: str
    store: str
    phases: list[Phase]
    rss_start: float
    rss_end: float
    peak: float
    errors: int
    failed_deliveries: int
    log: Path
    round: int = 0


def settle_heap() -> None:
    """The driver's garbage collected and what is left frozen (`gc.freeze`) before a phase."""
    gc.collect()
    gc.freeze()


async def measure(which: str, mode: str, store: str, env: dict[str, str], args: Any) -> Run:
    workdir = Path(tempfile.mkdtemp(prefix="devbot-load-"))
    log = workdir / "bot.log"
    async with FakeTelegram() as telegram:
        bot = await start_bot(which, mode, telegram, env, log)
        try:
            async with Driver(telegram, mode) as driver:
                people = new_people(FIRST_USER)
                warm = await burst(driver, bot, people, 30)  # imports, caches, connections
                if warm.answered < warm.sent:
                    raise RuntimeError(f"{which}: warm-up unanswered:\n{tail(log)}")
                rss_start = bot.memory_mb("VmRSS")
                profiler = await profile(bot, which, mode, store, args.profile)
                phases = []
                # What the driver holds so far is kept out of its collector's sweeps while
                # it measures: a full sweep of its heap stalled the pushes ~200 ms, and the
                # steady rate caught up with a burst that the bot was then timed on.
                try:
                    if args.burst:
                        settle_heap()
                        phases.append(await burst(driver, bot, people, args.burst))
                    if args.rate:
                        settle_heap()
                        phases.append(
                            await steady(driver, bot, people, args.rate, args.people, args.seconds)
                        )
                    if args.distinct:
                        settle_heap()
                        phases.append(
                            await distinct(driver, bot, people, args.distinct, args.rate)
                        )
                finally:
                    gc.unfreeze()
                rss_end, peak = bot.memory_mb("VmRSS"), bot.memory_mb("VmHWM")
                if profiler is not None:
                    profiler.send_signal(signal.SIGINT)
                    await profiler.wait()
                failed = driver.failed_deliveries
        finally:
            await bot.stop()
    errors = sum('"level": "ERROR"' in line or "| ERROR" in line
                 for line in log.read_text(errors="replace").splitlines())  # fmt: skip
    return Run(which, mode, store, phases, rss_start, rss_end, peak, errors, failed, log)


# -- the report -----------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def throughput(phase: Phase) -> float:
    elapsed = phase.last_answer - phase.started
    return phase.answered / elapsed if elapsed > 0 else 0.0


def report(runs: list[Run]) -> None:
    header = (f"{'store':9} {'mode':8} {'bot':7} {'phase':28} {'answered':>11} {'upd/s':>7} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'CPU ms/upd':>10}")  # fmt: skip
    print(header)
    print("-" * len(header))
    several = len({run.round for run in runs}) > 1
    for run in runs:
        name = f"{run.bot}#{run.round + 1}" if several else run.bot
        for phase in run.phases:
            ms = [latency * 1000 for latency in phase.latencies]
            cpu = phase.cpu / phase.sent * 1000 if phase.sent else 0.0
            print(f"{run.store:9} {run.mode:8} {name:7} {phase.name:28} "
                  f"{phase.answered:>5}/{phase.sent:<5} {throughput(phase):>7.0f} "
                  f"{percentile(ms, 0.5):>8.1f} {percentile(ms, 0.95):>8.1f} "
                  f"{percentile(ms, 0.99):>8.1f} {cpu:>10.2f}")  # fmt: skip
        print(
            f"{'':9} {'':8} {name:7} memory: RSS {run.rss_start:.0f} MB after the warm-up, "
            f"{run.rss_end:.0f} MB at the end, peak {run.peak:.0f} MB; "
            f"{run.errors} error log lines; {run.failed_deliveries} webhook deliveries refused"
        )
    print()
    pairs: dict[tuple[str, str, int], dict[str, Run]] = {}
    for run in runs:
        pairs.setdefault((run.store, run.mode, run.round), {})[run.bot] = run
    ratios: dict[tuple[str, str, str], list[float]] = {}
    for (store, mode, number), bots in pairs.items():
        if not {"bare", "devbot"} <= set(bots):
            continue
        which = f" (round {number + 1})" if several else ""
        for bare, dev in zip(bots["bare"].phases, bots["devbot"].phases, strict=True):
            if dev.name.startswith("burst"):
                ratio = throughput(dev) / throughput(bare) if throughput(bare) else 0.0
                ratios.setdefault((store, mode, dev.name), []).append(ratio)
                print(f"{store} {mode} {dev.name}{which}: DevBot answers at {ratio:.1%} of the "
                      f"bare aiogram bot's updates per second")  # fmt: skip
            else:
                p95 = [percentile([x * 1000 for x in p.latencies], 0.95) for p in (bare, dev)]
                late = max(bare.late, dev.late) * 1000
                print(f"{store} {mode} {dev.name}{which}: DevBot p95 {p95[1]:.1f} ms, the bare "
                      f"aiogram bot {p95[0]:.1f} ms (every push within {late:.1f} ms of its "
                      f"time)")  # fmt: skip
    if several:
        for (store, mode, name), values in ratios.items():
            print(f"{store} {mode} {name}: median of {len(values)} rounds {median(values):.1%} "
                  f"(each: {', '.join(f'{value:.1%}' for value in values)})")  # fmt: skip


@contextmanager
def stores(names: list[str]) -> Iterator[Callable[[str], dict[str, str]]]:
    """Yields a function giving each run a fresh database (and Redis) of the named store."""
    postgres = redis = None
    try:
        if "postgres" in names:
            postgres, redis = PostgresServer().start(), RedisServer().start()

        def fresh(name: str) -> dict[str, str]:
            if name == "embedded":
                directory = tempfile.mkdtemp(prefix="devbot-load-db-")
                return {"DATABASE_URL": f"sqlite+aiosqlite:///{directory}/bot.sqlite3",
                        "FILES_DIR": f"{directory}/files"}  # fmt: skip
            assert postgres is not None and redis is not None
            redis.flushall()
            return {"DATABASE_URL": postgres.url(postgres.new_database("devbot_load")),
                    "REDIS_URL": redis.url, "FILES_DIR": tempfile.mkdtemp()}  # fmt: skip

        yield fresh
    finally:
        for server in (redis, postgres):
            if server is not None:
                server.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--distinct", type=int, default=0)
    parser.add_argument("--modes", default="polling,webhook")
    parser.add_argument("--stores", default="postgres,embedded")
    parser.add_argument("--bots", default="bare,devbot")
    parser.add_argument("--profile", help="a directory for py-spy profiles (pip install py-spy)")
    parser.add_argument(
        "--rounds", type=int, default=1,
        help="measure each pair this many times, the bots' order alternating (a machine whose "
             "speed drifts favours neither); the ratios' median is printed",
    )  # fmt: skip
    args = parser.parse_args()
    runs = []
    bots = args.bots.split(",")
    with stores(args.stores.split(",")) as fresh:
        for store in args.stores.split(","):
            for mode in args.modes.split(","):
                for number in range(args.rounds):
                    for which in bots if number % 2 == 0 else bots[::-1]:
                        env = fresh(store) if which == "devbot" else {}
                        run = await measure(which, mode, store, env, args)
                        runs.append(replace(run, round=number))
                        print(f"done: {store} {mode} {which} (log: {run.log})", file=sys.stderr)
    report(runs)


if __name__ == "__main__":
    asyncio.run(main())
