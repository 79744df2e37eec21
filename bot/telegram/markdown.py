"""LLM Markdown -> Telegram HTML, and splitting it into messages Telegram accepts.

Model answers are Markdown, often broken. They are parsed with markdown-it-py (CommonMark plus
tables, ``~~strike~~`` and task lists; raw HTML off, so ``<script>`` is plain text) and rendered
to the few tags Telegram's HTML parse mode knows. Every character taken from the model is
escaped; tags come only from this module, so the output is always balanced and nested properly.

Mapping:

- ``**b**`` -> ``<b>``, ``*i*`` / ``_i_`` -> ``<i>``, ``~~s~~`` -> ``<s>``, ```` `c` ```` ->
  ``<code>`` (plain text inside a link, where Telegram allows no code);
- fenced and indented code -> ``<pre>``, or ``<pre><code class="language-x">`` with a language;
- ``[text](url)`` -> ``<a href>`` for http(s)://, tg:// and mailto: only; any other scheme
  (``javascript:``, relative paths...) leaves just the text; an image becomes a link to it;
- ``> quote`` -> ``<blockquote>`` (nested quotes are flattened: Telegram can't nest them);
- headings -> a bold line; lists -> lines starting with "• ", "1. " or "☐ "/"☑ ", nested
  lists indented; tables -> an aligned ``<pre>`` block; ``---`` -> a line of "─";
- character references such as ``&amp;`` and raw HTML are shown literally, as typed.

Blocks are separated by a blank line, which is where ``split_message`` prefers to cut.
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass, field
from typing import Final

from loguru import logger
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from bot.telegram.html import decode_reference, utf16_len

__all__ = [
    "TELEGRAM_TEXT_LIMIT",
    "render_chunks",
    "split_message",
    "to_telegram_html",
    "visible_length",
]

TELEGRAM_TEXT_LIMIT: Final = 4096
"""Most characters of text (after entity parsing) one Telegram message may hold."""

_SAFE_SCHEMES: Final = ("http://", "https://", "tg://", "mailto:")
_HR_LINE: Final = "─" * 10
_LANGUAGE_JUNK = re.compile(r"[^\w+#.-]")
# markdown-it silently drops what is nested deeper than this; such an answer is sent unformatted.
_MAX_NESTING: Final = 50


class _Parser(MarkdownIt):
    """CommonMark without raw HTML or entity decoding, plus tables, strike and task lists."""

    def __init__(self) -> None:
        options = {"html": False, "tasklists": True, "maxNesting": _MAX_NESTING}
        super().__init__("commonmark", options)
        self.enable(["table", "strikethrough"])
        # "&amp;" stays as typed: the model means the characters it wrote.
        self.disable("entity")

    def validateLink(self, url: str) -> bool:
        # Every link is parsed; which schemes become <a> is decided when rendering, so a
        # javascript: link shows its text rather than its raw Markdown.
        return True


_PARSER: Final = _Parser()


# --- rendering ------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return _html.escape(text, quote=False)


def _safe_href(url: str) -> str | None:
    """The URL escaped for an href attribute, or None for a scheme Telegram shouldn't get."""
    url = url.strip()
    if not url.lower().startswith(_SAFE_SCHEMES):
        return None
    return _html.escape(url, quote=True)


@dataclass
class _Part:
    """A run of output lines; ``indentable`` is False for <pre> and <blockquote> parts."""

    html: str
    indentable: bool = True


@dataclass
class _Block:
    """A block (paragraph, list, code...); a heading is followed by its text on the next line."""

    parts: list[_Part] = field(default_factory=list)
    heading: bool = False

    def render(self) -> str:
        return "\n".join(part.html for part in self.parts)


def _join_blocks(blocks: list[_Block]) -> str:
    out: list[str] = []
    for index, block in enumerate(blocks):
        if index:
            tight = blocks[index - 1].heading and not block.heading
            out.append("\n" if tight else "\n\n")
        out.append(block.render())
    return "".join(out)


