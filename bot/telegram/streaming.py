"""Stream an LLM answer into a Telegram chat while it is being written.

Private chats get `sendMessageDraft` updates (an animated draft; the answer then arrives as a real
message). Groups get one message edited as the text grows, at most once per `edit_interval` per
chat. Either way the token stream never waits for Telegram: one background sender delivers the
latest text, older ones are skipped, and while a `retry_after` penalty runs nothing is sent.
A typing action shows while the first token is awaited. `finish()` always delivers the final
text, split into messages that fit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import suppress

from aiogram import Bot
from aiogram.enums import ChatAction, ChatType
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup, Message
from loguru import logger

from bot.telegram.markdown import render_chunks, to_telegram_html

# Drafts: the first at once, then at most this often.
DRAFT_INTERVAL = 0.4
# Telegram lets a bot edit a group message about once per 1.5 s without flood waits.
EDIT_INTERVAL = 1.5
TYPING_EVERY = 4.5
# A draft or streamed edit shows at most this much (the final message is split instead).
PREVIEW_LIMIT = 3800


class AnswerStream:
    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        *,
        private: bool,
        draft_id: int,
        thread_id: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.private = private
        self.draft_id = draft_id
        self.thread_id = thread_id
        self.interval = DRAFT_INTERVAL if private else EDIT_INTERVAL
        self._clock = clock
        self._latest = ""
        self._sent = ""
        self._last_sent_at = float("-inf")
        self._penalty_until = 0.0
        self._wake = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self._typing: asyncio.Task[None] | None = None
        self._message: Message | None = None  # the group message being edited

    @classmethod
    def for_message(cls, message: Message, draft_id: int) -> AnswerStream:
        assert message.bot is not None
        return cls(
            message.bot,
            message.chat.id,
            private=message.chat.type == ChatType.PRIVATE,
            draft_id=draft_id,
            thread_id=message.message_thread_id if message.is_topic_message else None,
        )

    async def __aenter__(self) -> AnswerStream:
        self._typing = asyncio.create_task(self._keep_typing())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stop()

    async def update(self, text: str) -> None:
        """The answer so far (markdown); cheap, never waits for Telegram."""
        if self._typing is not None:
            self._typing.cancel()
            self._typing = None
        self._latest = text
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_loop())
        self._wake.set()

    async def finish(
        self, markdown: str, reply_markup: InlineKeyboardMarkup | None = None
    ) -> list[Message]:
        """Deliver the final answer: every chunk as a message, the buttons on the last one."""
        await self._stop()
        chunks = render_chunks(markdown) or [to_telegram_html(markdown) or "…"]
        sent: list[Message] = []
        for index, chunk in enumerate(chunks):
            markup = reply_markup if index == len(chunks) - 1 else None
            if index == 0 and self._message is not None:
                edited = await self._edit_final(self._message, chunk, markup)
                if edited is not None:
                    sent.append(edited)
                    continue
            sent.append(
                await self.bot.send_message(
                    self.chat_id, chunk, message_thread_id=self.thread_id, reply_markup=markup
                )
            )
        return sent

    async def _stop(self) -> None:
        for task in (self._typing, self._sender):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        self._typing = self._sender = None

    async def _keep_typing(self) -> None:
        while True:
            with suppress(TelegramAPIError):
                await self.bot.send_chat_action(
                    self.chat_id, ChatAction.TYPING, message_thread_id=self.thread_id
                )
            await asyncio.sleep(TYPING_EVERY)

    async def _send_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            now = self._clock()
            pause = max(self._penalty_until, self._last_sent_at + self.interval) - now
            if pause > 0:
                await asyncio.sleep(pause)
            text = self._latest
            if text == self._sent:
                continue
            try:
                await self._send_preview(text)
            except TelegramRetryAfter as exc:
                self._penalty_until = self._clock() + exc.retry_after
                self._wake.set()  # try again with the latest text once the penalty is over
                continue
            except TelegramAPIError as exc:
                logger.debug("streamed preview not sent: {}", type(exc).__name__)
            self._sent = text
            self._last_sent_at = self._clock()

    async def _send_preview(self, markdown: str) -> None:
        html = to_telegram_html(_preview(markdown))
        if not html.strip():
            return
        if self.private:
            await self.bot.send_message_draft(
                self.chat_id, self.draft_id, text=html, message_thread_id=self.thread_id
            )
        elif self._message is None:
            self._message = await self.bot.send_message(
                self.chat_id, html, message_thread_id=self.thread_id
            )
        else:
            await self.bot.edit_message_text(
                text=html, chat_id=self.chat_id, message_id=self._message.message_id
            )

    async def _edit_final(
        self, message: Message, html: str, markup: InlineKeyboardMarkup | None
    ) -> Message | None:
        try:
            edited = await self.bot.edit_message_text(
                text=html, chat_id=self.chat_id, message_id=message.message_id, reply_markup=markup
            )
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return message
            return None
        return edited if isinstance(edited, Message) else message


def _preview(markdown: str) -> str:
    """The part of a growing answer that fits a preview (the start; the rest follows)."""
    if len(markdown) <= PREVIEW_LIMIT:
        return markdown
    return markdown[:PREVIEW_LIMIT].rsplit("\n", 1)[0] + "\n…"
