"""The people's side of broadcasts: the "Stop these messages" button under each one,
/unsubscribe (the same) and /subscribe (undoes it). Private chats only (the parent router)."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.broadcast.keyboard import StopBroadcastsCallback
from bot.kernel.i18n import Translator
from db.models import User


def _opt_out(user: User, opted_out: bool) -> bool:
    """Set the person's choice; False when it was so already."""
    changed = user.broadcast_opt_out is not opted_out
    user.broadcast_opt_out = opted_out
    return changed


async def unsubscribe(message: Message, user: User, i18n: Translator) -> None:
    changed = _opt_out(user, True)
    await message.answer(i18n("broadcast-stopped" if changed else "broadcast-already-stopped"))


async def subscribe(message: Message, user: User, i18n: Translator) -> None:
    changed = _opt_out(user, False)
    key = "broadcast-subscribed" if changed else "broadcast-already-subscribed"
    await message.answer(i18n(key))


async def on_stop(query: CallbackQuery, bot: Bot, user: User, i18n: Translator) -> None:
    changed = _opt_out(user, True)
    await query.answer()
    if isinstance(query.message, Message):
        # The message stays; its button goes (an edit Telegram refuses changes nothing here).
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    # Said in a message of its own, with how to undo it (also under an old, inaccessible one).
    await bot.send_message(
        query.from_user.id, i18n("broadcast-stopped" if changed else "broadcast-already-stopped")
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(unsubscribe, Command("unsubscribe"))
    router.message.register(subscribe, Command("subscribe"))
    router.callback_query.register(on_stop, StopBroadcastsCallback.filter())
    return router
