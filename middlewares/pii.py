"""Personal data stays in the conversation: an exception leaving a handler has the personal data
in its message masked (the user's own Telegram name included) before error handlers, reports or
logs see it.

The log patcher (bot/logging.py) masks every line again; this middleware makes sure that what
is passed around as a report (an ErrorEvent, an exception's text) is safe in the first place.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.kernel.pii import mask_pii

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
# Exception attributes that libraries format into str(exc) (aiogram's TelegramAPIError.message).
_TEXT_ATTRIBUTES = ("message", "msg", "detail", "description")


def mask_exception(exc: BaseException, *, names: Iterable[str] = ()) -> None:
    """Mask personal data in the exception's arguments and text, and in its causes; `names`
    (the user's own) too."""
    names = tuple(names)

    def mask(value: Any) -> Any:
        return mask_pii(value, names=names) if isinstance(value, str) else value

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(mask(a) for a in current.args)
        for name in _TEXT_ATTRIBUTES:
            value = current.__dict__.get(name)
            if isinstance(value, str):
                with contextlib.suppress(AttributeError, TypeError):  # read-only: leave it
                    setattr(current, name, mask(value))
        notes = getattr(current, "__notes__", None)
        if isinstance(notes, list):
            notes[:] = [mask(n) for n in notes]
        current = current.__cause__ or current.__context__


class PiiMaskingMiddleware(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except Exception as exc:
            user = data.get("event_from_user")
            names = (user.first_name, user.last_name or "") if isinstance(user, User) else ()
            mask_exception(exc, names=names)
            raise
