"""AnswerStream: drafts in private chats, throttled edits in groups, retry_after respected,
and the final answer always delivered, split when long."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import EditMessageText
from aiogram.types import Chat, Message

from bot.telegram.html import parse_html
from bot.telegram.streaming import EDIT_INTERVAL, AnswerStream


class FakeBot:
    """Records what AnswerStream sends, with the time; can answer one call with a 429."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str, dict[str, Any]]] = []
        self.penalise: str | None = None
        self._ids = iter(range(100, 1000))

    def _record(self, method: str, **params: Any) -> None:
        self.calls.append((time.monotonic(), method, params))
        if self.penalise == method:
            self.penalise = None
            raise TelegramRetryAfter(EditMessageText(chat_id=1, text="x"), "Flood", 1)

    def of(self, method: str) -> list[tuple[float, str, dict[str, Any]]]:
        return [call for call in self.calls if call[1] == method]

    async def send_chat_action(self, chat_id: int, action: str, **params: Any) -> bool:
        self._record("sendChatAction", chat_id=chat_id, action=action)
        return True

    async def send_message_draft(self, chat_id: int, draft_id: int, **params: Any) -> bool:
        self._record("sendMessageDraft", chat_id=chat_id, draft_id=draft_id, **params)
        return True

    async def send_message(self, chat_id: int, text: str, **params: Any) -> Message:
        self._record("sendMessage", chat_id=chat_id, text=text)
        return _message(next(self._ids), chat_id, text)

    async def edit_message_text(self, **params: Any) -> Message:
        self._record("editMessageText", **params)
        return _message(params["message_id"], params["chat_id"], params["text"])


def _message(message_id: int, chat_id: int, text: str) -> Message:
    chat = Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup")
    return Message(message_id=message_id, date=0, chat=chat, text=text)  # type: ignore[arg-type]


async def test_private_chat_drafts_start_at_the_first_token_and_end_with_a_message() -> None:
    bot = FakeBot()
    stream = AnswerStream(bot, 5, private=True, draft_id=9)  # type: ignore[arg-type]
    async with stream:
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await stream.update("Hello")
        await asyncio.sleep(0.05)
        first_draft = bot.of("sendMessageDraft")[0]
        assert first_draft[0] - started < 0.3
        for word in range(20):
            await stream.update("Hello" + " word" * word)
            await asyncio.sleep(0.02)
        sent = await stream.finish("Hello **world**")

    assert bot.of("sendChatAction")  # typing while waiting for the first token
    drafts = bot.of("sendMessageDraft")
    assert 1 <= len(drafts) <= 3  # 0.4 s apart at most, not one per token
    assert {call[2]["draft_id"] for call in drafts} == {9}
    assert [call[2]["text"] for call in bot.of("sendMessage")] == ["Hello <b>world</b>"]
    assert len(sent) == 1


async def test_group_edits_are_at_most_one_per_interval_and_final_text_is_delivered() -> None:
    bot = FakeBot()
    stream = AnswerStream(bot, -100, private=False, draft_id=1)  # type: ignore[arg-type]
    async with stream:
        for word in range(40):
            await stream.update("Streaming" + " token" * word)
            await asyncio.sleep(0.05)  # two seconds of tokens
        await stream.finish("The final answer.")

    sends, edits = bot.of("sendMessage"), bot.of("editMessageText")
    assert len(sends) == 1  # the preview message, then edits of it
    times = [call[0] for call in sends + edits]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)][:-1]
    assert all(gap >= EDIT_INTERVAL - 0.05 for gap in gaps)
    assert edits[-1][2]["text"] == "The final answer."


async def test_a_retry_after_pauses_the_previews_but_not_the_final_answer() -> None:
    bot = FakeBot()
    bot.penalise = "sendMessageDraft"
    stream = AnswerStream(bot, 5, private=True, draft_id=3)  # type: ignore[arg-type]
    async with stream:
        await stream.update("first")
        await asyncio.sleep(0.1)
        for n in range(5):
            await stream.update("first" + " more" * n)
            await asyncio.sleep(0.1)
        assert len(bot.of("sendMessageDraft")) == 1  # the refused one; nothing during the penalty
        await stream.finish("done")
    assert [call[2]["text"] for call in bot.of("sendMessage")] == ["done"]


async def test_a_long_answer_is_split_into_messages_that_fit() -> None:
    bot = FakeBot()
    paragraphs = "\n\n".join(f"Paragraph {n}: " + "word " * 150 for n in range(12))
    stream = AnswerStream(bot, 5, private=True, draft_id=4)  # type: ignore[arg-type]
    async with stream:
        sent = await stream.finish(paragraphs)

    texts = [call[2]["text"] for call in bot.of("sendMessage")]
    assert len(sent) == len(texts) >= 2
    for text in texts:
        plain, _ = parse_html(text)
        assert len(plain) <= 4096
    assert "Paragraph 0" in texts[0] and "Paragraph 11" in texts[-1]


async def test_broken_markdown_never_breaks_telegram_html() -> None:
    bot = FakeBot()
    stream = AnswerStream(bot, 5, private=True, draft_id=4)  # type: ignore[arg-type]
    async with stream:
        await stream.update("**unclosed bold and `code")
        await asyncio.sleep(0.05)
        await stream.finish("**unclosed bold, <tag> & `code` [link](javascript:alert(1)")

    for _, _, params in bot.calls:
        if "text" in params:
            parse_html(params["text"])  # raises TelegramHtmlError like Telegram would
