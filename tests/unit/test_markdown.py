"""LLM Markdown -> Telegram HTML: every output must pass Telegram's own HTML parser."""

from __future__ import annotations

import random
from typing import Any

import pytest

from bot.telegram import markdown as markdown_module
from bot.telegram.html import parse_html, utf16_len
from bot.telegram.markdown import render_chunks, split_message, to_telegram_html, visible_length


def render(markdown: str) -> tuple[str, str, list[dict[str, Any]]]:
    """The HTML for ``markdown``, and the text and entities Telegram makes of it."""
    html = to_telegram_html(markdown)
    text, entities = parse_html(html)
    return html, text, entities


def kinds(entities: list[dict[str, Any]]) -> list[str]:
    return [entity["type"] for entity in entities]


def entity_text(text: str, entity: dict[str, Any]) -> str:
    """The text an entity covers (offsets count UTF-16 code units)."""
    units = text.encode("utf-16-le")
    start, length = entity["offset"] * 2, entity["length"] * 2
    return units[start : start + length].decode("utf-16-le")


def squeeze(text: str) -> str:
    """The text without whitespace: what must survive splitting unchanged."""
    return "".join(text.split())


def check_chunks(markdown: str, limit: int) -> list[str]:
    """Render and split; each chunk parses, fits, and together they lose no text."""
    chunks = render_chunks(markdown, limit)
    texts = []
    for chunk in chunks:
        text, _ = parse_html(chunk)
        assert utf16_len(text) <= limit
        assert visible_length(chunk) == utf16_len(text)
        assert text.strip()
        texts.append(text)
    full, _ = parse_html(to_telegram_html(markdown))
    assert squeeze("".join(texts)) == squeeze(full)
    return chunks


# --- each construct ---------------------------------------------------------------------------


def test_inline_styles() -> None:
    html, text, entities = render("**bold** *it* _it2_ ~~gone~~ `x < y`")
    assert html == "<b>bold</b> <i>it</i> <i>it2</i> <s>gone</s> <code>x &lt; y</code>"
    assert text == "bold it it2 gone x < y"
    assert kinds(entities) == ["bold", "italic", "italic", "strikethrough", "code"]


def test_nested_inline_styles() -> None:
    html, text, entities = render("***both*** and **bold _and italic_**")
    assert text == "both and bold and italic"
    assert sorted(kinds(entities)) == ["bold", "bold", "italic", "italic"]
    assert "<b>bold <i>and italic</i></b>" in html


def test_fenced_code_keeps_its_language_and_text() -> None:
    html, text, entities = render("Run:\n\n```python\nif a < b and c > d:\n    print('&')\n```")
    assert '<pre><code class="language-python">' in html
    assert text == "Run:\n\nif a < b and c > d:\n    print('&')"
    assert entities[-1]["type"] == "pre"
    assert entities[-1]["language"] == "python"


def test_unclosed_fence_runs_to_the_end() -> None:
    html, text, entities = render("Try:\n```bash\nrm -rf <dir> && echo ok")
    assert html.endswith(
        '<pre><code class="language-bash">rm -rf &lt;dir&gt; &amp;&amp; echo ok</code></pre>'
    )
    assert text == "Try:\n\nrm -rf <dir> && echo ok"
    assert kinds(entities) == ["pre"]


def test_code_without_language_and_indented_code() -> None:
    html, _, entities = render("```\nplain\n```\n\n    indented <x>")
    assert html == "<pre>plain</pre>\n\n<pre>indented &lt;x&gt;</pre>"
    assert kinds(entities) == ["pre", "pre"]
    assert "language" not in entities[0]


def test_odd_fence_language_is_cleaned() -> None:
    html, _, entities = render('```c++ "quoted"<x>\nint x;\n```')
    assert entities[0]["language"] == "c++"
    assert '"quoted"' not in html


def test_links() -> None:
    html, text, entities = render(
        "[site](https://example.com/a?b=1&c=2) [chat](tg://resolve?domain=devbot) "
        "<mail@example.com> <https://auto.example>"
    )
    assert text == "site chat mail@example.com https://auto.example"
    urls = [entity["url"] for entity in entities]
    assert urls == [
        "https://example.com/a?b=1&c=2",
        "tg://resolve?domain=devbot",
        "mailto:mail@example.com",
        "https://auto.example",
    ]
    assert 'href="https://example.com/a?b=1&amp;c=2"' in html


