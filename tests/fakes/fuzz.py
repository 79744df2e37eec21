"""Random and malformed updates of every kind Telegram sends, reproducible from a seed.

Each update is valid for aiogram's models (Telegram never sends what its own schema refuses)
but odd in every other way: NUL and other control characters in texts and names, no sender,
a channel or an anonymous group admin as the sender, commands with junk arguments, callback
data of any shape, huge numbers, every chat type, edits, reactions, member updates, inline and
business updates.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from typing import Any

from aiogram.types import Update

from tests.fakes.desk import GROUP

JSON = dict[str, Any]
ODD = [
    "\x00",
    "\x01",
    "\x1b[31m",
    "\u202e",
    "\ufeff",
    "\ud7ff",
    "👩‍💻",
    "\n\n",
    "\t",
    "\u0301",
    "<b>",
    "&amp;",
    "'; DROP TABLE users; --",
    "${jndi:x}",
    "%s%n",
    "²",
    "٣",
    "𝟘",
]
COMMANDS = [
    "/start",
    "/help",
    "/cancel",
    "/human",
    "/bot",
    "/ask",
    "/mydata",
    "/forgetme",
    "/language",
    "/services",
    "/pricing",
    "/contact",
    "/admin",
    "/admin ban",
    "/admin ban ²",
    "/admin agent add @x",
    "/admin gdpr export 1",
    "/t",
    "/close",
    "/transfer",
    "/release",
    "/start " + "x" * 80,
    "/unknown",
    "/start@devbot_bot",
]
PREFIXES = [
    "menu",
    "tk",
    "dr",
    "rate",
    "tobot",
    "resume",
    "faq",
    "faqcat",
    "act",
    "lang",
    "forget",
    "gdpr",
    "aiogd",
    "",
]


class Fuzz:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.update_id = 10_000

    def text(self, limit: int = 300) -> str:
        pick = self.random.random()
        if pick < 0.2:
            return self.random.choice(COMMANDS) + self.random.choice(
                ["", " ", " " + self.junk(20)]
            )
        if pick < 0.3:
            return self.random.choice(["How much does Kubernetes cost?", "привет", "hi", "?"])
        return self.junk(self.random.randint(0, limit))

    def junk(self, length: int) -> str:
        alphabet = string.printable + "ёЖщ漢字🙂"
        parts = [
            self.random.choice(ODD)
            if self.random.random() < 0.15
            else self.random.choice(alphabet)
            for _ in range(length)
        ]
        return "".join(parts)

    def number(self) -> int:
        return self.random.choice([1, 0, -1, 2**31, 2**53, 10**15, self.random.randint(1, 10**9)])

    def person(self) -> JSON:
        person: JSON = {
            "id": self.random.randint(1, 10**10),
            "is_bot": self.random.random() < 0.05,
            "first_name": self.junk(self.random.randint(1, 40)) or "x",
        }
        if self.random.random() < 0.5:
            person["last_name"] = self.junk(20)
        if self.random.random() < 0.5:
            person["username"] = "".join(self.random.choices(string.ascii_letters, k=8))
        if self.random.random() < 0.7:
            person["language_code"] = self.random.choice(["en", "ru", "de", "zz", "", "en-US"])
        return person

    def chat(self, person: JSON) -> JSON:
        kind = self.random.choice(["private"] * 5 + ["group", "supergroup", "channel", "agents"])
        if kind == "private":
            return {"id": person["id"], "type": "private", "first_name": person["first_name"]}
        if kind == "agents":
            return {"id": GROUP, "type": "supergroup", "title": self.junk(10), "is_forum": True}
        return {"id": -self.random.randint(10**9, 10**12), "type": kind, "title": self.junk(10)}

    def message(self) -> JSON:
        person = self.person()
        chat = self.chat(person)
        message: JSON = {
            "message_id": self.random.randint(1, 10**6),
            "date": 1_760_000_000,
            "chat": chat,
        }
        who = self.random.random()
        if chat["type"] == "channel" or who < 0.1:
            message["sender_chat"] = {"id": chat["id"], "type": chat["type"], "title": "x"}
        else:
            message["from"] = person
        content = self.random.random()
        if content < 0.7:
            message["text"] = self.text()
            if message["text"].startswith("/"):
                length = len(message["text"].split(" ")[0].encode("utf-16-le")) // 2
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        elif content < 0.8:
            message["photo"] = [{"file_id": "p", "file_unique_id": "pu", "width": 1, "height": 1}]
            message["caption"] = self.text(100)
        elif content < 0.85:
            message["sticker"] = {
                "file_id": "s",
                "file_unique_id": "su",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        elif content < 0.9:
            message["location"] = {"latitude": 0.0, "longitude": 0.0}
        elif content < 0.95:
            message["new_chat_members"] = [self.person()]
        else:
            message["contact"] = {"phone_number": self.junk(12), "first_name": self.junk(5) or "x"}
        if self.random.random() < 0.1:
            message["message_thread_id"] = self.random.randint(1, 10**6)
            message["is_topic_message"] = True
        return message

    def callback(self) -> JSON:
        person = self.person()
        prefix = self.random.choice(PREFIXES)
        fields = [
            str(self.number()) if self.random.random() < 0.5 else self.junk(6)
            for _ in range(self.random.randint(0, 3))
        ]
        query: JSON = {
            "id": str(self.number()),
            "from": person,
            "chat_instance": "c",
            "data": ":".join([prefix, *fields])[:64],
        }
        if self.random.random() < 0.8:
            query["message"] = {
                "message_id": self.random.randint(1, 10**6),
                "date": 0,
                "chat": self.chat(person),
            }
        return query

    def update(self) -> Update:
        self.update_id += 1
        kind = self.random.random()
        body: JSON
        if kind < 0.45:
            body = {"message": self.message()}
        elif kind < 0.6:
            body = {"callback_query": self.callback()}
        elif kind < 0.67:
            body = {"edited_message": {**self.message(), "edit_date": 1_760_000_100}}
        elif kind < 0.72:
            body = {
                "channel_post": {
                    **self.message(),
                    "chat": {"id": -100, "type": "channel", "title": "c"},
                }
            }
        elif kind < 0.77:
            body = {
                "inline_query": {
                    "id": "1",
                    "from": self.person(),
                    "query": self.text(50),
                    "offset": "",
                }
            }
        elif kind < 0.82:
            person = self.person()
            member = {"user": person, "status": self.random.choice(["member", "kicked", "left"])}
            if member["status"] == "kicked":
                member["until_date"] = 0
            body = {
                "my_chat_member": {
                    "chat": self.chat(person),
                    "from": person,
                    "date": 0,
                    "old_chat_member": {"user": person, "status": "member"},
                    "new_chat_member": member,
                }
            }
        elif kind < 0.87:
            person = self.person()
            body = {
                "message_reaction": {
                    "chat": self.chat(person),
                    "message_id": 1,
                    "date": 0,
                    "user": person,
                    "old_reaction": [],
                    "new_reaction": [{"type": "emoji", "emoji": "👍"}],
                }
            }
        elif kind < 0.92:
            body = {"business_message": {**self.message(), "business_connection_id": "b"}}
        elif kind < 0.96:
            body = {
                "poll_answer": {
                    "poll_id": "p",
                    "option_ids": [0],
                    "option_persistent_ids": ["0"],
                    "user": self.person(),
                }
            }
        else:
            person = self.person()
            body = {
                "chat_join_request": {
                    "chat": self.chat(person),
                    "from": person,
                    "user_chat_id": person["id"],
                    "date": 0,
                }
            }
        return Update.model_validate({"update_id": self.update_id, **body})

    def updates(self, count: int) -> Iterator[Update]:
        for _ in range(count):
            yield self.update()
