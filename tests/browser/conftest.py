"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright (from
PyPI; its own browser builds are never downloaded), against the bot's HTTP app on a free
loopback port, over a real PostgreSQL (seeded, see seed.py) and a real Redis (sessions and
used links). Sign-in links come from the real `/admin dashboard` through the dispatcher
harness.

A missing Chromium (or Playwright) skips these tests locally and fails them in CI (CI=true or
DEVBOT_REQUIRE_SERVICES=1): `scripts/ensure-services.sh` installs it. Screenshots of each page
are written under the run's base temporary directory, printed at the end of the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Resources
from bot.config import Settings, load_settings
from bot.dashboard.core import DASHBOARD, Dashboard
from bot.web import create_web_app
from db import migrate
from db.engine import create_engine, create_sessionmaker
from tests.browser.seed import ADMIN_ID, Seeded, seed
from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness
from tests.fakes.services import free_port, services_required
from tests.fakes.telegram_server import DEFAULT_TOKEN

TOKEN = DEFAULT_TOKEN  # the fake Bot API's, not a real one
# Debian's package; GitHub's Ubuntu runners have no such package but come with Google Chrome.
CHROMIUM_NAMES = ("chromium", "google-chrome")
SHOTS_DIR = "dashboard-screenshots"
_shots_made: list[Path] = []


def find_chromium() -> str | None:
    """$DEVBOT_CHROMIUM, else Debian's chromium (or Google Chrome) on PATH."""
    override = os.environ.get("DEVBOT_CHROMIUM")
    if override:
        return override if os.access(override, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(reason: str) -> None:
    if services_required():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    chromium = find_chromium()
    if chromium is None:
        _unavailable(
            "Chromium not found (chromium on PATH or $DEVBOT_CHROMIUM); "
            "`bash scripts/ensure-services.sh` installs Debian's"
        )
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("playwright is not installed: `make test` syncs the dev dependencies")
    async with async_playwright() as playwright:
        # Chromium's sandbox refuses to run as root (CI and these machines run as root).
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        launched = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=args
        )
        yield launched
        await launched.close()


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.getbasetemp() / SHOTS_DIR
    directory.mkdir(exist_ok=True)
    return directory


@pytest.fixture
def shot(shots_dir: Path, request: pytest.FixtureRequest) -> Any:
    """`await shot(page, "kpis")` writes <test>-<name>.png under the screenshots directory."""

    async def take(page: Any, name: str) -> Path:
        path = shots_dir / f"{request.node.name}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        _shots_made.append(path)
        return path

    return take


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Where the screenshots are: this process's, or (pytest-xdist) each worker's, whose base
    temporary directories lie under this one's."""
    directories = {path.parent for path in _shots_made}
    factory = getattr(config, "_tmp_path_factory", None)
    if not directories and factory is not None and not hasattr(config, "workerinput"):
        base = factory.getbasetemp()
        directories = {d for d in base.glob(f"*/{SHOTS_DIR}") if any(d.iterdir())}
    for directory in sorted(directories):
        count = len(list(directory.glob("*.png")))
        terminalreporter.write_line(f"dashboard screenshots ({count}): {directory}")


class Clock:
    """The dashboard's time, moved by tests (an expired link, an idle session)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        import time

        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Site:
    base: str
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    harness: Harness
    dashboard: Dashboard
    clock: Clock
    seeded: Seeded
    contexts: list[Any] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    async def answer(self, user_id: int = ADMIN_ID, language_code: str = "en") -> str:
        """What the bot answers `/admin dashboard` from `user_id`, in their private chat."""
        await self.harness.send("/admin dashboard", user_id=user_id, language_code=language_code)
        return self.harness.session.sent_texts(user_id)[-1]

    async def link(self, user_id: int = ADMIN_ID, language_code: str = "en") -> str:
        """The sign-in link of that answer."""
        text = await self.answer(user_id, language_code)
        return next(word for word in text.split() if word.startswith(self.base))


@pytest.fixture
async def site(
    postgres_url: str, redis_url: str, knowledge: Knowledge, browser: Any
) -> AsyncIterator[Site]:
    engine = create_engine(postgres_url)
    await migrate.upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    seeded = await seed(sessionmaker)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = load_settings(
        telegram={"bot_token": TOKEN, "admin_ids": [ADMIN_ID]},
        dashboard={"url": base},
        redis={"url": redis_url},
    )
    redis = Redis.from_url(redis_url)
    resources = Resources(
        settings=settings, engine=engine, sessionmaker=sessionmaker, i18n=knowledge.i18n,
        kb=knowledge.kb, detector=knowledge.detector, redis=redis,
    )  # fmt: skip
    app = create_web_app(resources)
    dashboard = app[DASHBOARD]
    clock = Clock()
    dashboard.clock = clock
    dashboard.poll_seconds = 0.2
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    harness = Harness(sessionmaker, knowledge, settings)
    site = Site(base, settings, sessionmaker, harness, dashboard, clock, seeded)
    try:
        yield site
    finally:
        for context in site.contexts:
            await context.close()
        await runner.cleanup()
        await redis.aclose()
        await engine.dispose()


@pytest.fixture
def new_page(site: Site, browser: Any) -> Any:
    """`await new_page()`: a page in a fresh browser context (its own cookies); CSP reports
    and script errors are collected in `page.problems`."""

    async def make(locale: str = "en-US") -> Any:
        context = await browser.new_context(locale=locale, accept_downloads=True)
        site.contexts.append(context)
        page = await context.new_page()
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on(
            "console",
            lambda message: (
                page.problems.append(message.text) if message.type == "error" else None
            ),
        )
        return page

    return make