def test_link_with_quotes_in_url_stays_in_its_attribute() -> None:
    html, text, entities = render('[x](https://e.com/"onclick=alert(1)")')
    assert text == "x"
    assert entities[0]["type"] == "text_link"
    assert entities[0]["url"].startswith("https://e.com/")
    assert 'onclick="' not in html


@pytest.mark.parametrize(
    "markdown",
    [
        "[click](javascript:alert(1))",
        "[click](JavaScript:alert(document.cookie))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
        "[click](/relative/path)",
        "<javascript:alert(1)>",
    ],
)
def test_unsafe_links_become_plain_text(markdown: str) -> None:
    html, text, entities = render(markdown)
    assert "<a" not in html
    assert entities == []
    assert "click" in text or "alert" in text


def test_empty_link_label_shows_the_url() -> None:
    _, text, entities = render("[](https://example.com)")
    assert text == "https://example.com"
    assert entities[0]["type"] == "text_link"


def test_code_inside_link_is_plain_text() -> None:
    html, text, entities = render("[`pip install`](https://pypi.org)")
    assert html == '<a href="https://pypi.org">pip install</a>'
    assert kinds(entities) == ["text_link"]
    assert text == "pip install"


def test_images_become_links() -> None:
    html, text, entities = render("![diagram](https://e.com/d.png) ![x](javascript:1) ![](x.png)")
    assert html.startswith('<a href="https://e.com/d.png">diagram</a>')
    assert text.split() == ["diagram", "x"]
    assert kinds(entities) == ["text_link"]


def test_image_inside_link_shows_its_caption() -> None:
    _, text, entities = render("[![badge](https://e.com/b.svg)](https://e.com)")
    assert text == "badge"
    assert [entity["url"] for entity in entities] == ["https://e.com"]


def test_headings_become_bold_lines() -> None:
    html, text, entities = render("# Title\nBody text\n\nSub\n---\n\n### Deep `x`\nMore")
    assert text == "Title\nBody text\n\nSub\n\nDeep x\nMore"
    assert html.startswith("<b>Title</b>\nBody text")
    assert kinds(entities) == ["bold", "bold", "bold", "code"]


def test_bullet_and_numbered_lists_with_nesting() -> None:
    markdown = "- one\n- two\n  - two.a\n    1. deep\n- three\n\n3. third\n4. fourth"
    _, text, _ = render(markdown)
    assert text == (
        "• one\n• two\n  • two.a\n    1. deep\n• three\n\n"  # nested items are indented
        "3. third\n4. fourth"
    )


def test_list_items_with_several_blocks() -> None:
    markdown = "1. first\n\n   more about it\n\n   ```sh\n   make\n   ```\n2. **second**"
    html, text, entities = render(markdown)
    assert text == "1. first\n   more about it\nmake\n2. second"
    assert kinds(entities) == ["pre", "bold"]
    assert '<pre><code class="language-sh">make</code></pre>' in html


def test_task_lists() -> None:
    _, text, _ = render("- [ ] todo\n- [x] done")
    assert text == "☐ todo\n☑ done"


def test_blockquotes_are_never_nested() -> None:
    html, text, entities = render("> quoted **text**\n> > deeper\n\nafter")
    assert kinds(entities) == ["blockquote", "bold"]
    assert html.count("<blockquote>") == 1
    assert text == "quoted text\n\ndeeper\n\nafter"


def test_table_becomes_aligned_pre() -> None:
    markdown = "| Plan | Price |\n|---|--:|\n| **Basic** | $10 |\n| Pro <b> | $100 |"
    html, text, entities = render(markdown)
    assert kinds(entities) == ["pre"]
    assert text.splitlines() == [
        "Plan    | Price",
        "--------+------",
        "Basic   |   $10",
        "Pro <b> |  $100",
    ]
    assert "&lt;b&gt;" in html


def test_horizontal_rule() -> None:
    _, text, _ = render("above\n\n---\n\nbelow")
    assert text == "above\n\n──────────\n\nbelow"


def test_russian_text() -> None:
    html, text, entities = render("## Привет\n\n**Жирный** и _курсив_, «кавычки» — ёжик & <тег>")
    assert text == "Привет\nЖирный и курсив, «кавычки» — ёжик & <тег>"
    assert kinds(entities) == ["bold", "bold", "italic"]
    assert "&amp; &lt;тег&gt;" in html


