"""The docs point at things that exist: every relative link in README.md, docs/*.md and
docs/runbooks/*.md names a file (and a heading, when it has an #anchor), every repository path
they mention exists, every `python -m bot` subcommand is real, every configuration variable in
backticks is one the settings read, and the agents' guide names the desk's real commands."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from aiogram import Router
from aiogram.filters import Command

from bot.__main__ import build_parser
from bot.config import variable_names
from handlers import get_routers

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("docs/runbooks/*.md")])
AGENTS = ROOT / "docs" / "agents.md"

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"(?<!!)\[(?:[^\]\n]|\][^(])*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = ("http://", "https://", "mailto:", "tg://")
# A path in this repository as the docs write it: a top-level folder, then names.
REPO_PATH = re.compile(
    r"(?<![\w./<-])(?:\.github|benchmarks|bot|db|deploy|dialogs|docs|handlers|llm|locales"
    r"|middlewares|migrations|scripts|states|tests)/[\w./*-]*"
)
PENDING_PATHS: frozenset[str] = frozenset()
# Prose that looks like a path: README's "handlers/dialogs → bot/<feature>" (both folders).
NOT_PATHS = frozenset({"handlers/dialogs"})
PENDING_COMMANDS: frozenset[str] = frozenset()
COMMAND = re.compile(r"python -m bot ([a-z][a-z-]*)")
VARIABLE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
# Upper-case names in the docs that are not the bot's settings, and why.
NOT_SETTINGS = {
    "POSTGRES_PASSWORD": "docker-compose.yml builds DATABASE_URL from it",
    "REDIS_PASSWORD": "docker-compose.yml builds REDIS_URL from it",
    "DEVBOT_ENV_FILE": "names the .env file (bot/config.py load_settings)",
    "DEVBOT_REQUIRE_SERVICES": "the test run's switch (.ci/run)",
    "REDISCLI_AUTH": "redis-cli's password variable (the compose health check)",
    "X_TELEGRAM_BOT_API_SECRET_TOKEN": "not a variable: the header, never written so",
}


def prose(text: str) -> str:
    """The text without fenced code blocks (their brackets are not links)."""
    return FENCE.sub("", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text, lower case, without punctuation, spaces as -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = text.replace("`", "").lower()
    kept = "".join(
        char for char in text if char in " -_" or unicodedata.category(char)[0] in ("L", "N")
    )
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(prose(path.read_text(encoding="utf-8"))):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path: Path) -> list[str]:
    problems = []
    text = CODE_SPAN.sub("", prose(path.read_text(encoding="utf-8")))
    for target in LINK.findall(text):
        if target.startswith(EXTERNAL):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            problems.append(f"{target}: no such heading")
    return problems


def test_slugs_are_githubs() -> None:
    assert slug("The bot token (`BOT_TOKEN`)") == "the-bot-token-bot_token"
    assert slug("1. Onboarding: /start") == "1-onboarding-start"
    assert slug("An update's path") == "an-updates-path"
    assert slug("Копилот и правила") == "копилот-и-правила"


def test_every_relative_link_in_the_docs_resolves() -> None:
    problems = [f"{path.relative_to(ROOT)}: {p}" for path in DOCS for p in broken_links(path)]
    assert not problems, "\n".join(problems)


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Real heading\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n[ok](other.md#real-heading) [self](#page) [web](https://example.com)\n"
        "[gone](missing.md) [bad anchor](other.md#nowhere) [bad self](#nothing)\n"
        "`[not a link](nowhere.md)`\n```\n[in code](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#nowhere: no such heading",
        "#nothing: no such heading",
    ]


def test_every_repository_path_named_in_the_docs_exists() -> None:
    missing = []
    for path in DOCS:
        for name in REPO_PATH.findall(path.read_text(encoding="utf-8")):
            name = name.rstrip(".")
            if name in PENDING_PATHS | NOT_PATHS:
                continue
            exists = any(ROOT.glob(name)) if "*" in name else (ROOT / name).exists()
            if not exists:
                missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert not missing, "\n".join(missing)


def test_every_command_line_subcommand_in_the_docs_is_real() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    real = set(subparsers.choices)  # type: ignore[arg-type]
    named = {
        (path.relative_to(ROOT), command)
        for path in DOCS
        for command in COMMAND.findall(path.read_text(encoding="utf-8"))
    }
    unknown = [f"{p}: {c}" for p, c in sorted(named) if c not in real | PENDING_COMMANDS]
    assert not unknown, "\n".join(unknown)


def test_configuration_variables_in_the_docs_are_settings() -> None:
    known = variable_names() | set(NOT_SETTINGS)
    unknown = []
    for path in DOCS:
        spans = CODE_SPAN.findall(path.read_text(encoding="utf-8"))
        for name in {n for span in spans for n in VARIABLE.findall(span)}:
            if name not in known:
                unknown.append(f"{path.relative_to(ROOT)}: {name}")
    assert not unknown, "\n".join(sorted(unknown))


def _commands(router: Router) -> set[str]:
    names = set()
    for handler in router.message.handlers:
        for callback in handler.filters or []:
            if isinstance(callback.callback, Command):
                names |= {str(c) for c in callback.callback.commands}
    for child in router.sub_routers:
        names |= _commands(child)
    return names


def test_the_agents_guide_names_the_real_commands() -> None:
    desk = next(r for r in get_routers() if r.name == "agents-chat")
    agent_commands = _commands(desk)
    every_command = set().union(*(_commands(r) for r in get_routers()))
    text = AGENTS.read_text(encoding="utf-8")
    in_guide = set(re.findall(r"`/([a-z]+)", text))
    assert agent_commands <= in_guide, agent_commands - in_guide
    assert in_guide <= every_command, in_guide - every_command
