"""Run synchronous filters on the event loop instead of a thread.

aiogram calls every filter that is not a coroutine (each `F.text`, `F.chat.type == ...`,
`~F.text.startswith("/")`) through `asyncio.to_thread`: a thread hop per filter per update, a
few dozen per update across the routers, which under load cost more CPU than the filters do.
They are pure and cheap, so after the routers are assembled each one is wrapped in a coroutine
that calls it in place; what it decides is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject


def _inline(check: Callable[..., Any]) -> Callable[..., Any]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return run


def _filters(router: Router) -> Iterator[FilterObject]:
    for observer in router.observers.values():
        handlers = [*observer.handlers, observer._handler]  # the second holds .filter() ones
        for handler in handlers:
            yield from handler.filters or ()
    for child in router.sub_routers:
        yield from _filters(child)


def run_filters_inline(router: Router) -> int:
    """Make every synchronous filter of `router` and its sub-routers run inline; returns how
    many there were."""
    changed = 0
    for filter_object in _filters(router):
        if not filter_object.awaitable:
            filter_object.callback = _inline(filter_object.callback)
            filter_object.awaitable = True
            changed += 1
    return changed
