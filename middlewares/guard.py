"""Bans and spam, before any handler.

BanMiddleware: a banned person's updates go nowhere; they are told once per ban, then silence.
SpamMiddleware (on messages, after aiogram-dialog's own middleware, so that it knows whether a
form is open): a private message that the heuristics call spam is not processed; it counts as a
violation (audit log, Prometheus, a log line without the text) and the progression decides
between a warning and a ban. Agents and admins are never judged. Inside a form (an FSM state or
a dialog) the same text typed again is not a repeat: a refused answer is naturally retyped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from contextlib import suppress
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message, TelegramObject, Update
from loguru import logger

from bot.config import SpamSettings
from bot.desk.roles import role_of
from bot.guard.bans import Ban, Bans, Outcome
from bot.guard.spam import SpamDetector
from bot.kernel.i18n import Translator
from bot.kernel.metrics import BANNED_UPDATES, SPAM_VIOLATIONS
from db.models import User

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def ban_notice(i18n: Translator, ban: Ban) -> str:
    if ban.until is None:
        return i18n("guard-banned-permanent")
    return i18n("guard-banned-temporary", until=ban.until.strftime("%Y-%m-%d %H:%M"))


def _private_message(event: TelegramObject) -> Message | None:
    message = event.message if isinstance(event, Update) else None
    if message is None or message.chat.type != "private" or message.from_user is None:
        return None
    return message


class BanMiddleware(BaseMiddleware):
    def __init__(self, bans: Bans, admin_ids: Collection[int]) -> None:
        self.bans = bans
        self.admin_ids = frozenset(admin_ids)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("user")
        if user is None or user.id in self.admin_ids:
            return await handler(event, data)
        ban = self.bans.active(user)
        if ban is None:
            return await handler(event, data)
        BANNED_UPDATES.inc()
        message = _private_message(event)
        if message is not None and await self.bans.first_notice(user.id, ban):
            await message.answer(ban_notice(data["i18n"], ban))
        query = event.callback_query if isinstance(event, Update) else None
        if query is not None:
            # Stop the button's spinner; the notice (once per ban) says the rest.
            with suppress(TelegramAPIError):
                await query.answer()
        return None


class SpamMiddleware(BaseMiddleware):
    def __init__(
        self,
        detector: SpamDetector,
        bans: Bans,
        settings: SpamSettings,
        admin_ids: Collection[int],
    ) -> None:
        self.detector = detector
        self.bans = bans
        self.settings = settings
        self.admin_ids = frozenset(admin_ids)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = event if isinstance(event, Message) and event.chat.type == "private" else None
        user: User | None = data.get("user")
        text = (message.text or message.caption) if message is not None else None
        if not self.settings.enabled or message is None or user is None or not text:
            return await handler(event, data)
        if data.get("attempt"):  # a retry: the first attempt judged (and counted) it already
            return await handler(event, data)
        entities = message.entities or message.caption_entities or []
        links = sum(1 for entity in entities if entity.type in ("url", "text_link"))
        in_form = data.get("raw_state") is not None or data.get("aiogd_context") is not None
        check = await self.detector.check(user.id, text, link_entities=links, repeats=not in_form)
        if not check.is_spam(self.settings.threshold):
            return await handler(event, data)
        session = data["session"]
        if await role_of(session, user.id, self.admin_ids) is not None:
            return await handler(event, data)  # staff paste logs and links; never auto-banned
        for reason in check.reasons:
            SPAM_VIOLATIONS.labels(reason).inc()
        verdict = await self.bans.record_violation(session, user, check, self.settings)
        logger.warning(
            "spam from user {}: score {} ({}), strike {}: {}",
            user.id,
            check.score,
            ",".join(check.reasons),
            verdict.strikes,
            verdict.outcome.value,
        )
        i18n: Translator = data["i18n"]
        if verdict.outcome is Outcome.WARNING or verdict.ban is None:
            await message.answer(i18n("guard-spam-warning"))
        else:
            await self.bans.first_notice(user.id, verdict.ban)  # this is the one notice
            await message.answer(ban_notice(i18n, verdict.ban))
        return None
