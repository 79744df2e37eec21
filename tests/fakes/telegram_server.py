"""In-process fake of the Telegram Bot API for tests.

Point aiogram at it with::

    async with FakeTelegram() as tg:
        session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
        bot = Bot(tg.token, session=session)

The fake keeps just enough state (sent messages per chat, an update queue, a webhook, bot
commands, forum topics, files) for aiogram and aiogram-dialog to behave as they do against the
real server, including the error answers the bot has to cope with in production.

Feeding updates: the builders ``user_message()`` and ``callback()`` only *build* update dicts,
so the same update can go either to long polling (``add_update``) or to a webhook
(``deliver_webhook``); ``push_message()`` and ``push_callback()`` build and queue in one go.

Text sent with ``parse_mode="HTML"`` is parsed like Telegram does (the stored message carries
plain text plus entities, and malformed markup is rejected with "can't parse entities");
other parse modes are stored verbatim.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import aiohttp
from aiohttp import web

from bot.telegram.html import TelegramHtmlError, parse_html, utf16_len
from bot.telegram.offline_session import topic_icon_stickers
from tests.fakes._server import FakeServer, first_recorded, wait_event

JSON = dict[str, Any]

_JPEG = b"\xff\xd8\xff\xe0\0\x10JFIF\0" + bytes(32)
_PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
DEFAULT_TOKEN = "123456:TEST-token-for-the-fake-telegram-server"
DEFAULT_USER_ID = 100_000_001
DEFAULT_GROUP_ID = -1_001_000_000_001

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_MAX_TEXT_LENGTH = 4096
_MAX_CAPTION_LENGTH = 1024
# Telegram sends these only when a bot asks for them explicitly in allowed_updates.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Free-text fields are never JSON-decoded, even when the text happens to look like JSON.
_TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "name",
        "title",
        "description",
        "short_description",
        "secret_token",
        "url",
        "data",
        "query",
        "emoji",
    }
)
# aiogram serialises every parameter into a form field, so numbers and booleans arrive as
# strings. Only fields known to be numeric or boolean are converted back: free-text fields
# (text, callback_query_id, secret_token...) may legitimately look like numbers.
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "draft_id",
        "icon_color",
        "max_connections",
        "cache_time",
        "direct_messages_topic_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_paid_broadcast",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "show_alert",
        "drop_pending_updates",
        "has_spoiler",
        "show_caption_above_media",
        "can_stop",
        "keep_on_stop",
    }
)


@dataclass
class UploadedFile:
    """One file part of a multipart request."""

    filename: str
    content_type: str
    content: bytes


@dataclass
class Call:
    """One request the bot made, as Telegram would have seen it."""

    method: str
    params: JSON
    timestamp: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    content_type: str = ""  # how the request's body came: JSON, a form or multipart
    # Filled in once the fake has answered.
    status: int | None = None
    result: Any = None
    # What fault injection did to this call, if anything.
    failed_with: int | None = None
    delayed_by: float = 0.0

    @property
    def injected(self) -> bool:
        return self.failed_with is not None or self.delayed_by > 0


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None


class ApiError(Exception):
    """Raised by method handlers; becomes Telegram's error JSON."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


class _UseRecordedSecret:
    """Sentinel type: deliver_webhook() sends the secret registered by setWebhook."""


_RECORDED_SECRET = _UseRecordedSecret()


