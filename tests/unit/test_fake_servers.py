"""The fake Telegram and LongCat servers, exercised through the real aiogram and openai clients.

If these pass, a failure elsewhere in the suite is about the bot, not about the fakes.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import openai
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiohttp import web
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from tests.fakes.longcat_server import FakeLongCat
from tests.fakes.telegram_server import DEFAULT_GROUP_ID, DEFAULT_USER_ID, FakeTelegram

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="answer:yes")]]
)


def same_markup(received: InlineKeyboardMarkup | None, expected: InlineKeyboardMarkup) -> bool:
    # Parsed objects carry a bound bot in their private state, so compare the data only.
    return received is not None and received.model_dump() == expected.model_dump()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


def make_bot(fake: FakeTelegram, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    return Bot(token or fake.token, session=session)


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(tg)
    yield bot
    await bot.session.close()


@pytest.fixture
async def llm() -> AsyncIterator[FakeLongCat]:
    async with FakeLongCat() as fake:
        yield fake


@pytest.fixture
async def client(llm: FakeLongCat) -> AsyncIterator[AsyncOpenAI]:
    client = AsyncOpenAI(base_url=llm.base_url, api_key=llm.api_key, max_retries=0, timeout=5)
    yield client
    await client.close()


# ---------------------------------------------------------------------- Telegram


async def test_get_me_and_unauthorized_token(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "devbot_test_bot"
    assert me.id == int(tg.token.split(":")[0])

    stranger = make_bot(tg, token="999:wrong-token")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()


async def test_send_message_records_params_and_echoes_markup(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(DEFAULT_USER_ID, "Hello", reply_markup=KEYBOARD)

    call = await tg.wait_for("sendMessage")
    assert call.params["chat_id"] == DEFAULT_USER_ID
    assert call.params["text"] == "Hello"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "answer:yes"}]]
    }
    assert sent.message_id == 1
    assert sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.is_bot
    assert same_markup(sent.reply_markup, KEYBOARD)

    in_group = await bot.send_message(DEFAULT_GROUP_ID, "Topic", message_thread_id=7)
    assert in_group.chat.type == "supergroup"
    assert in_group.message_thread_id == 7


async def test_edit_message_text_and_its_errors(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(DEFAULT_USER_ID, "Draft", reply_markup=KEYBOARD)

    edited = await bot.edit_message_text(
        "Final", chat_id=DEFAULT_USER_ID, message_id=sent.message_id, reply_markup=KEYBOARD
    )
    assert isinstance(edited, Message)
    assert edited.text == "Final"
    assert edited.edit_date is not None

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Final", chat_id=DEFAULT_USER_ID, message_id=sent.message_id, reply_markup=KEYBOARD
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=DEFAULT_USER_ID, message_id=999)

    # Without reply_markup Telegram drops the keyboard, so this is a real modification.
    await bot.edit_message_text("Final", chat_id=DEFAULT_USER_ID, message_id=sent.message_id)
    assert "reply_markup" not in tg.chat_messages(DEFAULT_USER_ID)[0]


async def test_html_parse_mode_is_parsed_like_telegram(bot: Bot) -> None:
    sent = await bot.send_message(DEFAULT_USER_ID, "<b>Hi</b> &lt;there&gt;", parse_mode="HTML")
    assert sent.text == "Hi <there>"
    assert sent.entities is not None
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 2)]

    with pytest.raises(TelegramBadRequest, match="can't parse entities: Can't find end tag"):
        await bot.send_message(DEFAULT_USER_ID, "<b>unclosed", parse_mode="HTML")
    # An unescaped "<" is what LLM output tends to contain.
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "3" at byte offset 1'):
        await bot.send_message(DEFAULT_USER_ID, "x<3 and y>1", parse_mode="HTML")


async def test_get_updates_offset_and_long_poll(tg: FakeTelegram, bot: Bot) -> None:
    first = tg.push_message("/start")
    tg.push_message("hello", language_code="ru")

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first["update_id"], first["update_id"] + 1]
    assert updates[0].message is not None and updates[0].message.text == "/start"
    assert updates[1].message is not None and updates[1].message.from_user is not None
    assert updates[1].message.from_user.language_code == "ru"

    # Asking from offset = last + 1 confirms (drops) everything before it.
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == []
    assert tg.pending_updates == []

    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9

    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    tg.push_message("wake up")
    woken = await asyncio.wait_for(poll, 1)
    assert [u.message.text for u in woken if u.message] == ["wake up"]
    assert tg.get_updates_count == 4


async def test_callback_update_carries_the_bot_message(tg: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(DEFAULT_USER_ID, "Pick", reply_markup=KEYBOARD)
    tg.push_callback("answer:yes", sent.message_id)

    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert query.data == "answer:yes"
    assert query.chat_instance
    assert isinstance(query.message, Message)
    assert query.message.message_id == sent.message_id
    assert same_markup(query.message.reply_markup, KEYBOARD)
    assert await bot.answer_callback_query(query.id, text="Done")


async def test_polling_dispatcher_round_trip(tg: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Welcome!")

    polling = asyncio.create_task(
        dp.start_polling(bot, polling_timeout=1, handle_signals=False, close_bot_session=False)
    )
    try:
        tg.push_message("/start")
        call = await tg.wait_for("sendMessage", timeout=3)
        assert call.params["text"] == "Welcome!"
        assert call.params["chat_id"] == DEFAULT_USER_ID
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 3)


async def test_retry_after_and_forbidden_injection(tg: FakeTelegram, bot: Bot) -> None:
    tg.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(DEFAULT_USER_ID, "spam")
    assert retry.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in retry.value.message

    tg.fail_next("sendMessage", status=403)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(DEFAULT_USER_ID, "hello?")

    await bot.send_message(DEFAULT_USER_ID, "ok now")
    assert [c.failed_with for c in tg.calls_of("sendMessage")] == [429, 403, None]


async def test_hang_next_delays_the_answer(tg: FakeTelegram, bot: Bot) -> None:
    tg.hang_next("sendChatAction", 0.3)
    started = time.monotonic()
    assert await bot.send_chat_action(DEFAULT_USER_ID, "typing")
    assert time.monotonic() - started >= 0.25
    assert tg.calls_of("sendChatAction")[0].delayed_by == 0.3


async def test_wait_for_timeout_lists_recorded_methods(tg: FakeTelegram, bot: Bot) -> None:
    await bot.get_me()
    with pytest.raises(AssertionError, match="getMe×1"):
        await tg.wait_for("sendMessage", timeout=0.1)


async def test_files_upload_get_file_and_download(tg: FakeTelegram, bot: Bot) -> None:
    tg.add_file("doc-1", b"report body", file_path="documents/report.txt")
    file = await bot.get_file("doc-1")
    assert file.file_size == len(b"report body")
    assert file.file_path == "documents/report.txt"
    downloaded = await bot.download(file)
    assert isinstance(downloaded, io.BytesIO)
    assert downloaded.getvalue() == b"report body"

    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")

    sent = await bot.send_document(
        DEFAULT_USER_ID, BufferedInputFile(b"%PDF-1.7", "cv.pdf"), caption="Your CV"
    )
    assert sent.document is not None and sent.document.file_name == "cv.pdf"
    assert sent.caption == "Your CV"
    (part,) = tg.calls_of("sendDocument")[0].files.values()
    assert part.content == b"%PDF-1.7"
    roundtrip = await bot.download(sent.document.file_id)
    assert roundtrip is not None and roundtrip.read() == b"%PDF-1.7"


async def test_commands_topics_and_simple_methods(tg: FakeTelegram, bot: Bot) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands([BotCommand(command="start", description="Start")], scope=scope)
    await bot.set_my_commands(
        [BotCommand(command="start", description="Начать")], scope=scope, language_code="ru"
    )
    ru = await bot.get_my_commands(scope=scope, language_code="ru")
    assert [c.description for c in ru] == ["Начать"]
    assert await bot.get_my_commands() == []
    assert tg.get_commands({"type": "all_private_chats"})[0]["command"] == "start"

    topic = await bot.create_forum_topic(DEFAULT_GROUP_ID, "Support")
    assert topic.name == "Support"
    assert await bot.close_forum_topic(DEFAULT_GROUP_ID, topic.message_thread_id)
    assert tg.topics[DEFAULT_GROUP_ID][topic.message_thread_id]["is_closed"]
    assert await bot.delete_forum_topic(DEFAULT_GROUP_ID, topic.message_thread_id)

    assert await bot.send_message_draft(DEFAULT_USER_ID, draft_id=1, text="Thinking")
    draft = await tg.wait_for("sendMessageDraft")
    assert draft.params == {"chat_id": DEFAULT_USER_ID, "draft_id": 1, "text": "Thinking"}

    question = tg.user_message("Please forward this")["message"]
    copied = await bot.copy_message(DEFAULT_GROUP_ID, DEFAULT_USER_ID, question["message_id"])
    assert tg.chat_messages(DEFAULT_GROUP_ID)[-1]["message_id"] == copied.message_id
    assert tg.chat_messages(DEFAULT_GROUP_ID)[-1]["text"] == "Please forward this"
    assert await bot.delete_message(DEFAULT_USER_ID, question["message_id"])
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(DEFAULT_USER_ID, question["message_id"])


async def test_unknown_method_is_404(tg: FakeTelegram) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{tg.base_url}/bot{tg.token}/sendTelepathy") as response,
    ):
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }


async def test_webhook_delivery_with_secret(tg: FakeTelegram, bot: Bot) -> None:
    received: list[dict[str, Any]] = []

    async def handler(request: web.Request) -> web.Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != "s3cret":
            return web.Response(status=401)
        received.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/webhook"
    try:
        assert await bot.set_webhook(url, secret_token="s3cret")
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()

        assert await tg.deliver_webhook(tg.user_message("via webhook")) == 200
        assert await tg.deliver_webhook(tg.user_message("x"), secret_token="wrong") == 401
        assert await tg.deliver_webhook(tg.user_message("x"), secret_token=None) == 401
        assert len(received) == 1
        assert received[0]["message"]["text"] == "via webhook"
        assert "update_id" in received[0]

        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()


# ---------------------------------------------------------------------- LongCat


async def test_models_list(llm: FakeLongCat, client: AsyncOpenAI) -> None:
    models = [model.id async for model in client.models.list()]
    assert models == llm.models
    assert "LongCat-2.0" in models


async def test_completion_with_scripted_reply_and_usage(
    llm: FakeLongCat, client: AsyncOpenAI
) -> None:
    llm.cached_tokens = 2
    llm.reply("Deploy on Fridays? Never.")
    completion = await client.chat.completions.create(
        model="LongCat-2.0",
        messages=[
            {"role": "system", "content": "You are DevBot."},
            {"role": "user", "content": "Can I deploy on Friday?"},
        ],
        temperature=0.3,
    )
    assert completion.choices[0].message.content == "Deploy on Fridays? Never."
    assert completion.choices[0].finish_reason == "stop"
    usage = completion.usage
    assert usage is not None
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.completion_tokens == 7  # 25 characters at ~4 per token
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 2

    request = await llm.wait_for_request()
    assert request["messages"][-1]["content"] == "Can I deploy on Friday?"
    assert request.headers["authorization"] == f"Bearer {llm.api_key}"

    echo = await client.chat.completions.create(
        model="LongCat-2.0", messages=[{"role": "user", "content": "ping"}]
    )
    assert echo.choices[0].message.content == "LongCat echo: ping"


async def test_streaming_deltas_and_usage_chunk(llm: FakeLongCat, client: AsyncOpenAI) -> None:
    llm.reply("Streaming works fine today")
    stream = await client.chat.completions.create(
        model="LongCat-2.0",
        messages=[{"role": "user", "content": "stream please"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]

    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Streaming works fine today"
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.content) == 4
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 7


async def test_max_tokens_cuts_the_reply(llm: FakeLongCat, client: AsyncOpenAI) -> None:
    llm.reply("x" * 100)
    completion = await client.chat.completions.create(
        model="LongCat-2.0", messages=[{"role": "user", "content": "long"}], max_tokens=5
    )
    assert completion.choices[0].finish_reason == "length"
    assert completion.choices[0].message.content == "x" * 20


async def test_error_mapping(llm: FakeLongCat, client: AsyncOpenAI) -> None:
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
    llm.reply("after the storm")

    llm.fail_next(429, retry_after=3)
    with pytest.raises(openai.RateLimitError) as limited:
        await client.chat.completions.create(model="LongCat-2.0", messages=messages)
    assert limited.value.response.headers["retry-after"] == "3"
    assert limited.value.response.headers["retry-after-ms"] == "3000"
    assert limited.value.code == "rate_limit_exceeded"

    llm.fail_next(503)
    with pytest.raises(openai.InternalServerError):
        await client.chat.completions.create(model="LongCat-2.0", messages=messages)
    llm.fail_next(402)
    with pytest.raises(openai.APIStatusError) as quota:
        await client.chat.completions.create(model="LongCat-2.0", messages=messages)
    assert quota.value.status_code == 402

    with pytest.raises(openai.NotFoundError, match="model not found"):
        await client.chat.completions.create(model="gpt-nope", messages=messages)
    with pytest.raises(openai.BadRequestError, match="temperature"):
        await client.chat.completions.create(
            model="LongCat-2.0",
            messages=messages,
            temperature=1.5,
        )

    # The scripted reply was not used up by the failed attempts.
    ok = await client.chat.completions.create(model="LongCat-2.0", messages=messages)
    assert ok.choices[0].message.content == "after the storm"


async def test_wrong_api_key(llm: FakeLongCat) -> None:
    async with AsyncOpenAI(base_url=llm.base_url, api_key="sk-wrong", max_retries=0) as client:
        with pytest.raises(openai.AuthenticationError) as denied:
            await client.models.list()
    assert denied.value.status_code == 401
    assert denied.value.code == "invalid_api_key"


async def test_hang_and_stalled_stream_hit_client_timeouts(llm: FakeLongCat) -> None:
    async with AsyncOpenAI(
        base_url=llm.base_url, api_key=llm.api_key, max_retries=0, timeout=0.3
    ) as client:
        llm.hang_next(seconds=0.5)
        llm.reply("meant for the retry")
        with pytest.raises(openai.APITimeoutError):
            await client.chat.completions.create(
                model="LongCat-2.0", messages=[{"role": "user", "content": "hello?"}]
            )
        await asyncio.sleep(0.3)  # the abandoned request wakes up and must not answer
        retry = await client.chat.completions.create(
            model="LongCat-2.0", messages=[{"role": "user", "content": "hello?"}]
        )
        assert retry.choices[0].message.content == "meant for the retry"

        llm.stall_stream_after(2)
        stream = await client.chat.completions.create(
            model="LongCat-2.0",
            messages=[{"role": "user", "content": "one two three four"}],
            stream=True,
        )
        received: list[str] = []
        with pytest.raises(openai.APITimeoutError):
            async for chunk in stream:
                received.append(chunk.choices[0].delta.content or "")
        assert "".join(received) == "LongCat "
