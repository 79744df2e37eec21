"""`/admin broadcast SEGMENT [text]` (private chat): a message to all, leads or clients;
`/admin broadcast stop` stops what is being sent.

Without the text the bot asks for it and keeps the admin's next message (FSM state in the
dispatcher's storage); a command instead drops the broadcast. The admin then sees a preview,
exactly what people will get, and how many will, with Send and Cancel: only Send queues it
(bot/broadcast/ sends it). The buttons check the admin role again.
"""

from __future__ import annotations

import re
from enum import StrEnum

from aiogram import Bot
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.utils.text_decorations import html_decoration
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcast.keyboard import stop_keyboard
from bot.broadcast.runner import BroadcastRunner
from bot.broadcast.sender import SEGMENT_KEYS
from bot.config import Settings
from bot.kernel.i18n import Translator
from db.base import utcnow
from db.models import Broadcast, BroadcastSegment, BroadcastStatus
from db.repositories.broadcasts import add_draft, cancel_unfinished, count_recipients, move
from handlers.admin.command import AdminCall, Subcommand, admin_role

# Where the segment waits in the FSM data while the admin writes the text.
SEGMENT_FIELD = "broadcast_segment"
STOP = "stop"
_PREFIX = re.compile(r"\s*/admin(?:@\w+)?\s+broadcast\s+\S+\s*", re.IGNORECASE)


class BroadcastText(StatesGroup):
    """The admin's next message is the broadcast (state names are data: never rename)."""

    waiting = State()


class BroadcastAction(StrEnum):
    SEND = "send"
    CANCEL = "cancel"


class BroadcastCallback(CallbackData, prefix="bcast"):
    action: BroadcastAction
    broadcast_id: int


def parse_segment(word: str) -> BroadcastSegment | None:
    try:
        return BroadcastSegment(word.lower())
    except ValueError:
        return None


def inline_text(message: Message) -> str:
    """What follows `/admin broadcast SEGMENT` in the command, as HTML, its formatting kept."""
    text = message.text or ""
    match = _PREFIX.match(text)
    if match is None:
        return ""
    offset = len(text[: match.end()].encode("utf-16-le")) // 2  # entities count UTF-16 units
    entities = []
    for entity in message.entities or []:
        end = entity.offset + entity.length
        if end > offset:
            begin = max(entity.offset, offset)
            entities.append(
                entity.model_copy(update={"offset": begin - offset, "length": end - begin})
            )
    return html_decoration.unparse(text[match.end() :], entities)


async def broadcast(call: AdminCall) -> None:
    if len(call.args) == 1 and call.args[0].lower() == STOP:
        await stop(call)
        return
    segment = parse_segment(call.args[0]) if call.args else None
    if segment is None:
        await call.answer(call.t("broadcast-usage"))
        return
    text = inline_text(call.message) if len(call.args) > 1 else ""
    if text.strip():
        await preview(call.message, call.t, call.session, call.admin_id, segment, text)
        return
    state: FSMContext = call.data["state"]
    await state.set_state(BroadcastText.waiting)
    await state.update_data({SEGMENT_FIELD: segment.value})
    await call.answer(call.t("broadcast-ask-text", segment=call.t(SEGMENT_KEYS[segment])))


async def stop(call: AdminCall) -> None:
    """`/admin broadcast stop`: what is queued or being sent stops (within a batch)."""
    cancelled = await cancel_unfinished(call.session)
    await call.session.commit()
    if not cancelled:
        await call.answer(call.t("broadcast-none-running"))
    for stopped in cancelled:
        await call.answer(call.t("broadcast-halted", number=str(stopped.id),
                                 sent=stopped.sent_count))  # fmt: skip


async def on_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    settings: Settings,
    i18n: Translator,
) -> None:
    """The admin's message after `/admin broadcast SEGMENT`."""
    if (
        message.from_user is None
        or await admin_role(session, message.from_user.id, settings.telegram.admin_ids) is None
    ):
        await _leave(state)
        raise SkipHandler  # no longer an admin: an ordinary message
    segment = parse_segment(str((await state.get_data()).get(SEGMENT_FIELD, "")))
    if segment is None:
        await _leave(state)
        raise SkipHandler
    if message.text is None:
        await message.answer(i18n("broadcast-text-only"))
        return
    await _leave(state)
    if message.text.startswith("/"):
        await message.answer(i18n("broadcast-dropped"))
        if message.text.split()[0].split("@")[0].lower() == "/cancel":
            return
        raise SkipHandler  # the command itself is answered as always
    await preview(message, i18n, session, message.from_user.id, segment, message.html_text)


async def _leave(state: FSMContext) -> None:
    await state.set_state(None)
    data = await state.get_data()
    if SEGMENT_FIELD in data:
        del data[SEGMENT_FIELD]
        await state.set_data(data)


async def preview(
    message: Message,
    t: Translator,
    session: AsyncSession,
    admin_id: int,
    segment: BroadcastSegment,
    text: str,
) -> None:
    """The message as people will get it, then how many will, with Send and Cancel."""
    name = t(SEGMENT_KEYS[segment])
    count = await count_recipients(session, segment)
    if count == 0:
        await message.answer(t("broadcast-nobody", segment=name))
        return
    try:
        await message.answer(text, reply_markup=stop_keyboard(t))
    except TelegramBadRequest:
        await message.answer(t("broadcast-bad-text"))
        return
    draft = add_draft(session, text, segment, admin_id, t.language, count)
    await session.flush()
    keyboard = InlineKeyboardBuilder()
    for action, key in ((BroadcastAction.SEND, "broadcast-button-send"),
                        (BroadcastAction.CANCEL, "broadcast-button-cancel")):  # fmt: skip
        data = BroadcastCallback(action=action, broadcast_id=draft.id)
        keyboard.button(text=t(key), callback_data=data)
    await message.answer(
        t("broadcast-confirm", count=count, segment=name), reply_markup=keyboard.as_markup()
    )


async def on_button(
    query: CallbackQuery,
    callback_data: BroadcastCallback,
    bot: Bot,
    session: AsyncSession,
    i18n: Translator,
    broadcasts: BroadcastRunner,
) -> None:
    """Send or Cancel under a preview, pressed by an admin (the router checks the role)."""
    await query.answer()
    broadcast_id, send = callback_data.broadcast_id, callback_data.action is BroadcastAction.SEND
    if send:
        moved = await move(session, broadcast_id, BroadcastStatus.DRAFT, BroadcastStatus.QUEUED,
                           queued_at=utcnow())  # fmt: skip
    else:
        moved = await move(session, broadcast_id, BroadcastStatus.DRAFT,
                           BroadcastStatus.CANCELLED, finished_at=utcnow())  # fmt: skip
    draft = await session.get(Broadcast, broadcast_id)
    # Committed before the sender looks for it.
    await session.commit()
    if not moved or draft is None:
        text = i18n("broadcast-not-draft")
    elif send:
        text = i18n("broadcast-queued", number=str(draft.id), count=draft.planned)
        broadcasts.start(bot)
    else:
        text = i18n("broadcast-cancelled")
    if isinstance(query.message, Message):
        await query.message.edit_text(text)
    else:
        await bot.send_message(query.from_user.id, text)


SUBCOMMANDS = [Subcommand("broadcast", broadcast)]
