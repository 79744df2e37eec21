"""A Bot API session that answers from memory instead of the network.

The terminal demo and the dispatcher tests run the real aiogram stack on top of it. Each call is
turned into the wire parameters the HTTP session would send (so ``Default(...)`` values come from
``bot.default``), answered with the JSON the Bot API would return, and typed by
``BaseSession.check_response`` exactly like a real response: results are bound to the bot, and
refusals become the same ``TelegramBadRequest`` with the same description.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile, Message, Update, User

from bot.telegram.html import TelegramHtmlError, parse_html, utf16_len

if TYPE_CHECKING:
    from aiogram import Bot

Json = dict[str, Any]

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Fields that say where and when a message lives, as opposed to what it shows.
_PLACEMENT = (
    "message_id",
    "date",
    "chat",
    "from",
    "edit_date",
    "reply_markup",
    "message_thread_id",
    "is_topic_message",
    "forward_origin",
)
_MEDIA = ("photo", "document")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?")


class ApiError(Exception):
    """Raised by a responder to answer ``ok: false``, as the Bot API does when it refuses."""

    def __init__(self, description: str, code: int = 400, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.retry_after = retry_after  # with 429: how long flood control lasts


@dataclass(frozen=True)
class ApiCall:
    """One request as a responder sees it: wire parameters, Defaults already resolved."""

    bot: Bot
    params: Json
    files: dict[str, InputFile]

    def chat_id(self, key: str = "chat_id") -> int:
        value = self.params.get(key)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        # "@channelname" style ids would need a lookup the offline world cannot do.
        raise ApiError("Bad Request: chat not found")


Responder = Callable[[ApiCall], Any]


class OfflineSession(BaseSession):
    """Answers every Bot API call the bot makes, keeping sent messages so edits can work."""

    def __init__(
        self, *, bot_first_name: str = "DevBot", bot_username: str = "devbot_demo_bot"
    ) -> None:
        super().__init__()
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self.requests: list[TelegramMethod[Any]] = []
        # Downloadable content by file_id, served by stream_content.
        self.files: dict[str, bytes] = {}
        # Ordered by last change, so "the newest message" includes edits.
        self._messages: dict[tuple[int, int], Json] = {}
        self._last_message_id: dict[int, int] = {}
        self._users: dict[int, Json] = {}
        self._serial = itertools.count(1)
        # The bot's name and descriptions by (field, language code), as set at start.
        self.profile: dict[tuple[str, str], str] = {}
        self._update_ids = itertools.count(1)
        # Subclasses and tests may add or replace answers by API method name.
        self.responders: dict[str, Responder] = {
            "getMe": self._get_me,
            "getUpdates": lambda call: [],
            "getMyCommands": lambda call: [],
            "getWebhookInfo": lambda call: {
                "url": "",
                "has_custom_certificate": False,
                "pending_update_count": 0,
            },
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getFile": self._get_file,
            "sendMessage": self._send_message,
            "sendMessageDraft": self._send_message_draft,
            "sendPhoto": lambda call: self._send_media(call, "photo"),
            "sendDocument": lambda call: self._send_media(call, "document"),
            "forwardMessage": self._forward_message,
            "copyMessage": self._copy_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": lambda call: self._edit(call, lambda message: message),
            "editMessageMedia": self._edit_message_media,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "createForumTopic": self._create_forum_topic,
            "getForumTopicIconStickers": lambda call: topic_icon_stickers(),
        }
        for field in ("name", "short_description", "description"):
            spelled = "".join(part.title() for part in field.split("_"))
            self.responders[f"getMy{spelled}"] = self._profile_getter(field)
            self.responders[f"setMy{spelled}"] = self._profile_setter(field)

    def _profile_getter(self, field: str) -> Responder:
        def get(call: ApiCall) -> Json:
            language = str(call.params.get("language_code") or "")
            fallback = self.bot_first_name if field == "name" else ""
            text = self.profile.get((field, language)) or self.profile.get((field, ""))
            return {field: text or fallback}

        return get

    def _profile_setter(self, field: str) -> Responder:
        def set_(call: ApiCall) -> bool:
            language = str(call.params.get("language_code") or "")
            self.profile[(field, language)] = str(call.params.get(field) or "")
            return True

        return set_

    # BaseSession

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> TelegramType:
        self.requests.append(method)
        files: dict[str, InputFile] = {}
        params = self.prepare_value(
            method.model_dump(warnings=False), bot=bot, files=files, _dumps_json=False
        )
        responder = self.responders.get(method.__api_method__)
        if responder is None:
            if method.__returning__ is not bool:
                raise NotImplementedError(
                    f"OfflineSession cannot answer {method.__api_method__}: "
                    "add a responder to OfflineSession.responders"
                )
            responder = _true
        try:
            status, body = 200, {"ok": True, "result": responder(ApiCall(bot, params, files))}
        except ApiError as error:
            status = error.code
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
        response = self.check_response(bot, method, status, self.json_dumps(body))
        # After the answer, so a hook only ever sees calls the API accepted, with state updated.
        await self.on_request(bot, method)
        return cast(TelegramType, response.result)

    async def on_request(self, bot: Bot, method: TelegramMethod[Any]) -> None:
        """Called after each accepted call; the stored messages already reflect it."""

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - BaseSession's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield self.files.get(url.rpartition("/")[2], b"")

    async def close(self) -> None:
        pass

    # The chat as the offline "server" sees it

    def next_message_id(self, chat_id: int) -> int:
        """Message ids are per chat and shared by both sides, as in Telegram."""
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def message(self, chat_id: int, message_id: int) -> Message | None:
        stored = self._messages.get((chat_id, message_id))
        return None if stored is None else Message.model_validate(stored)

    def latest_message(
        self, chat_id: int | None = None, *, with_keyboard: bool = False
    ) -> Message | None:
        """The most recently sent or edited message, optionally one with an inline keyboard."""
        for (chat, _), stored in reversed(self._messages.items()):
            if chat_id is not None and chat != chat_id:
                continue
            if with_keyboard and "reply_markup" not in stored:
                continue
            return Message.model_validate(stored)
        return None

    def message_update(
        self,
        text: str | None,
        *,
        user: User,
        chat_id: int | None = None,
        update_id: int | None = None,
        extra: Json | None = None,
    ) -> Update:
        """An update carrying a message that ``user`` writes (by default in their private chat);
        ``extra`` adds fields (a photo, message_thread_id, reply_to_message, ...)."""
        self._users[user.id] = user.model_dump(mode="json", exclude_none=True)
        chat = user.id if chat_id is None else chat_id
        message: Json = {
            "message_id": self.next_message_id(chat),
            "date": _now(),
            "chat": self._chat(chat),
            "from": self._users[user.id],
            **({"text": text} if text is not None else {}),
            **(extra or {}),
        }
        if text is not None and (command := _COMMAND.match(text)):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
            ]
        self._store(message)
        return self._update({"message": message}, update_id)

    def edited_update(self, chat_id: int, message_id: int, text: str) -> Update:
        """The sender edits their stored text message (an ``edited_message`` update)."""
        message = {**self._messages[(chat_id, message_id)], "text": text, "edit_date": _now()}
        message.pop("entities", None)
        self._store(message)
        return self._update({"edited_message": message}, None)

    def callback_update(
        self,
        data: str,
        *,
        user: User,
        message_id: int,
        chat_id: int | None = None,
        update_id: int | None = None,
    ) -> Update:
        """A button press on a stored bot message; unknown ones arrive inaccessible, as in
        Telegram for messages older than 48 hours."""
        self._users[user.id] = user.model_dump(mode="json", exclude_none=True)
        chat = user.id if chat_id is None else chat_id
        message = self._messages.get((chat, message_id)) or {
            "chat": self._chat(chat),
            "message_id": message_id,
            "date": 0,
        }
        query = {
            "id": f"{user.id}-{next(self._serial)}",
            "from": self._users[user.id],
            "chat_instance": f"offline-{chat}",
            "message": message,
            "data": data,
        }
        return self._update({"callback_query": query}, update_id)

    def _update(self, payload: Json, update_id: int | None) -> Update:
        update_id = self.next_update_id() if update_id is None else update_id
        return Update.model_validate({"update_id": update_id, **payload})

    def _store(self, message: Json) -> None:
        key = (message["chat"]["id"], message["message_id"])
        self._messages.pop(key, None)
        self._messages[key] = message

    def _chat(self, chat_id: int) -> Json:
        if chat_id > 0:
            user = self._users.get(chat_id, {})
            names: Json = {
                k: user[k] for k in ("first_name", "last_name", "username") if k in user
            }
            return {"id": chat_id, "type": "private", **names}
        return {"id": chat_id, "type": "supergroup", "title": "Offline group"}

    def _me(self, bot: Bot) -> Json:
        return {
            "id": bot.id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # Responders

    def _get_me(self, call: ApiCall) -> Json:
        return {
            **self._me(call.bot),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _get_chat(self, call: ApiCall) -> Json:
        gifts = (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        )
        return {
            **self._chat(call.chat_id()),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts, False),
        }

    def _get_chat_member(self, call: ApiCall) -> Json:
        user_id = int(call.params["user_id"])
        if user_id == call.bot.id:
            user = self._me(call.bot)
        else:
            user = self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "User"})
        return {"status": "member", "user": user}

    def _get_file(self, call: ApiCall) -> Json:
        file_id = call.params["file_id"]
        result = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_path": f"documents/{file_id}",
        }
        if file_id in self.files:
            result["file_size"] = len(self.files[file_id])
        return result

    def _send_message(self, call: ApiCall) -> Json:
        content = _formatted(call.params, "text", TEXT_LIMIT)
        if not content.get("text", "").strip():
            raise ApiError("Bad Request: message text is empty")
        return self._new_message(call, content)

    def _send_message_draft(self, call: ApiCall) -> bool:
        _formatted(call.params, "text", TEXT_LIMIT)  # the API rejects malformed drafts too
        return True

    def _send_media(self, call: ApiCall, kind: str) -> Json:
        content = self._media(call, kind, call.params[kind])
        return self._new_message(call, {**content, **_formatted(call.params, "caption")})

    def _forward_message(self, call: ApiCall) -> Json:
        source = self._source(call, "forward")
        origin = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        return self._new_message(call, {**_content(source), "forward_origin": origin})

    def _copy_message(self, call: ApiCall) -> Json:
        content = _content(self._source(call, "copy"))
        if "caption" in call.params:
            content.pop("caption_entities", None)
            content.update(_formatted(call.params, "caption"))
        return {"message_id": self._new_message(call, content)["message_id"]}

    def _edit_message_text(self, call: ApiCall) -> Json | bool:
        new = _formatted(call.params, "text", TEXT_LIMIT)

        def change(message: Json) -> Json:
            if "text" not in message:
                raise ApiError("Bad Request: there is no text in the message to edit")
            return {k: v for k, v in message.items() if k != "entities"} | new

        return self._edit(call, change)

    def _edit_message_caption(self, call: ApiCall) -> Json | bool:
        new = _formatted(call.params, "caption")

        def change(message: Json) -> Json:
            if not any(kind in message for kind in _MEDIA):
                raise ApiError("Bad Request: there is no caption in the message to edit")
            dropped = ("caption", "caption_entities")
            return {k: v for k, v in message.items() if k not in dropped} | new

        return self._edit(call, change)

    def _edit_message_media(self, call: ApiCall) -> Json | bool:
        media = dict(call.params["media"])
        new = {**self._media(call, media.pop("type"), media.pop("media")), **_formatted(media)}

        def change(message: Json) -> Json:
            if not any(kind in message for kind in _MEDIA):
                raise ApiError("Bad Request: there is no media in the message to edit")
            return {k: v for k, v in message.items() if k not in _content(message)} | new

        return self._edit(call, change)

    def _delete_message(self, call: ApiCall) -> bool:
        if self._messages.pop((call.chat_id(), call.params["message_id"]), None) is None:
            raise ApiError("Bad Request: message to delete not found")
        return True

    def _delete_messages(self, call: ApiCall) -> bool:
        chat_id = call.chat_id()
        for message_id in call.params["message_ids"]:
            self._messages.pop((chat_id, message_id), None)
        return True

    def _create_forum_topic(self, call: ApiCall) -> Json:
        # A topic's thread id is the id of the service message that opened it.
        return {
            "message_thread_id": self.next_message_id(call.chat_id()),
            "name": call.params["name"],
            "icon_color": call.params.get("icon_color", 7322096),
        }

    # Building blocks for the responders

    def _new_message(self, call: ApiCall, content: Json) -> Json:
        chat_id = call.chat_id()
        message: Json = {
            "message_id": self.next_message_id(chat_id),
            "date": _now(),
            "chat": self._chat(chat_id),
            "from": self._me(call.bot),
            **content,
        }
        if thread_id := call.params.get("message_thread_id"):
            message["message_thread_id"] = thread_id
            if chat_id < 0:
                message["is_topic_message"] = True
        message.update(_inline_markup(call.params))
        self._store(message)
        return message

    def _edit(self, call: ApiCall, change: Callable[[Json], Json]) -> Json | bool:
        if "inline_message_id" in call.params:
            return True  # inline messages live with the user, the API returns just True
        if "message_id" not in call.params:
            raise ApiError("Bad Request: message identifier is not specified")
        old = self._messages.get((call.chat_id(), call.params["message_id"]))
        if old is None:
            raise ApiError("Bad Request: message to edit not found")
        if old["from"]["id"] != call.bot.id:
            raise ApiError("Bad Request: message can't be edited")
        # Like the API, an edit without reply_markup removes the inline keyboard.
        new = {k: v for k, v in change(old).items() if k != "reply_markup"}
        new.update(_inline_markup(call.params))
        if new == old:
            raise ApiError(NOT_MODIFIED)
        new["edit_date"] = _now()
        self._store(new)
        return new

    def _source(self, call: ApiCall, verb: str) -> Json:
        source = self._messages.get((call.chat_id("from_chat_id"), call.params["message_id"]))
        if source is None:
            raise ApiError(f"Bad Request: message to {verb} not found")
        return source

    def _media(self, call: ApiCall, kind: str, reference: str) -> Json:
        """A photo or document as the API describes it after the upload."""
        serial = next(self._serial)
        file_id, name = f"offline-{kind}-{serial}", reference.rpartition("/")[2]
        if reference.startswith("attach://"):
            name = call.files[reference.removeprefix("attach://")].filename or name
        elif not reference.startswith(("http://", "https://")):
            file_id = reference  # an existing file_id is sent again as is
        unique = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
        if kind == "photo":
            return {"photo": [{**unique, "width": 1280, "height": 720}]}
        if kind == "document":
            return {"document": {**unique, "file_name": name}}
        raise NotImplementedError(f"OfflineSession cannot send {kind} media yet")


# A few of the custom emoji Telegram allows as forum topic icons (getForumTopicIconStickers).
TOPIC_ICON_EMOJI = ("💬", "❗️", "🔥", "⚡️", "👀", "✅", "📝", "💡")


def topic_icon_stickers() -> list[Json]:
    return [
        {
            "file_id": f"topic-icon-{index}",
            "file_unique_id": f"topic-icon-u{index}",
            "type": "custom_emoji",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "custom_emoji_id": f"50000000000000{index:05d}",
        }
        for index, emoji in enumerate(TOPIC_ICON_EMOJI)
    ]


def _true(call: ApiCall) -> bool:
    return True


def _now() -> int:
    return int(time.time())


def _content(message: Json) -> Json:
    return {k: v for k, v in message.items() if k not in _PLACEMENT}


def _inline_markup(params: Json) -> Json:
    # Messages only carry inline keyboards; reply keyboards live on the client.
    markup = params.get("reply_markup")
    return {"reply_markup": markup} if markup and "inline_keyboard" in markup else {}


def is_html(parse_mode: Any) -> bool:
    # ParseMode is a str Enum whose str() is "ParseMode.HTML": compare its value.
    return str(getattr(parse_mode, "value", parse_mode) or "").lower() == "html"


def _formatted(params: Json, key: str = "caption", limit: int = CAPTION_LIMIT) -> Json:
    """The text (or caption) as the API stores it: markup parsed into entities."""
    raw = params.get(key)
    if raw is None:
        return {}
    entities_key = "entities" if key == "text" else "caption_entities"
    if is_html(params.get("parse_mode")):
        try:
            text, entities = parse_html(raw)
        except TelegramHtmlError as error:
            raise ApiError(f"Bad Request: {error}") from None
    else:
        # Markdown modes are passed through unparsed: the bot only uses HTML.
        text, entities = raw, params.get(entities_key) or []
    if utf16_len(text) > limit:
        what = "message" if key == "text" else "message caption"
        raise ApiError(f"Bad Request: {what} is too long")
    return {key: text, entities_key: entities} if entities else {key: text}