def _plain(node: SyntaxTreeNode) -> str:
    """The text of inline markup without any formatting (table cells, image captions)."""
    if node.type in ("softbreak", "hardbreak"):
        return " "
    if node.type in ("text", "code_inline"):
        return node.content
    if node.children:
        return "".join(_plain(child) for child in node.children)
    return node.content


def _inline(node: SyntaxTreeNode, in_link: bool = False) -> str:
    """Render an inline node (or the ``inline`` container) to Telegram HTML."""
    kind = node.type
    if kind == "text":
        return _escape(node.content)
    if kind in ("softbreak", "hardbreak"):
        return "\n"
    if kind == "code_inline":
        # Telegram lets no entity contain code, and a link is an entity.
        return _escape(node.content) if in_link else f"<code>{_escape(node.content)}</code>"
    if kind == "image":
        caption = _plain(node) or str(node.attrGet("alt") or "")
        href = _safe_href(str(node.attrGet("src") or ""))
        if href is None or in_link:
            return _escape(caption)
        label = caption or str(node.attrGet("src"))
        return f'<a href="{href}">{_escape(label)}</a>'
    inner = "".join(_inline(child, in_link or kind == "link") for child in node.children)
    if kind == "strong":
        return f"<b>{inner}</b>" if inner else ""
    if kind == "em":
        return f"<i>{inner}</i>" if inner else ""
    if kind == "s":
        return f"<s>{inner}</s>" if inner else ""
    if kind == "link":
        href = _safe_href(str(node.attrGet("href") or ""))
        if href is None or in_link:
            return inner
        if not _plain(node).strip():
            inner = _escape(str(node.attrGet("href")))
        return f'<a href="{href}">{inner}</a>'
    if node.children or kind == "inline":
        return inner
    # Anything else markdown-it may produce (with plugins off, nothing): show its text.
    return _escape(node.content)


def _code_block(code: str, info: str = "") -> _Part | None:
    code = code.rstrip("\n")
    if not code.strip():
        return None
    language = _LANGUAGE_JUNK.sub("", info.split(maxsplit=1)[0]) if info.strip() else ""
    if language:
        return _Part(f'<pre><code class="language-{language}">{_escape(code)}</code></pre>', False)
    return _Part(f"<pre>{_escape(code)}</pre>", False)


def _table(node: SyntaxTreeNode) -> _Part | None:
    """A table as aligned columns of plain text in a <pre> (cells keep no formatting)."""
    rows: list[list[str]] = []
    aligns: list[str] = []
    header_rows = 0
    for tr in node.walk():
        if tr.type != "tr":
            continue
        rows.append([" ".join(_plain(cell).split()) for cell in tr.children])
        if not aligns:
            aligns = [str(cell.attrGet("style") or "") for cell in tr.children]
        if tr.parent is not None and tr.parent.type == "thead":
            header_rows += 1
    if not rows:
        return None
    columns = max(len(row) for row in rows)
    aligns += [""] * (columns - len(aligns))
    widths = [
        max((len(row[i]) for row in rows if i < len(row)), default=0) for i in range(columns)
    ]
    lines: list[str] = []
    for index, row in enumerate(rows):
        cells = []
        for i in range(columns):
            cell = row[i] if i < len(row) else ""
            if aligns[i].endswith("right"):
                cells.append(cell.rjust(widths[i]))
            elif aligns[i].endswith("center"):
                cells.append(cell.center(widths[i]))
            else:
                cells.append(cell.ljust(widths[i]))
        lines.append(" | ".join(cells).rstrip())
        if index + 1 == header_rows:
            lines.append("-+-".join("-" * width for width in widths))
    return _code_block("\n".join(lines))


def _indent(part: _Part, prefix: str, indent: str) -> _Part:
    """Prefix the part's first line and indent the rest (a <pre> is left as it is)."""
    if not part.indentable:
        return part
    return _Part(prefix + part.html.replace("\n", "\n" + indent))


