"""The bot as its own process (`python -m bot run`), pointed at the fake Bot API server, on real
PostgreSQL and Redis; tests look only at what the fake received."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.services import free_port
from tests.fakes.telegram_server import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0  # a start under coverage (CI measures the bot process too) is slower


class BotProcess:
    def __init__(self, env: dict[str, str], log_path: Path, http_port: int) -> None:
        self.env = env
        self.log_path = log_path
        self.http_port = http_port
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, *args: str) -> None:
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *args,
            cwd=ROOT, env=self.env, stdout=log, stderr=log,
        )  # fmt: skip
        log.close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def stop(self, sig: int = signal.SIGTERM, seconds: float = 20.0) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
        try:
            return await asyncio.wait_for(self.process.wait(), seconds)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            message = f"the bot did not stop within {seconds}s:\n{self.log()[-3000:]}"
            raise AssertionError(message) from None


def bot_env(
    telegram: FakeTelegram, postgres_url: str, redis_url: str, **extra: str
) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH"}
        # CI's coverage run (pytest --cov, [tool.coverage.run] patch) measures the bot too.
        or name.startswith("COVERAGE_")
    }
    env["DEVBOT_ENV_FILE"] = ""  # never a developer's .env in the checkout
    env.update(
        BOT_TOKEN=telegram.token,
        TELEGRAM_API_URL=telegram.base_url,
        DATABASE_URL=postgres_url,
        REDIS_URL=redis_url,
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(free_port()),
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        THROTTLE_BURST="1000",  # the fake user types faster than a person
    )
    env.update(extra)
    return env


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot_process(
    telegram: FakeTelegram, postgres_url: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    env = bot_env(telegram, postgres_url, redis_url)
    process = BotProcess(env, tmp_path / "bot.log", int(env["HTTP_PORT"]))
    yield process
    if process.process is not None and process.process.returncode is None:
        process.process.kill()
        await process.process.wait()


def error_lines(log: str) -> list[str]:
    """The lines of a bot's JSON log at ERROR level or above, and any traceback or error that
    reached the output outside the log's JSON lines (printed by Python itself)."""
    found = []
    for line in log.splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                if json.loads(line).get("level") in ("ERROR", "CRITICAL"):
                    found.append(line)
                continue
        if "Traceback" in line or "ERROR" in line or "Error:" in line:
            found.append(line)
    return found
