"""Telegram's HTML parse mode: markup in, plain text and message entities out.

Both the offline Bot API session (terminal demo, dispatcher tests) and the fake Bot API server
(tests) store what Telegram would store for text sent with ``parse_mode="HTML"``, and refuse
what it refuses with the same description. Entity offsets and lengths count UTF-16 code units,
as in the Bot API; the byte offsets in error descriptions count UTF-8 bytes of the markup.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any, NoReturn

Json = dict[str, Any]

# Tag -> entity type; <span> only as <span class="tg-spoiler">.
_TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
}
# Telegram knows only these named character references; numeric ones all work.
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[\w-]*")


class TelegramHtmlError(ValueError):
    """Markup the Bot API refuses; the message is its description after "Bad Request: "."""


def decode_reference(ref: str) -> str:
    """What Telegram shows for the character reference `&ref;` ("amp", "#60", "#x3C")."""
    if not ref.startswith("#"):
        return _NAMED_REFERENCES.get(ref, f"&{ref};")  # any other name is kept verbatim
    code = int(ref[2:], 16) if ref[1:2] in "xX" else int(ref[1:])
    # A number that names no character (or a lone surrogate) gives U+FFFD, as in HTML.
    valid = code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
    return chr(code) if valid else "\ufffd"


def utf16_len(text: str) -> int:
    """The length of ``text`` as entity offsets and lengths count it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(markup: str) -> tuple[str, list[Json]]:
    """Split Telegram HTML into plain text and entities, refusing what the API refuses.

    Raises ``TelegramHtmlError`` with Telegram's description, e.g. ``can't parse entities:
    Unsupported start tag "div" at byte offset 0``. Entities come ordered by offset, the
    enclosing one first, as the Bot API returns them.
    """
    parser = _TelegramHtml(markup)
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts), parser.entities


class _TelegramHtml(HTMLParser):
    def __init__(self, source: str) -> None:
        # Character references are decoded here rather than by HTMLParser, so that a literal
        # "<" left in the data (which Telegram refuses) can be told apart from "&lt;", and
        # named references Telegram does not know stay as they are.
        super().__init__(convert_charrefs=False)
        self.source = source
        self.parts: list[str] = []
        self.size = 0  # in UTF-16 code units, as entity offsets are
        # (tag, its entity or None when it adds none, where it started)
        self.open: list[tuple[str, Json | None, int]] = []
        # In the order their start tags came, which is by offset with the longer one first.
        self.entities: list[Json] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        kind = _TAG_ENTITIES.get(tag)
        if kind is None or (tag == "span" and values.get("class") != "tg-spoiler"):
            self._fail(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        entity: Json = {"type": kind, "offset": self.size}
        merged = False
        if tag == "a":
            entity["url"] = values.get("href", "")
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = values.get("emoji-id", "")
        elif tag == "tg-time":
            entity["unix_time"] = int(values.get("unix") or 0)
        elif tag == "blockquote" and "expandable" in values:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and self.open and self.open[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language.
            pre = self.open[-1][1]
            language = values.get("class", "").removeprefix("language-")
            if pre is not None and language:
                pre["language"] = language
            merged = True
        if not merged:
            self.entities.append(entity)
        self.open.append((tag, None if merged else entity, self.size))

    def handle_endtag(self, tag: str) -> None:
        if not self.open:
            self._fail(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, entity, start = self.open.pop()
        if open_tag != tag:
            self._fail(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        if entity is None:
            return
        entity["length"] = self.size - start
        # Empty entities, and links to nowhere, are dropped.
        if not entity["length"] or (entity["type"] == "text_link" and not entity["url"]):
            self.entities.remove(entity)

    def handle_data(self, data: str) -> None:
        if "<" in data:
            index = self._index() + data.index("<")
            offset = self._byte_offset(index)
            if ">" not in self.source[index:]:
                self._fail(f"Unclosed start tag at byte offset {offset}")
            name = _TAG_NAME.match(self.source, index + 1)
            self._fail(
                f'Unsupported start tag "{name[0] if name else ""}" at byte offset {offset}'
            )
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        self._append(decode_reference(name))

    def handle_charref(self, name: str) -> None:
        self._append(decode_reference("#" + name))

    def close(self) -> None:
        super().close()
        if self.open:
            self._fail(f'Can\'t find end tag corresponding to start tag "{self.open[-1][0]}"')

    def _append(self, text: str) -> None:
        self.parts.append(text)
        self.size += utf16_len(text)

    def _index(self) -> int:
        """Where in the source the markup being handled starts."""
        line, column = self.getpos()
        lines = self.source.split("\n")
        return sum(len(text) + 1 for text in lines[: line - 1]) + column

    def _byte_offset(self, index: int | None = None) -> int:
        return len(self.source[: self._index() if index is None else index].encode())

    @staticmethod
    def _fail(reason: str) -> NoReturn:
        raise TelegramHtmlError(f"can't parse entities: {reason}")
