"""A chat with the bot in the terminal: the real dispatcher, a person at the keyboard.

``TerminalSession`` prints what the bot sends; ``run_terminal_chat`` turns typed lines into
updates. Typing ``#N`` presses button N of the newest inline keyboard.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    SendChatAction,
    SendMessageDraft,
    TelegramMethod,
)
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    Update,
    User,
)
from aiogram.utils.text_decorations import TextDecoration

from bot.telegram.offline_session import OfflineSession, is_html, parse_html

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

logger = logging.getLogger(__name__)

DEMO_USER_ID = 100_000_001
_BUTTON_PRESS = re.compile(r"#(\d+)")
_DRAFT_WIDTH = 100
_CLEAR_LINE = "\r\033[K"
_BLOCK_EDGE = "\x1e"
_EDGE_AT_LINE_END = re.compile(
    rf"^{_BLOCK_EDGE}|{_BLOCK_EDGE}$|{_BLOCK_EDGE}(?=\n)|(?<=\n){_BLOCK_EDGE}"
)


@dataclass(frozen=True)
class TerminalTexts:
    """Lines the terminal adds around the bot's output; pass localized ones.

    Placeholders: ``{name}`` the bot's name, ``{chat_id}``, ``{action}``, ``{text}``, ``{file}``.
    An empty template silences that kind of output.
    """

    header: str = "{name}:"
    edited_header: str = "{name} (updated message):"
    other_chat_header: str = "{name} → chat {chat_id}:"
    typing: str = "… {name} is typing"
    chat_action: str = "… {name}: {action}"
    draft: str = "✎ draft: {text}"
    alert: str = "⚠ {text}"
    toast: str = "ℹ {text}"
    document: str = "[file: {file}]"
    photo: str = "[photo]"
    reply_keyboard: str = "⌨ {text}"
    deleted: str = "(a message was deleted)"


class TerminalSession(OfflineSession):
    """An offline session that shows every message, edit and notice in a text stream."""

    def __init__(
        self,
        output: TextIO,
        *,
        texts: TerminalTexts | None = None,
        chat_id: int | None = None,
        ansi: bool | None = None,
        bot_first_name: str = "DevBot",
        bot_username: str = "devbot_demo_bot",
    ) -> None:
        super().__init__(bot_first_name=bot_first_name, bot_username=bot_username)
        self.output = output
        self.texts = texts or TerminalTexts()
        # Messages to any other chat get a header naming it; None means "the chat in use".
        self.chat_id = chat_id
        self.ansi = output.isatty() if ansi is None else ansi
        self._decoration = _TerminalDecoration(ansi=self.ansi)
        # What each message showed last, to tell a real edit from a removed keyboard.
        self._shown: dict[tuple[int, int], str | None] = {}
        self._draft: str | None = None

    async def on_request(self, bot: Bot, method: TelegramMethod[Any]) -> None:
        if isinstance(method, SendMessageDraft):
            self._show_draft(bot, method)
        else:
            self.write(self._render(method))

    def write(self, lines: list[str]) -> None:
        if not lines:
            return
        self.flush()
        self.output.write("".join(f"{line}\n" for line in lines))
        self.output.flush()

    def flush(self) -> None:
        """Settle a pending draft before anything else is printed."""
        if self._draft is None:
            return
        # A terminal shows the draft live and wipes it; a transcript keeps the latest one.
        self.output.write(_CLEAR_LINE if self.ansi else f"{self._draft}\n")
        self.output.flush()
        self._draft = None

    def _say(self, template: str, **values: Any) -> list[str]:
        return [template.format(name=self.bot_first_name, **values)] if template else []

    def _render(self, method: TelegramMethod[Any]) -> list[str]:
        api = method.__api_method__
        if api.startswith("editMessage"):
            if getattr(method, "inline_message_id", None) or self._only_buttons_removed():
                return []
            return self._message_block(self.texts.edited_header)
        if method.__returning__ is Message or api == "copyMessage":
            lines = self._message_block(self.texts.header)
            # Reply keyboards are not part of the message, only of the request.
            markup = getattr(method, "reply_markup", None)
            if isinstance(markup, ReplyKeyboardMarkup):
                for row in markup.keyboard:
                    labels = " | ".join(button.text for button in row)
                    lines += [
                        f"  {line}" for line in self._say(self.texts.reply_keyboard, text=labels)
                    ]
            return lines
        if isinstance(method, SendChatAction):
            if method.action == "typing":
                return self._say(self.texts.typing)
            return self._say(self.texts.chat_action, action=method.action.replace("_", " "))
        if isinstance(method, AnswerCallbackQuery) and method.text:
            return self._say(
                self.texts.alert if method.show_alert else self.texts.toast, text=method.text
            )
        if isinstance(method, DeleteMessage):
            return self._say(self.texts.deleted)
        return []

    def _only_buttons_removed(self) -> bool:
        """An edit that only takes the buttons off a message (dialogs do it before moving on):
        not worth reprinting the message for."""
        message = self.latest_message()
        if message is None or message.reply_markup is not None:
            return False
        key = (message.chat.id, message.message_id)
        return self._shown.get(key) == (message.text or message.caption)

    def _message_block(self, header: str) -> list[str]:
        # make_request stores a call's message before on_request, so it is the newest one.
        message = self.latest_message()
        if message is None or not header:
            return []
        self._shown[(message.chat.id, message.message_id)] = message.text or message.caption
        chat_id = message.chat.id
        if self.chat_id is not None and chat_id != self.chat_id:
            header = self.texts.other_chat_header
        body: list[str] = []
        if message.document:
            file = message.document.file_name or message.document.file_id
            body += self._say(self.texts.document, file=file)
        if message.photo:
            body += self._say(self.texts.photo)
        text = message.text if message.text is not None else message.caption
        entities = message.entities if message.text is not None else message.caption_entities
        if text:
            body += _settle_blocks(self._decoration.unparse(text, entities)).splitlines()
        if isinstance(message.reply_markup, InlineKeyboardMarkup):
            body += keyboard_lines(message.reply_markup)
        return [*self._say(header, chat_id=chat_id), *(f"  {line}".rstrip() for line in body)]

    def _show_draft(self, bot: Bot, method: SendMessageDraft) -> None:
        if not self.texts.draft:
            return
        text = method.text or ""
        parse_mode = self.prepare_value(method.parse_mode, bot=bot, files={})
        if is_html(parse_mode):
            text = parse_html(text)[0]  # make_request has already refused malformed HTML
        text = " ".join(text.split())
        if len(text) > _DRAFT_WIDTH:
            text = text[: _DRAFT_WIDTH - 1] + "…"
        self._draft = self.texts.draft.format(name=self.bot_first_name, text=text)
        if self.ansi:
            self.output.write(f"{_CLEAR_LINE}{self._draft}")
            self.output.flush()


def keyboard_buttons(markup: InlineKeyboardMarkup) -> list[InlineKeyboardButton]:
    """The buttons in the order they are numbered: row by row, left to right."""
    return [button for row in markup.inline_keyboard for button in row]


def keyboard_lines(markup: InlineKeyboardMarkup) -> list[str]:
    lines, number = [], 0
    for row in markup.inline_keyboard:
        labels = []
        for button in row:
            number += 1
            link = _button_link(button)
            labels.append(f"[{number}] {button.text}" + (f" ({link})" if link else ""))
        lines.append("   ".join(labels))
    return lines


def _settle_blocks(text: str) -> str:
    """A quote is a block of its own line(s): break the line at its edges unless it already
    starts or ends there."""
    return _EDGE_AT_LINE_END.sub("", text).replace(_BLOCK_EDGE, "\n")


def _button_link(button: InlineKeyboardButton) -> str | None:
    if button.url:
        return button.url
    if button.web_app:
        return button.web_app.url
    if button.login_url:
        return button.login_url.url
    return None


async def run_terminal_chat(
    dp: Dispatcher,
    bot: Bot,
    *,
    input_stream: TextIO,
    output: TextIO,
    intro: str,
    user_id: int = DEMO_USER_ID,
    language_code: str = "en",
    first_name: str = "You",
    quit_command: str = "/quit",
    unknown_button: str = "There is no button #{number}: the keyboard has {count}.",
    no_buttons: str = "There are no buttons to press.",
    failed_update: str = "(the bot failed to handle that; the error is in the log)",
) -> None:
    """Chat with ``bot`` line by line until ``quit_command`` or the end of the input.

    ``unknown_button`` may use ``{number}`` and ``{count}``. ``bot.session`` must be an
    ``OfflineSession``: button presses need the messages it keeps.
    """
    session = bot.session
    if not isinstance(session, OfflineSession):
        raise TypeError("run_terminal_chat needs a bot with an OfflineSession")
    if isinstance(session, TerminalSession) and session.chat_id is None:
        session.chat_id = user_id
    user = User(id=user_id, is_bot=False, first_name=first_name, language_code=language_code)
    piped = not input_stream.isatty()

    def say(line: str) -> None:
        if isinstance(session, TerminalSession):
            session.flush()
        output.write(f"{line}\n")
        output.flush()

    def press(number: int) -> Update | None:
        message = session.latest_message(user_id, with_keyboard=True)
        if message is None or not isinstance(message.reply_markup, InlineKeyboardMarkup):
            say(no_buttons)
            return None
        buttons = keyboard_buttons(message.reply_markup)
        if not 1 <= number <= len(buttons):
            say(unknown_button.format(number=number, count=len(buttons)))
            return None
        button = buttons[number - 1]
        if button.callback_data is None:
            # Links open outside the chat; show where they lead instead.
            copied = button.copy_text.text if button.copy_text else None
            say(f"→ {_button_link(button) or copied or button.text}")
            return None
        return session.callback_update(
            button.callback_data, user=user, message_id=message.message_id, chat_id=user_id
        )

    say(intro)
    while True:
        if not piped:
            output.write("\n> ")
            output.flush()
        line = await asyncio.to_thread(input_stream.readline)
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if piped:
            say(f"\n> {text}")
        if text == quit_command:
            break
        if match := _BUTTON_PRESS.fullmatch(text):
            update = press(int(match.group(1)))
        else:
            update = session.message_update(text, user=user)
        if update is None:
            continue
        try:
            await dp.feed_update(bot, update)
        except Exception:
            logger.exception("Update %s failed in the terminal chat", update.update_id)
            say(failed_update)
    if isinstance(session, TerminalSession):
        session.flush()


class _TerminalDecoration(TextDecoration):
    """Renders entities as plain text, with ANSI styles when the output is a terminal."""

    def __init__(self, *, ansi: bool) -> None:
        self.ansi = ansi

    def _style(self, on: int, off: int, value: str) -> str:
        return f"\033[{on}m{value}\033[{off}m" if self.ansi else value

    def link(self, value: str, link: str) -> str:
        return value if value == link else f"{value} ({link})"

    def bold(self, value: str) -> str:
        return self._style(1, 22, value)

    def italic(self, value: str) -> str:
        return self._style(3, 23, value)

    def underline(self, value: str) -> str:
        return self._style(4, 24, value)

    def strikethrough(self, value: str) -> str:
        return self._style(9, 29, value)

    def code(self, value: str) -> str:
        return value

    def pre(self, value: str) -> str:
        return value

    def pre_language(self, value: str, language: str) -> str:
        return value

    def spoiler(self, value: str) -> str:
        return value

    def quote(self, value: str) -> str:
        return value

    def custom_emoji(self, value: str, custom_emoji_id: str) -> str:
        return value

    def blockquote(self, value: str) -> str:
        quoted = "\n".join(f"│ {line}" for line in value.splitlines())
        return f"{_BLOCK_EDGE}{quoted}{_BLOCK_EDGE}"

    def expandable_blockquote(self, value: str) -> str:
        return self.blockquote(value)

    def date_time(
        self, value: str, unix_time: int | datetime, date_time_format: str | None = None
    ) -> str:
        return value