def test_empty_answer() -> None:
    assert to_telegram_html("") == ""
    assert to_telegram_html("  \n\n ") == ""
    assert to_telegram_html("```\n```") == ""
    assert render_chunks("") == []


# --- broken Markdown and HTML-looking text ---------------------------------------------------


@pytest.mark.parametrize(
    "markdown",
    [
        "**unclosed bold",
        "some `unclosed code",
        "```\nunclosed fence <x> & y\nmore",
        "[link](",
        "[link](https://example.com",
        "[link]",
        "*a _b* c_",
        "_a **b_ c**",
        "***x** y*",
        "** spaced **",
        "~~strike *mix~~ end*",
        "> **quote\n\nnot quote**",
        "- **item\n- other**",
        "1) a\n2) b\n   * c `d",
        "|a|b|\n|-|\n|c|",
        "\\*escaped\\* \\<tag\\>",
        "<<>>&&;;&#;&#x;&#99999999;",
    ],
)
def test_broken_markdown_still_parses(markdown: str) -> None:
    _, text, _ = render(markdown)
    letters = [ch for ch in markdown if ch.isalnum()]
    assert [ch for ch in text if ch.isalnum()] == letters


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("<b>not bold</b>", "<b>not bold</b>"),
        ("text </i> more", "text </i> more"),
        ("fish & chips", "fish & chips"),
        ("&amp; &lt; &copy; &#60;", "&amp; &lt; &copy; &#60;"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("a < b > c", "a < b > c"),
        ('<a href="https://evil">x</a>', '<a href="https://evil">x</a>'),
        ("<div>\nblock html\n</div>", "<div>\nblock html\n</div>"),
        ("<!-- comment -->", "<!-- comment -->"),
    ],
)
def test_html_in_the_answer_is_shown_not_obeyed(markdown: str, shown: str) -> None:
    _, text, entities = render(markdown)
    assert text == shown
    assert entities == []


def test_html_inside_code_is_escaped() -> None:
    html, text, _ = render("`<b>&amp;</b>`\n\n```html\n<script>x</script>\n```")
    assert text == "<b>&amp;</b>\n\n<script>x</script>"
    assert "<script>" not in html


@pytest.mark.parametrize("depth", [3, 12, 40, 300])
def test_deep_nesting_keeps_every_word(depth: int) -> None:
    quotes = "> " * depth + "deep quote"
    lists = "".join("  " * level + f"- item{level}\n" for level in range(depth))
    for markdown in (quotes, lists, "*_" * depth + "core" + "_*" * depth):
        _, text, _ = render(markdown)
        for word in ("deep", "quote", "item0", f"item{depth - 1}", "core"):
            assert (word in text) == (word in markdown)


def test_a_parser_failure_sends_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(markdown_module._PARSER, "parse", broken)
    assert to_telegram_html("**a** <b> & c\n") == "**a** &lt;b&gt; &amp; c"


# --- splitting -------------------------------------------------------------------------------


def test_short_answer_is_one_chunk() -> None:
    markdown = "**Hi!** See [docs](https://e.com)."
    assert render_chunks(markdown) == [to_telegram_html(markdown)]


def test_long_answer_with_code_block_and_huge_word() -> None:
    rnd = random.Random(7)
    vocabulary = ["deploy", "**server**", "_нагрузка_", "`kubectl`", "a<b", "R&D", "кластер"]
    vocabulary += ["[docs](https://example.com/x?a=1&b=2)", "~~old~~", "okay"]

    def paragraph() -> str:
        return " ".join(rnd.choice(vocabulary) for _ in range(rnd.randint(10, 60)))

    prose = ""
    while len(prose) < 10_000:
        prose += paragraph() + "\n\n"
    code_lines = [f"    value_{i} = compute({i}) < LIMIT & mask  # шаг {i}" for i in range(140)]
    code = "\n".join(code_lines)
    assert len(code) >= 6_000
    word = "Z" * 5_000
    markdown = f"# Report\n\n{prose}```python\n{code}\n```\n\n{word}\n\n- last\n- items\n"

    chunks = check_chunks(markdown, 4096)
    assert len(chunks) >= 6
    texts = [parse_html(chunk)[0] for chunk in chunks]
    joined = "\n".join(texts)
    for line in code_lines:  # code was cut between lines only
        assert line in joined
    # The code block continues in a new <pre> with the same language.
    code_chunks = [chunk for chunk in chunks if 'class="language-python"' in chunk]
    assert len(code_chunks) >= 2
    assert all(chunk.count("<pre>") == chunk.count("</pre>") for chunk in chunks)
    # No word was cut but the one longer than a message.
    words = {w for text in texts for w in text.split()}
    full_text, _ = parse_html(to_telegram_html(markdown))
    assert set(full_text.split()) - words == {word}
    assert "".join(texts).count("Z") == 5_000


