"""Button data that a client can forge: a CallbackData filter whose int fields fit a BIGINT.

Telegram sends back whatever callback_data a (modified) client puts in a press, up to 64 bytes:
an int field can hold 10**30, which pydantic accepts and PostgreSQL's BIGINT (and SQLite's
INTEGER) refuse with an error in the middle of the handler. `bounded(Factory)` is
`Factory.filter()` that does not match such a press, so it falls through to the stale-button
answer, like any other button the bot does not know.
"""

from __future__ import annotations

from typing import Any, Literal

from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.types import CallbackQuery
from magic_filter import MagicFilter

# Telegram's ids use 52 bits; every id and row number the bot stores is a signed 64-bit int.
INT64 = range(-(2**63), 2**63)


def fits(data: CallbackData) -> bool:
    """Every int field of `data` is a signed 64-bit value."""
    return all(
        value in INT64
        for _name, value in data
        if isinstance(value, int) and not isinstance(value, bool)
    )


class BoundedCallbackFilter(CallbackQueryFilter):
    async def __call__(self, query: CallbackQuery) -> Literal[False] | dict[str, Any]:
        result = await super().__call__(query)
        if result and not fits(result["callback_data"]):
            return False
        return result


def bounded(factory: type[CallbackData], rule: MagicFilter | None = None) -> BoundedCallbackFilter:
    """`factory.filter(rule)`, refusing presses whose int fields exceed 64 bits."""
    return BoundedCallbackFilter(callback_data=factory, rule=rule)
