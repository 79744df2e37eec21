"""An offline session for dispatcher tests: it records every call and builds incoming updates.

session = RecordingSession()
bot = offline_bot(session)
await dp.feed_update(bot, session.make_message_update("/start"))
assert session.sent_texts() == [...]
"""

from __future__ import annotations

from typing import Any, TypeVar, overload

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Message, Update, User

from bot.telegram.offline_session import OfflineSession

OFFLINE_TOKEN = "42:OFFLINE-test-token"
USER_ID = 1001
FIRST_NAME = "Tess"
USERNAME = "tess_tester"

MethodT = TypeVar("MethodT", bound=TelegramMethod[Any])


class RecordingSession(OfflineSession):
    """``requests`` holds every call, accepted or refused, in order."""

    @overload
    def calls(self, method: type[MethodT]) -> list[MethodT]: ...

    @overload
    def calls(self, method: str) -> list[TelegramMethod[Any]]: ...

    def calls(self, method: type[TelegramMethod[Any]] | str) -> list[Any]:
        """Calls of one method, given as a class (``SendMessage``) or API name."""
        if isinstance(method, str):
            return [call for call in self.requests if call.__api_method__ == method]
        return [call for call in self.requests if isinstance(call, method)]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of sendMessage and editMessageText calls in order, as the bot wrote them."""
        return [
            call.text
            for call in self.requests
            if isinstance(call, SendMessage | EditMessageText)
            and call.text is not None
            and (chat_id is None or str(call.chat_id) == str(chat_id))
        ]

    def messages_in(self, chat_id: int) -> list[Message]:
        """What the chat holds now: every message sent, copied or edited there, not deleted."""
        return [
            Message.model_validate(stored)
            for (chat, _id), stored in self._messages.items()
            if chat == chat_id
        ]

    def last_keyboard(self, chat_id: int | None = None) -> list[list[tuple[str, str | None]]]:
        """Rows of (text, callback_data or url) of the most recently sent or edited message
        that has an inline keyboard; [] when there is none."""
        message = self.latest_message(chat_id, with_keyboard=True)
        if message is None or not isinstance(message.reply_markup, InlineKeyboardMarkup):
            return []
        return [
            [(button.text, button.callback_data or button.url) for button in row]
            for row in message.reply_markup.inline_keyboard
        ]

    def clear(self) -> None:
        """Forget the calls; the sent messages stay, so later edits still find them."""
        self.requests.clear()

    def make_message_update(
        self,
        text: str | None,
        *,
        user_id: int = USER_ID,
        chat_id: int | None = None,
        language_code: str = "en",
        update_id: int | None = None,
        first_name: str = FIRST_NAME,
        username: str | None = USERNAME,
        extra: dict[str, Any] | None = None,
    ) -> Update:
        """A message from the user, by default in their private chat; `extra` adds fields
        (photo, message_thread_id, reply_to_message, media_group_id, ...)."""
        user = _user(user_id, first_name, username, language_code)
        return self.message_update(
            text, user=user, chat_id=chat_id, update_id=update_id, extra=extra
        )

    def make_callback_update(
        self,
        data: str,
        *,
        message_id: int,
        user_id: int = USER_ID,
        chat_id: int | None = None,
        language_code: str = "en",
        update_id: int | None = None,
        first_name: str = FIRST_NAME,
        username: str | None = USERNAME,
    ) -> Update:
        """The user pressing a button of the bot's message ``message_id``.

        The callback carries that message as the session stored it; a message the session
        never saw arrives as an InaccessibleMessage, like Telegram's for old messages."""
        user = _user(user_id, first_name, username, language_code)
        return self.callback_update(
            data, user=user, message_id=message_id, chat_id=chat_id, update_id=update_id
        )


def offline_bot(session: OfflineSession | None = None) -> Bot:
    """A bot whose calls `session` answers (a new RecordingSession by default), with the bot's
    default parse mode, HTML."""
    return Bot(
        OFFLINE_TOKEN,
        session=session or RecordingSession(),
        default=DefaultBotProperties(parse_mode="HTML"),
    )


def _user(user_id: int, first_name: str, username: str | None, language_code: str) -> User:
    return User(
        id=user_id,
        is_bot=False,
        first_name=first_name,
        username=username,
        language_code=language_code,
    )
