"""What the in-process fake servers share: an aiohttp app served on 127.0.0.1 at a free port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from aiohttp import web

T = TypeVar("T")


class FakeServer:
    """Serves ``_app()`` between ``start()`` and ``stop()``, or as an ``async with`` block."""

    def __init__(self) -> None:
        # Set by stop(), so handlers that sleep or wait give up at once.
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    def _app(self) -> web.Application:
        """The application to serve; built anew by each start()."""
        raise NotImplementedError

    def _on_stop(self) -> None:
        """Called by stop() right after setting ``_stopping``: wake what waits elsewhere."""

    async def start(self) -> None:
        # Hung handlers are woken by stop(); the timeout only bounds what is left in flight.
        self._runner = web.AppRunner(self._app(), shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._stopping = asyncio.Event()

    async def stop(self) -> None:
        self._stopping.set()
        self._on_stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://127.0.0.1:{self._port}"


async def wait_event(event: asyncio.Event, seconds: float) -> None:
    """Wait for `event` at most `seconds`; callers re-check their own condition afterwards."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


async def first_recorded(
    items: list[T],
    match: Callable[[T], bool],
    *,
    since: int,
    seconds: float,
    arrival: Callable[[], asyncio.Event],
    describe: Callable[[], str],
) -> T:
    """The first item at index >= `since` that `match`es, waiting up to `seconds` for new ones.

    `arrival()` returns the event set when the next item is recorded (the fakes replace it after
    each item); `describe()` says what was seen, for the assertion message on a time-out.
    """
    deadline = asyncio.get_running_loop().time() + seconds
    checked = since
    while True:
        for item in items[checked:]:
            if match(item):
                return item
        checked = max(checked, len(items))
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError(describe())
        await wait_event(arrival(), remaining)