def test_paragraph_boundaries_come_first() -> None:
    paragraphs = [f"Paragraph {i} " + "word " * 30 for i in range(10)]
    chunks = check_chunks("\n\n".join(paragraphs), 400)
    for chunk in chunks:
        text, _ = parse_html(chunk)
        assert text.startswith("Paragraph")
        assert text.rstrip().endswith("word")


def test_lines_then_words_when_no_paragraph_fits() -> None:
    lines = "\n".join(f"line {i} " + "x" * 20 for i in range(40))
    for chunk in check_chunks(lines, 100):
        assert parse_html(chunk)[0].startswith("line ")
    words = " ".join(f"w{i}" for i in range(200))
    for chunk in check_chunks(words, 50):
        text = parse_html(chunk)[0]
        assert all(part.startswith("w") and part[1:].isdigit() for part in text.split())


def test_formatting_is_reopened_across_chunks() -> None:
    markdown = "**" + " ".join(["bold"] * 40) + "** and [a link with many words](https://e.com)"
    chunks = check_chunks(markdown, 60)
    assert all(chunk.startswith("<b>") for chunk in chunks[:3])
    link_chunks = [chunk for chunk in chunks if "https://e.com" in chunk]
    assert link_chunks
    for chunk in link_chunks:
        links = [e for e in parse_html(chunk)[1] if e["type"] == "text_link"]
        assert [e["url"] for e in links] == ["https://e.com"]


def test_quote_split_into_quotes() -> None:
    markdown = "> " + "quoted words here " * 30
    chunks = check_chunks(markdown, 100)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.startswith("<blockquote>")
        assert chunk.endswith("</blockquote>")


def test_split_never_breaks_references_or_surrogate_pairs() -> None:
    html = "&amp;&lt;&#128512;😀" * 50
    for limit in (1, 2, 3, 7):
        chunks = split_message(html, limit)
        for chunk in chunks:
            text, _ = parse_html(chunk)
            assert utf16_len(text) <= max(limit, 2)
        assert "".join(parse_html(chunk)[0] for chunk in chunks) == "&<😀😀" * 50


def test_split_message_on_handmade_html() -> None:
    html = '<b>one two</b> <a href="https://e.com?a=1&amp;b=2">three four</a> five'
    chunks = split_message(html, 9)
    assert chunks == [
        "<b>one two</b>",
        '<a href="https://e.com?a=1&amp;b=2">three</a>',
        '<a href="https://e.com?a=1&amp;b=2">four</a> five',
    ]
    for chunk in chunks:
        parse_html(chunk)


def test_split_message_rejects_a_non_positive_limit() -> None:
    with pytest.raises(ValueError):
        split_message("text", 0)


def test_visible_length_counts_utf16_units() -> None:
    html = '<b>a&amp;b</b> <a href="https://x.io">😀</a> &#x41;&quot;&copy;'
    assert visible_length(html) == utf16_len(parse_html(html)[0]) == 15


# --- any input at all ------------------------------------------------------------------------


class _NoFallback:
    """Stands in for the logger: the renderer must never need its plain-text fallback."""

    def exception(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("Markdown rendering failed")


def test_random_markdown_never_breaks_telegram(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(markdown_module, "logger", _NoFallback())
    rnd = random.Random(20240501)
    pieces = [*"*_`~[]()<>&#!-|\\:/\"' \n", "\n\n", "```", "**", "> ", "- ", "1. "]
    pieces += ["http://x.io", "javascript:", "&amp;", "<b>", "</i>", "word", "слово", "😀"]
    for _ in range(400):
        markdown = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 60)))
        html = to_telegram_html(markdown)
        parse_html(html)
        limit = rnd.choice([5, 16, 40])
        check_chunks(markdown, limit)