def _list(node: SyntaxTreeNode, in_quote: bool) -> _Block:
    parts: list[_Part] = []
    number = int(node.attrGet("start") or 1)
    for item in node.children:
        if node.type == "ordered_list":
            marker = f"{item.info or number}. "
            number += 1
        else:
            marker = "• "
        checked = item.meta.get("checked")
        if checked is not None:
            box = "☑ " if checked else "☐ "
            marker = box if node.type == "bullet_list" else marker + box
        item_parts = [p for block in _blocks(item.children, in_quote) for p in block.parts]
        if not item_parts or not item_parts[0].indentable:
            item_parts.insert(0, _Part(""))
        indent = " " * len(marker)
        parts.append(
            _indent(item_parts[0], marker.rstrip() if not item_parts[0].html else marker, indent)
        )
        parts.extend(_indent(part, indent, indent) for part in item_parts[1:])
    return _Block(parts)


def _blocks(nodes: list[SyntaxTreeNode], in_quote: bool = False) -> list[_Block]:
    """Render block nodes; inside a quote, nested quotes are flattened."""
    blocks: list[_Block] = []
    for node in nodes:
        kind = node.type
        part: _Part | None = None
        if kind in ("paragraph", "inline"):
            text = "".join(_inline(child) for child in node.children)
            if text.strip():
                part = _Part(text)
        elif kind == "heading":
            text = "".join(_inline(child) for child in node.children)
            if text.strip():
                blocks.append(_Block([_Part(f"<b>{text}</b>")], heading=True))
            continue
        elif kind in ("bullet_list", "ordered_list"):
            if node.children:
                blocks.append(_list(node, in_quote))
            continue
        elif kind == "blockquote":
            inner = _blocks(node.children, in_quote=True)
            if in_quote:
                blocks.extend(inner)
            elif inner:
                part = _Part(f"<blockquote>{_join_blocks(inner)}</blockquote>", False)
        elif kind == "fence":
            part = _code_block(node.content, node.info)
        elif kind == "code_block":
            part = _code_block(node.content)
        elif kind == "table":
            part = _table(node)
        elif kind == "hr":
            part = _Part(_HR_LINE)
        elif node.children:
            blocks.extend(_blocks(node.children, in_quote))
            continue
        elif node.content.strip():
            part = _Part(_escape(node.content.strip("\n")))
        if part is not None:
            blocks.append(_Block([part]))
    return blocks


def to_telegram_html(markdown: str) -> str:
    """Render (possibly broken) Markdown to HTML that Telegram's parse mode accepts.

    Returns "" for an answer with nothing to show. Never raises on any input: should the parser
    fail, or the Markdown nest too deep for it, the text is sent escaped, without formatting.
    """
    try:
        tokens = _PARSER.parse(markdown)
        if any(token.level >= _MAX_NESTING - 1 for token in tokens):
            return _escape(markdown.strip())
        return _join_blocks(_blocks(SyntaxTreeNode(tokens).children)).strip()
    except Exception:  # the answer must reach the user even if the parser trips
        logger.exception("Markdown rendering failed; sending the answer as plain text")
        return _escape(markdown.strip())


# --- splitting ------------------------------------------------------------------------------

_OPEN, _CLOSE, _TEXT = 0, 1, 2
_ATOM = re.compile(
    r"<(/?)\s*([A-Za-z][\w-]*)[^>]*>"  # a tag
    r"|&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);"  # a character reference
    r"|[^<&]+|[<&]",  # a run of text (cut into characters below)
)


@dataclass(slots=True)
class _Atom:
    """The smallest piece a message may be cut around: a tag, a reference or one character."""

    kind: int
    html: str
    char: str = ""  # what it shows (for text), or the tag name
    width: int = 0  # visible length in UTF-16 code units


