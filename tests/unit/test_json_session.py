"""The bot's Bot API session against the fake Telegram server: a call without files goes as a
JSON body with every field as aiogram would send it (keyboards, defaults such as parse mode and
link previews), an upload still as multipart, and errors arrive as aiogram's exceptions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import load_settings
from bot.telegram.client import create_bot, create_session
from tests.fakes.services import free_port
from tests.fakes.telegram_server import FakeTelegram

CHAT = 7_007


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    settings = load_settings(telegram={"telegram_api_url": tg.base_url})
    bot = create_bot(settings, token=tg.token)
    yield bot
    await bot.session.close()


async def test_a_message_goes_as_json_with_its_keyboard_and_defaults(
    tg: FakeTelegram, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Prices", callback_data="topic:pricing")]]
    )
    sent = await bot.send_message(CHAT, "<b>Prices</b> — from €2,000 ☁", reply_markup=keyboard)
    assert sent.text == "Prices — from €2,000 ☁" and sent.chat.id == CHAT
    call = tg.calls_of("sendMessage")[-1]
    assert call.content_type == "application/json"
    assert call.params["text"] == "<b>Prices</b> — from €2,000 ☁"
    assert call.params["parse_mode"] == "HTML"  # the bot's default
    assert call.params["link_preview_options"] == {"is_disabled": True}
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Prices", "callback_data": "topic:pricing"}]]
    }


async def test_an_upload_still_goes_as_multipart(tg: FakeTelegram, bot: Bot) -> None:
    document = BufferedInputFile(b"%PDF-1.4 brief", filename="brief.pdf")
    await bot.send_document(CHAT, document, caption="Our brief")
    call = tg.calls_of("sendDocument")[-1]
    assert call.content_type == "multipart/form-data"
    assert call.params["caption"] == "Our brief"
    assert [upload.content for upload in call.files.values()] == [b"%PDF-1.4 brief"]


async def test_errors_are_aiograms(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(CHAT, "")
    settings = load_settings(telegram={"telegram_api_url": f"http://127.0.0.1:{free_port()}"})
    unreachable = Bot(tg.token, session=create_session(settings))  # no retries: fails at once
    try:
        with pytest.raises(TelegramNetworkError):
            await unreachable.get_me()
    finally:
        await unreachable.session.close()
