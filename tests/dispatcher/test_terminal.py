"""The offline session, the recording session and the terminal chat, on a throwaway dispatcher."""

from __future__ import annotations

import io
import logging

import pytest
from aiogram import Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandStart
from aiogram.methods import EditMessageText, GetChatAdministrators, SendMessage
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.demo.terminal import TerminalSession, TerminalTexts, run_terminal_chat
from bot.telegram.offline_session import OfflineSession
from tests.fakes.recording import USER_ID, RecordingSession, offline_bot

SITE = "https://dev2production.tech"
INTRO = "DevBot demo. #N presses a button, /quit leaves."


def make_dispatcher() -> Dispatcher:
    # A fresh router each time: a router can only be attached to one dispatcher.
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Start a project", callback_data="project"),
                    InlineKeyboardButton(text="Ask a question", callback_data="question"),
                ],
                [
                    InlineKeyboardButton(text="Prices", callback_data="prices"),
                    InlineKeyboardButton(text="Website", url=SITE),
                ],
            ]
        )
        await message.answer("<b>Welcome</b> to DevBot &amp; friends!", reply_markup=keyboard)

    @router.callback_query(F.data)
    async def chosen(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message)
        back = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Back", callback_data="back")]]
        )
        await callback.message.edit_text(f"You chose <i>{callback.data}</i>.", reply_markup=back)
        await callback.answer("Noted")

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        raise RuntimeError("handler exploded")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        assert message.text is not None
        await message.answer(message.text)

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def chat(lines: str, **kwargs: object) -> str:
    """Run the terminal chat on piped ``lines`` and return the transcript."""
    output = io.StringIO()
    session = TerminalSession(output)
    bot = offline_bot(session)
    await run_terminal_chat(
        make_dispatcher(),
        bot,
        input_stream=io.StringIO(lines),
        output=output,
        intro=INTRO,
        **kwargs,  # type: ignore[arg-type]
    )
    return output.getvalue()


async def test_piped_transcript() -> None:
    transcript = await chat("/start\n#1\nhello\n#9\n/quit\nnever read\n")

    assert transcript == (
        f"{INTRO}\n"
        "\n> /start\n"
        "DevBot:\n"
        "  Welcome to DevBot & friends!\n"
        "  [1] Start a project   [2] Ask a question\n"
        f"  [3] Prices   [4] Website ({SITE})\n"
        "\n> #1\n"
        "DevBot (updated message):\n"
        "  You chose project.\n"
        "  [1] Back\n"
        "ℹ Noted\n"
        "\n> hello\n"
        "DevBot:\n"
        "  hello\n"
        "\n> #9\n"
        "There is no button #9: the keyboard has 1.\n"
        "\n> /quit\n"
    )


async def test_end_of_input_ends_the_chat_without_quit() -> None:
    transcript = await chat("hello")

    assert transcript.endswith("> hello\nDevBot:\n  hello\n")


async def test_a_failing_handler_does_not_end_the_chat(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.demo.terminal"):
        transcript = await chat("/boom\nstill here\n", failed_update="(failed)")

    assert "> /boom\n(failed)\n" in transcript
    assert transcript.endswith("DevBot:\n  still here\n")
    assert "handler exploded" in caplog.text


async def test_pressing_without_a_keyboard_or_on_a_url_button() -> None:
    transcript = await chat("#1\n/start\n#4\n", no_buttons="No buttons.")

    assert "> #1\nNo buttons.\n" in transcript
    assert transcript.endswith(f"> #4\n→ {SITE}\n")


async def test_drafts_show_only_the_latest_and_notices_render() -> None:
    output = io.StringIO()
    texts = TerminalTexts(typing="… {name} tippt", alert="!! {text}")
    bot = offline_bot(TerminalSession(output, texts=texts))

    await bot.send_chat_action(USER_ID, "typing")
    await bot.send_message_draft(USER_ID, draft_id=1, text="<b>Hel</b>")
    await bot.send_message_draft(USER_ID, draft_id=1, text="<b>Hello</b>\nworld")
    await bot.send_message(USER_ID, "Hello world")
    await bot.answer_callback_query("1", text="Saved", show_alert=True)
    await bot.set_my_commands([])
    await bot.send_document(USER_ID, BufferedInputFile(b"%PDF", "brief.pdf"), caption="Yours")

    assert output.getvalue() == (
        "… DevBot tippt\n"
        "✎ draft: Hello world\n"
        "DevBot:\n"
        "  Hello world\n"
        "!! Saved\n"
        "DevBot:\n"
        "  [file: brief.pdf]\n"
        "  Yours\n"
    )


async def test_offline_session_answers_like_the_api() -> None:
    session = OfflineSession()
    bot = offline_bot(session)

    me = await bot.get_me()
    sent = await bot.send_message(-100123, "<b>Hi</b> &lt;there&gt;", message_thread_id=7)
    again = await bot.send_message(-100123, "plain <b>", parse_mode=None)

    assert (me.id, me.is_bot, me.username) == (42, True, "devbot_demo_bot")
    assert sent.text == "Hi <there>"
    assert sent.html_text == "<b>Hi</b> &lt;there&gt;"
    assert sent.from_user is not None and sent.from_user.id == me.id
    assert (sent.chat.type, sent.message_thread_id) == ("supergroup", 7)
    assert again.text == "plain <b>"
    assert again.message_id == sent.message_id + 1
    assert await bot.send_chat_action(-100123, "typing") is True
    assert await bot.get_updates() == []
    session.files["doc-1"] = b"brief"
    file = await bot.get_file("doc-1")
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"brief"
    with pytest.raises(NotImplementedError, match="getChatAdministrators"):
        await bot(GetChatAdministrators(chat_id=-100123))


async def test_offline_session_refuses_edits_like_the_api() -> None:
    session = RecordingSession()
    bot = offline_bot(session)
    sent = await bot.send_message(USER_ID, "<b>Same</b>")
    incoming = session.make_message_update("mine").message
    assert incoming is not None

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("<b>Same</b>", chat_id=USER_ID, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("New", chat_id=USER_ID, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("New", chat_id=USER_ID, message_id=incoming.message_id)
    with pytest.raises(TelegramBadRequest, match="Unsupported start tag"):
        await bot.send_message(USER_ID, "1 <br> 2")

    edited = await bot.edit_message_text("New", chat_id=USER_ID, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert (edited.text, edited.edit_date is not None) == ("New", True)


async def test_recording_session_with_the_dispatcher() -> None:
    session = RecordingSession()
    bot = offline_bot(session)
    dp = make_dispatcher()

    await dp.feed_update(bot, session.make_message_update("/start"))
    [welcome] = session.calls(SendMessage)

    assert session.calls("sendMessage") == [welcome]
    assert session.sent_texts(chat_id=USER_ID) == ["<b>Welcome</b> to DevBot &amp; friends!"]
    assert session.last_keyboard() == [
        [("Start a project", "project"), ("Ask a question", "question")],
        [("Prices", "prices"), ("Website", SITE)],
    ]

    bot_message = session.latest_message(USER_ID)
    assert bot_message is not None
    session.clear()
    press = session.make_callback_update("prices", message_id=bot_message.message_id)
    await dp.feed_update(bot, press)

    assert press.callback_query is not None and press.callback_query.message is not None
    assert press.callback_query.message.chat.id == USER_ID
    assert [call.text for call in session.calls(EditMessageText)] == ["You chose <i>prices</i>."]
    assert session.sent_texts() == ["You chose <i>prices</i>."]
    assert session.last_keyboard() == [[("Back", "back")]]
    assert press.update_id != session.make_message_update("x").update_id