def _atoms(markup: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for match in _ATOM.finditer(markup):
        slash, tag, ref = match.group(1, 2, 3)
        if tag is not None:
            atoms.append(_Atom(_CLOSE if slash else _OPEN, match[0], tag.lower()))
        elif ref is not None:
            char = decode_reference(ref)
            atoms.append(_Atom(_TEXT, match[0], char, utf16_len(char)))
        else:
            atoms.extend(_Atom(_TEXT, char, char, utf16_len(char)) for char in match[0])
    return atoms


def visible_length(html: str) -> int:
    """The length of the text Telegram shows for ``html``, in UTF-16 code units.

    That is the unit of entity offsets, and never less than the count of characters.
    """
    return sum(atom.width for atom in _atoms(html))


def _track(stack: list[tuple[str, str]], atom: _Atom) -> None:
    """Keep ``stack`` as the (name, start tag) of the elements open after ``atom``."""
    if atom.kind == _OPEN:
        stack.append((atom.char, atom.html))
    elif atom.kind == _CLOSE:
        while stack and stack.pop()[0] != atom.char:
            pass


def _cut(atoms: list[_Atom], start: int, end: int, limit: int) -> tuple[int, int]:
    """Where to end a chunk that must fit in ``atoms[start:end]``, and where the next starts.

    Prefers a blank line, then a line break, then a space, taking the latest such break in the
    second half of the window, or else the best one anywhere; failing all, cuts at ``end``.
    The break itself is dropped.
    """
    best: tuple[int, bool, int, int] | None = None  # (score, half full, cut, resume)
    size = 0
    for index in range(start, end):
        atom = atoms[index]
        if atom.kind == _TEXT:
            score = 0
            drop = 1
            if atom.char == "\n":
                score = 2
                before = atoms[index - 1] if index > start else None
                if before is not None and before.kind == _TEXT and before.char == "\n":
                    score, drop = 3, 2
            elif atom.char in " \t":
                score = 1
            if score:
                candidate = (score, size * 2 >= limit, index + 1 - drop, index + 1)
                if best is None or (candidate[1], candidate[0]) >= (best[1], best[0]):
                    best = candidate
        size += atom.width
    if best is not None:
        return best[2], best[3]
    cut = end
    while cut > start and atoms[cut - 1].kind == _OPEN:  # leave start tags to the next chunk
        cut -= 1
    if not any(atom.kind == _TEXT for atom in atoms[start:cut]):
        cut = end
    return cut, cut


def split_message(html: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split well-formed Telegram HTML into messages of at most ``limit`` visible characters.

    Cuts at a blank line, else a line break, else a space, else anywhere, but never inside a
    tag or a character reference. Elements open at a cut are closed and opened again in the
    next message, so a long code block becomes several <pre> blocks. Lengths are counted in
    UTF-16 code units (see ``visible_length``); pieces holding only whitespace are dropped.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    atoms = _atoms(html)
    chunks: list[str] = []
    stack: list[tuple[str, str]] = []
    start = 0
    while start < len(atoms):
        end, size = start, 0
        while end < len(atoms) and size + atoms[end].width <= limit:
            size += atoms[end].width
            end += 1
        if end == len(atoms):
            cut = resume = end
        else:
            end = max(end, start + 1)  # one character wider than the limit still moves on
            cut, resume = _cut(atoms, start, end, limit)
        # Close tags right after the break belong to this chunk, which closes them anyway.
        while resume < len(atoms) and atoms[resume].kind == _CLOSE:
            resume += 1
        body = atoms[start:cut]
        opening = "".join(tag for _, tag in stack)
        for atom in body:
            _track(stack, atom)
        closing = "".join(f"</{name}>" for name, _ in reversed(stack))
        if any(atom.kind == _TEXT and not atom.char.isspace() for atom in body):
            chunks.append(opening + "".join(atom.html for atom in body) + closing)
        for atom in atoms[cut:resume]:
            _track(stack, atom)
        start = resume
    return chunks


def render_chunks(markdown: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Render a Markdown answer and split it into Telegram messages (none for an empty one)."""
    return split_message(to_telegram_html(markdown), limit)