class FakeTelegram(FakeServer):
    """A Telegram Bot API server on 127.0.0.1 with a free port; see the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "devbot_test_bot",
        bot_first_name: str = "DevBot Test",
    ) -> None:
        super().__init__()
        self.token = token
        bot_id = int(token.partition(":")[0])
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

        self.calls: list[Call] = []
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.allowed_updates: list[str] | None = None
        # chat_id -> message_id -> current state of the message (edits applied).
        self.messages: dict[int, dict[int, JSON]] = {}
        # chat_id -> message_thread_id -> ForumTopic plus an "is_closed" flag.
        self.topics: dict[int, dict[int, JSON]] = {}
        # Users who blocked the bot: anything sent to their chat fails with 403.
        self.blocked_users: set[int] = set()
        # (chat_id, message_thread_id) of deleted topics: posting there fails as in Telegram.
        self.deleted_topics: set[tuple[int, int]] = set()

        self._updates: list[JSON] = []
        self._last_update_id = 0
        self._chats: dict[int, JSON] = {}
        self._last_message_id: dict[int, int] = {}
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        # The bot's name, short_description and description per language code ("" default).
        self.profile: dict[tuple[str, str], str] = {}
        self._files: dict[str, tuple[str, bytes]] = {}
        self._file_counter = 0
        self._callback_counter = 0
        self._poll_seq = 0
        self._faults: dict[str, list[_Fault]] = {}
        self._hangs: dict[str, list[float]] = {}
        # Waiters hold on to the current event; replacing it after set() wakes exactly those
        # waiting now, without a clear() that could race with a waiter about to look.
        self._new_update = asyncio.Event()
        self._new_call = asyncio.Event()

        handlers: dict[str, Callable[[Call], Awaitable[Any]]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageCaption": self._edit_message_caption,
            "getChat": self._get_chat,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "getFile": self._get_file,
            "createForumTopic": self._create_forum_topic,
            "editForumTopic": self._edit_forum_topic,
            "getForumTopicIconStickers": self._topic_icons,
            "closeForumTopic": self._close_forum_topic,
            "reopenForumTopic": self._reopen_forum_topic,
            "deleteForumTopic": self._delete_forum_topic,
        }
        for text, limit in (("name", 64), ("short_description", 120), ("description", 512)):
            spelled = "".join(part.title() for part in text.split("_"))
            handlers[f"getMy{spelled}"] = self._profile_getter(text)
            handlers[f"setMy{spelled}"] = self._profile_setter(text, limit)
        # Methods whose only visible effect for a bot is `true`; their calls are recorded.
        for name in (
            "answerCallbackQuery",
            "sendChatAction",
            "sendMessageDraft",
            "setChatMenuButton",
            "setMessageReaction",
            "pinChatMessage",
            "unpinChatMessage",
        ):
            handlers[name] = self._true
        # Telegram matches method names case-insensitively.
        self._handlers = {name.lower(): (name, fn) for name, fn in handlers.items()}

    # ------------------------------------------------------------------ lifecycle

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        return app

    def _on_stop(self) -> None:
        self._wake_pollers()  # long polls end once they see _stopping

    # ------------------------------------------------------------------ inspecting calls

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    @property
    def get_updates_count(self) -> int:
        return len(self.calls_of("getUpdates"))

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - a deadline for the whole wait, not one call
        *,
        since: int = 0,
    ) -> Call:
        """Return the first call of `method` at index >= `since` matching `predicate`.

        Pass ``since=len(fake.calls)`` to ignore everything recorded so far.
        """
        return await first_recorded(
            self.calls,
            lambda call: call.method == method and (predicate is None or predicate(call)),
            since=since,
            seconds=timeout,
            arrival=lambda: self._new_call,
            describe=lambda: (
                f"no {method} call matching the predicate within {timeout}s; "
                f"recorded calls: {self._calls_summary()}"
            ),
        )

    def clear(self) -> None:
        """Forget recorded calls and pending faults; chat state and updates are kept."""
        self.calls.clear()
        self._faults.clear()
        self._hangs.clear()

    def chat_messages(self, chat_id: int) -> list[JSON]:
        """Current messages of a chat (edits applied, deleted ones gone), oldest first."""
        return [copy.deepcopy(m) for m in self.messages.get(chat_id, {}).values()]

    def get_commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        return copy.deepcopy(self._commands.get(_commands_key(scope, language_code), []))

    def _calls_summary(self) -> str:
        counts = Counter(call.method for call in self.calls)
        return ", ".join(f"{name}×{n}" for name, n in counts.items()) or "none"

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with Telegram's error for `status`."""
        if status == 429 and retry_after is None:
            retry_after = 1
        fault = _Fault(
            status, description or _default_description(status, retry_after), retry_after
        )
        self._faults.setdefault(method.lower(), []).extend([fault] * times)

    def hang_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Delay the answer to the next `times` calls of `method` by `seconds`.

        Like the real API, a delayed call still takes effect (a message still gets sent)
        even if the client has given up waiting: that is how duplicates on retry happen.
        """
        self._hangs.setdefault(method.lower(), []).extend([seconds] * times)

    # ------------------------------------------------------------------ updates

    def add_update(self, update: JSON) -> JSON:
        """Queue an update for getUpdates, assigning the next update_id if it has none."""
        self._assign_update_id(update)
        self._updates.append(update)
        self._wake_pollers()
        return update

    def user_message(
        self,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        language_code: str = "en",
        first_name: str = "Alice",
        username: str | None = "alice",
        message_thread_id: int | None = None,
    ) -> JSON:
        """Build (without queueing) an update with a text message from a user.

        `chat_id` defaults to the private chat with the user; a negative id is a supergroup.
        """
        user = _user(user_id, first_name, username, language_code)
        chat_id = user_id if chat_id is None else chat_id
        if chat_id == user_id:
            self._chats[chat_id] = _private_chat(user_id, first_name, username)
        message: JSON = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            message["is_topic_message"] = True
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message
        return {"message": copy.deepcopy(message)}

    def user_media(
        self,
        kind: str = "photo",
        *,
        caption: str | None = None,
        media_group_id: str | None = None,
        user_id: int = DEFAULT_USER_ID,
        first_name: str = "Alice",
        username: str | None = "alice",
    ) -> JSON:
        """Build an update with a photo or document from a user in their private chat; the
        file is registered, so getFile and downloads work."""
        self._file_counter += 1
        file_id = f"AgACAgIAAxkBAAI{self._file_counter:06d}"
        # What Telegram serves: photos are always JPEG; the document is a small PDF.
        content = _JPEG if kind == "photo" else _PDF
        self._files[file_id] = (f"{kind}s/file_{self._file_counter}", content)
        size = len(content)
        update = self.user_message("", user_id=user_id, first_name=first_name, username=username)
        message = update["message"]
        del message["text"]
        stored = self.messages[message["chat"]["id"]][message["message_id"]]
        stored.pop("text")
        media: JSON
        if kind == "photo":
            media = {"photo": [{"file_id": file_id, "file_unique_id": f"u{file_id}",
                                "width": 800, "height": 600, "file_size": size}]}  # fmt: skip
        else:
            media = {"document": {"file_id": file_id, "file_unique_id": f"u{file_id}",
                                  "file_name": "report.pdf", "file_size": size}}  # fmt: skip
        if caption is not None:
            media["caption"] = caption
        if media_group_id is not None:
            media["media_group_id"] = media_group_id
        message.update(media)
        stored.update(copy.deepcopy(media))
        return update

    def edited(self, chat_id: int, message_id: int, text: str) -> JSON:
        """Build an ``edited_message`` update: the sender changed their message's text."""
        message = self.messages[chat_id][message_id]
        message["text"] = text
        message.pop("entities", None)
        message["edit_date"] = int(time.time())
        return {"edited_message": copy.deepcopy(message)}

    def callback(
        self,
        data: str,
        message_id: int,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        language_code: str = "en",
        first_name: str = "Alice",
        username: str | None = "alice",
    ) -> JSON:
        """Build (without queueing) an update with a button press on a bot message."""
        chat_id = user_id if chat_id is None else chat_id
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None:
            message = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": self._chat(chat_id),
                "date": int(time.time()),
                "text": "…",
            }
        self._callback_counter += 1
        return {
            "callback_query": {
                "id": str(4_200_000_000_000 + self._callback_counter),
                "from": _user(user_id, first_name, username, language_code),
                "message": copy.deepcopy(message),
                "chat_instance": str(abs(chat_id) * 1_000_003),
                "data": data,
            }
        }

    def push_message(self, text: str, **kwargs: Any) -> JSON:
        """user_message() + add_update(); returns the queued update."""
        return self.add_update(self.user_message(text, **kwargs))

    def push_callback(self, data: str, message_id: int, **kwargs: Any) -> JSON:
        """callback() + add_update(); returns the queued update."""
        return self.add_update(self.callback(data, message_id, **kwargs))

    @property
    def pending_updates(self) -> list[JSON]:
        return list(self._updates)

    # ------------------------------------------------------------------ webhook

    async def deliver_webhook(
        self,
        update: JSON,
        *,
        secret_token: str | _UseRecordedSecret | None = _RECORDED_SECRET,
    ) -> int:
        """POST `update` to the webhook set by the bot and return the HTTP status.

        By default the secret registered with setWebhook is sent; pass another string to send
        a wrong one, or None to send no secret header at all.
        """
        if not self.webhook_url:
            raise AssertionError("deliver_webhook: the bot has not set a webhook")
        self._assign_update_id(update)
        if isinstance(secret_token, _UseRecordedSecret):
            secret = self.webhook_secret
        else:
            secret = secret_token
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(self.webhook_url, json=update, headers=headers) as response,
        ):
            await response.read()
            return response.status

    # ------------------------------------------------------------------ files

    def add_file(self, file_id: str, content: bytes, file_path: str | None = None) -> JSON:
        """Make `file_id` known to getFile and its bytes downloadable; returns the File."""
        if file_path is None:
            self._file_counter += 1
            file_path = f"documents/file_{self._file_counter}.bin"
        self._files[file_id] = (file_path, content)
        return self._file_object(file_id)

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_method(self, request: web.Request) -> web.Response:
        try:
            params, files = await _read_params(request)
        except ApiError as error:
            return _error_response(error)
        spelled = request.match_info["method"]
        name, handler = self._handlers.get(spelled.lower(), (spelled, None))
        call = Call(
            method=name,
            params=params,
            files=files,
            timestamp=time.time(),
            content_type=request.content_type,
        )
        self.calls.append(call)
        self._new_call.set()
        self._new_call = asyncio.Event()

        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            await self._apply_faults(call)
            call.result = await handler(call)
        except ApiError as error:
            call.status = error.status
            return _error_response(error)
        call.status = 200
        return web.json_response({"ok": True, "result": call.result})

    async def _apply_faults(self, call: Call) -> None:
        key = call.method.lower()
        if hangs := self._hangs.get(key):
            call.delayed_by = hangs.pop(0)
            await self._sleep(call.delayed_by)
        if faults := self._faults.get(key):
            fault = faults.pop(0)
            call.failed_with = fault.status
            parameters = None if fault.retry_after is None else {"retry_after": fault.retry_after}
            raise ApiError(fault.status, fault.description, parameters)

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        path = request.match_info["path"]
        for file_path, content in self._files.values():
            if file_path == path:
                return web.Response(body=content, content_type="application/octet-stream")
        return _error_response(ApiError(404, "Not Found"))

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but return early when the server is being stopped."""
        await wait_event(self._stopping, seconds)

    # ------------------------------------------------------------------ methods: bot & updates

    async def _true(self, call: Call) -> bool:
        return True

    def _profile_getter(self, field: str) -> Callable[[Call], Awaitable[JSON]]:
        async def get(call: Call) -> JSON:
            """What a person with that language sees: their language's text, else the
            default's (the bot's first name for the name)."""
            language = str(call.params.get("language_code") or "")
            fallback = self.bot_user["first_name"] if field == "name" else ""
            text = self.profile.get((field, language)) or self.profile.get((field, ""))
            return {field: text or fallback}

        return get

    def _profile_setter(self, field: str, limit: int) -> Callable[[Call], Awaitable[bool]]:
        async def set_(call: Call) -> bool:
            text = str(call.params.get(field) or "")
            if len(text) > limit:
                raise bad_request(f"{field} is too long")
            self.profile[(field, str(call.params.get("language_code") or ""))] = text
            return True

        return set_

    async def _get_me(self, call: Call) -> JSON:
        return dict(self.bot_user)

    async def _get_updates(self, call: Call) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        params = call.params
        self._poll_seq += 1
        my_seq = self._poll_seq
        # A newer poll takes over from one still waiting, as on the real server.
        self._wake_pollers()
        if "allowed_updates" in params:
            self.allowed_updates = params["allowed_updates"] or None
        self._confirm(params.get("offset"))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = asyncio.get_running_loop().time() + float(params.get("timeout") or 0)

        while True:
            if self._poll_seq != my_seq:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            ready = [u for u in self._updates if self._is_allowed(u)][:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if ready or remaining <= 0 or self._stopping.is_set():
                return [copy.deepcopy(u) for u in ready]
            await wait_event(self._new_update, remaining)

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _is_allowed(self, update: JSON) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self.allowed_updates is None:
            return kind not in _OPT_IN_UPDATE_TYPES
        return kind in self.allowed_updates

    def _wake_pollers(self) -> None:
        self._new_update.set()
        self._new_update = asyncio.Event()

    def _assign_update_id(self, update: JSON) -> None:
        if "update_id" not in update:
            update["update_id"] = self._last_update_id + 1
        self._last_update_id = max(self._last_update_id, int(update["update_id"]))

    async def _set_webhook(self, call: Call) -> bool:
        url = call.params.get("url", "")
        if url and not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        self.webhook_secret = call.params.get("secret_token")
        if "allowed_updates" in call.params:
            self.allowed_updates = call.params["allowed_updates"] or None
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, call: Call) -> bool:
        self.webhook_url = ""
        self.webhook_secret = None
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, call: Call) -> JSON:
        info: JSON = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = 40
            info["ip_address"] = "127.0.0.1"
            if self.allowed_updates is not None:
                info["allowed_updates"] = list(self.allowed_updates)
        return info

    async def _set_my_commands(self, call: Call) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise bad_request('field "commands" must be an Array')
        key = _commands_key(call.params.get("scope"), call.params.get("language_code", ""))
        self._commands[key] = commands
        return True

    async def _delete_my_commands(self, call: Call) -> bool:
        key = _commands_key(call.params.get("scope"), call.params.get("language_code", ""))
        self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: Call) -> list[JSON]:
        return self.get_commands(call.params.get("scope"), call.params.get("language_code", ""))

    # ------------------------------------------------------------------ methods: messages

    async def _send_message(self, call: Call) -> JSON:
        text, entities = _parse_text(
            call.params.get("text", ""), call.params, "entities", _MAX_TEXT_LENGTH
        )
        message = self._new_bot_message(call.params)
        message["text"] = text
        if entities:
            message["entities"] = entities
        return self._store(message)

    async def _edit_message_text(self, call: Call) -> JSON | bool:
        if "inline_message_id" in call.params:
            return True
        message = self._find_message(call.params, "message to edit not found")
        text, entities = _parse_text(
            call.params.get("text", ""), call.params, "entities", _MAX_TEXT_LENGTH
        )
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        # Editing text without reply_markup removes an inline keyboard, as in Telegram.
        changes = {
            "text": text,
            "entities": entities,
            "reply_markup": call.params.get("reply_markup"),
        }
        return self._edit(message, changes)

    async def _edit_message_reply_markup(self, call: Call) -> JSON | bool:
        if "inline_message_id" in call.params:
            return True
        message = self._find_message(call.params, "message to edit not found")
        return self._edit(message, {"reply_markup": call.params.get("reply_markup")})

    async def _edit_message_caption(self, call: Call) -> JSON | bool:
        if "inline_message_id" in call.params:
            return True
        message = self._find_message(call.params, "message to edit not found")
        if not any(kind in message for kind in ("photo", "document", "video", "audio")):
            raise bad_request("there is no caption in the message to edit")
        caption, entities = _parse_text(
            call.params.get("caption", ""), call.params, "caption_entities",
            _MAX_CAPTION_LENGTH, caption=True,
        )  # fmt: skip
        changes = {
            "caption": caption,
            "caption_entities": entities,
            "reply_markup": call.params.get("reply_markup"),
        }
        return self._edit(message, changes)

    async def _get_chat(self, call: Call) -> JSON:
        chat_id = call.params.get("chat_id")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
                 "gifts_from_channels")  # fmt: skip
        return {
            **self._chat(chat_id),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts, False),
        }

    def set_forum(self, chat_id: int, is_forum: bool) -> None:
        """Make a group a forum (the default for supergroups here) or a plain group."""
        self._chats[chat_id] = {**self._chat(chat_id), "is_forum": is_forum}

    def _edit(self, message: JSON, changes: JSON) -> JSON:
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        if all(message.get(key) == (value or None) for key, value in changes.items()):
            raise ApiError(400, _NOT_MODIFIED)
        for key, value in changes.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _delete_message(self, call: Call) -> bool:
        message = self._find_message(call.params, "message to delete not found")
        del self.messages[message["chat"]["id"]][message["message_id"]]
        return True

    async def _delete_messages(self, call: Call) -> bool:
        chat = self.messages.get(call.params.get("chat_id", 0), {})
        for message_id in call.params.get("message_ids") or []:
            chat.pop(int(message_id), None)
        return True

    async def _copy_message(self, call: Call) -> JSON:
        source = self._find_source(call.params, "message to copy not found")
        message = self._new_bot_message(call.params)
        message.update(_content_of(source))
        self._add_caption(message, call.params)
        self._store(message)
        return {"message_id": message["message_id"]}

    async def _forward_message(self, call: Call) -> JSON:
        source = self._find_source(call.params, "message to forward not found")
        message = self._new_bot_message(call.params)
        message.pop("reply_markup", None)
        message["forward_origin"] = {
            "type": "user",
            "sender_user": copy.deepcopy(source["from"]),
            "date": source["date"],
        }
        message.update(_content_of(source))
        return self._store(message)

    async def _send_document(self, call: Call) -> JSON:
        file_id, part = self._resolve_file(call, "document")
        message = self._new_bot_message(call.params)
        document = self._file_object(file_id)
        del document["file_path"]
        if part is not None:
            document["file_name"] = part.filename
            document["mime_type"] = part.content_type
        message["document"] = document
        self._add_caption(message, call.params)
        return self._store(message)

    async def _send_photo(self, call: Call) -> JSON:
        file_id, _ = self._resolve_file(call, "photo")
        base = self._file_object(file_id)
        message = self._new_bot_message(call.params)
        message["photo"] = [
            {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"{base['file_unique_id']}s",
                "width": 90,
                "height": 90,
                "file_size": min(base["file_size"], 1024),
            },
            {
                "file_id": file_id,
                "file_unique_id": base["file_unique_id"],
                "width": 800,
                "height": 800,
                "file_size": base["file_size"],
            },
        ]
        self._add_caption(message, call.params)
        return self._store(message)

    async def _get_file(self, call: Call) -> JSON:
        return self._file_object(call.params.get("file_id", ""))

    # ------------------------------------------------------------------ methods: forum topics

    async def _create_forum_topic(self, call: Call) -> JSON:
        chat_id = call.params["chat_id"]
        name = call.params.get("name", "")
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        # A topic's id is the id of the service message that created it.
        topic: JSON = {
            "message_thread_id": self._next_message_id(chat_id),
            "name": name,
            "icon_color": call.params.get("icon_color", 7322096),
        }
        if "icon_custom_emoji_id" in call.params:
            topic["icon_custom_emoji_id"] = call.params["icon_custom_emoji_id"]
        self.topics.setdefault(chat_id, {})[topic["message_thread_id"]] = {
            **topic,
            "is_closed": False,
        }
        return topic

    async def _topic_icons(self, call: Call) -> list[JSON]:
        return topic_icon_stickers()

    async def _edit_forum_topic(self, call: Call) -> bool:
        topic = self._find_topic(call.params)
        for key in ("name", "icon_custom_emoji_id"):
            if key in call.params:
                topic[key] = call.params[key]
        return True

    async def _close_forum_topic(self, call: Call) -> bool:
        self._find_topic(call.params)["is_closed"] = True
        return True

    async def _reopen_forum_topic(self, call: Call) -> bool:
        self._find_topic(call.params)["is_closed"] = False
        return True

    async def _delete_forum_topic(self, call: Call) -> bool:
        self._find_topic(call.params)
        del self.topics[call.params["chat_id"]][call.params["message_thread_id"]]
        self.deleted_topics.add((call.params["chat_id"], call.params["message_thread_id"]))
        return True

    def _find_topic(self, params: JSON) -> JSON:
        topic = self.topics.get(params.get("chat_id", 0), {}).get(
            params.get("message_thread_id", 0)
        )
        if topic is None:
            raise bad_request("message thread not found")
        return topic

    # ------------------------------------------------------------------ state helpers

    def _chat(self, chat_id: int) -> JSON:
        if chat_id not in self._chats:
            if chat_id > 0:
                self._chats[chat_id] = _private_chat(chat_id, "Alice", None)
            else:
                self._chats[chat_id] = {
                    "id": chat_id,
                    "type": "supergroup",
                    "title": "DevBot test group",
                    "is_forum": True,
                }
        return dict(self._chats[chat_id])

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _new_bot_message(self, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        if chat_id in self.blocked_users:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if (chat_id, params.get("message_thread_id")) in self.deleted_topics:
            raise bad_request("message thread not found")
        message: JSON = {
            "message_id": self._next_message_id(chat_id),
            "from": dict(self.bot_user),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        if params.get("message_thread_id") is not None:
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _store(self, message: JSON) -> JSON:
        self.messages.setdefault(message["chat"]["id"], {})[message["message_id"]] = message
        return copy.deepcopy(message)

    def _find_message(self, params: JSON, not_found: str) -> JSON:
        message = self.messages.get(params.get("chat_id", 0), {}).get(params.get("message_id", 0))
        if message is None:
            raise bad_request(not_found)
        return message

    def _find_source(self, params: JSON, not_found: str) -> JSON:
        return self._find_message(
            {"chat_id": params.get("from_chat_id"), "message_id": params.get("message_id")},
            not_found,
        )

    def _add_caption(self, message: JSON, params: JSON) -> None:
        if "caption" not in params:
            return
        caption, entities = _parse_text(
            params["caption"], params, "caption_entities", _MAX_CAPTION_LENGTH, caption=True
        )
        message["caption"] = caption
        if entities:
            message["caption_entities"] = entities

    def _resolve_file(self, call: Call, field_name: str) -> tuple[str, UploadedFile | None]:
        """The file_id a send* call refers to, registering a new upload first if need be."""
        reference = str(call.params.get(field_name, ""))
        part = call.files.get(reference.removeprefix("attach://"))
        if part is None:
            if reference not in self._files:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return reference, None
        self._file_counter += 1
        file_id = f"BQACAgIAAxkBAAI{self._file_counter:06d}"
        folder = "photos" if field_name == "photo" else "documents"
        self._files[file_id] = (
            f"{folder}/file_{self._file_counter}_{part.filename}",
            part.content,
        )
        return file_id, part

    def _file_object(self, file_id: str) -> JSON:
        if file_id not in self._files:
            raise bad_request("invalid file_id")
        file_path, content = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"AgAD{zlib.crc32(file_id.encode()):010d}",
            "file_size": len(content),
            "file_path": file_path,
        }


# ---------------------------------------------------------------------- request parsing


async def _read_params(request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if isinstance(body, dict):
            raw.update(body)
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(value.filename, value.content_type, value.file.read())
            else:
                raw[key] = value
    return {key: _decode(key, value) for key, value in raw.items()}, files


def _error_response(error: ApiError) -> web.Response:
    body: JSON = {"ok": False, "error_code": error.status, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.status)


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value.startswith(("{", "[")) and key not in _TEXT_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in _INT_FIELDS and value.lstrip("-").isdigit():
        return int(value)
    if key in _BOOL_FIELDS and value in ("true", "false"):
        return value == "true"
    return value


# ---------------------------------------------------------------------- text and entities


def _parse_text(
    raw: str, params: JSON, entities_field: str, max_length: int, *, caption: bool = False
) -> tuple[str, list[JSON]]:
    """Turn text + parse_mode/entities into what Telegram stores: plain text and entities."""
    parse_mode = str(params.get("parse_mode") or "")
    if parse_mode.lower() == "html":
        try:
            text, entities = parse_html(raw)
        except TelegramHtmlError as error:
            raise bad_request(str(error)) from None
    else:
        text, entities = raw, list(params.get(entities_field) or [])
    if not caption and not text.strip():
        raise bad_request("message text is empty")
    if len(text) > max_length:
        raise bad_request("message caption is too long" if caption else "message is too long")
    return text, entities


# ---------------------------------------------------------------------- small helpers


def _content_of(message: JSON) -> JSON:
    """What copyMessage and forwardMessage carry over from the original."""
    keys = ("text", "entities", "caption", "caption_entities", "document", "photo")
    return {key: copy.deepcopy(message[key]) for key in keys if key in message}


def _user(user_id: int, first_name: str, username: str | None, language_code: str) -> JSON:
    user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def _private_chat(chat_id: int, first_name: str, username: str | None) -> JSON:
    chat: JSON = {"id": chat_id, "type": "private", "first_name": first_name}
    if username:
        chat["username"] = username
    return chat


def _commands_key(scope: JSON | None, language_code: str) -> tuple[str, str]:
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


def _default_description(status: int, retry_after: int | None) -> str:
    match status:
        case 429:
            return f"Too Many Requests: retry after {retry_after}"
        case 403:
            return "Forbidden: bot was blocked by the user"
        case 400:
            return "Bad Request"
        case 401:
            return "Unauthorized"
        case 409:
            return (
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running"
            )
        case 500:
            return "Internal Server Error"
        case 502:
            return "Bad Gateway"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"
