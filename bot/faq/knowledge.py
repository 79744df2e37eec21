"""The knowledge base: the intent catalog (locales/intents.yaml) and, per language, a title, a
canned answer, follow-up actions and training examples for every intent (locales/<lang>/kb/).

An answer may be under an experiment: its entry's `variants` give other answers, each with the
percent of the people who see it (bot/experiments); the control, "a", is the entry's own
answer. Every language must give the same variants with the same weights.

Everything is validated when loaded; a problem raises KnowledgeBaseError naming the file and the
key, and start-up stops there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from bot.experiments.assignment import Experiment, weights_problem

CONVERSATIONAL = "conversational"
ACTIONS = frozenset({"estimate", "services", "consultation", "human", "contact"})
ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "code", "pre", "a", "blockquote"})
TITLE_LIMIT = 32
ANSWER_LIMIT = 3500  # well below Telegram's 4096, leaving room for a heading
MIN_EXAMPLES = 5
# Intents with no canned answer: they start a flow.
FLOW_INTENTS = frozenset({"flow.start_project"})


class KnowledgeBaseError(Exception):
    """The knowledge base is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Intent:
    id: str
    category: str
    description: str

    @property
    def is_faq(self) -> bool:
        return self.category != CONVERSATIONAL


@dataclass(frozen=True)
class AnswerVariant:
    name: str
    weight: int  # percent of the people
    answer: str


@dataclass(frozen=True)
class Entry:
    intent: str
    title: str
    answer: str | None
    actions: tuple[str, ...]
    examples: tuple[str, ...]
    variants: tuple[AnswerVariant, ...] = ()

    def weights(self) -> dict[str, int]:
        return {variant.name: variant.weight for variant in self.variants}


def experiment_name(intent: str) -> str:
    return f"faq.{intent}"


class KnowledgeBase:
    def __init__(
        self, catalog: dict[str, Intent], entries: dict[str, dict[str, Entry]], default: str
    ) -> None:
        self.catalog = catalog
        self.entries = entries
        self.default = default
        self._experiments = {
            intent: Experiment.with_control(experiment_name(intent), entry.weights())
            for intent, entry in entries[default].items()
            if entry.variants
        }

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.entries)

    def entry(self, language: str, intent: str) -> Entry:
        return self.entries.get(language, self.entries[self.default])[intent]

    def experiments(self) -> list[Experiment]:
        """The canned answers under an experiment, in catalog order."""
        return [self._experiments[i] for i in self.catalog if i in self._experiments]

    def variant_of(self, intent: str, person: int | None) -> str | None:
        """The label of the variant of `intent`'s answer that `person` sees; None when the
        answer is under no experiment (or nobody is asking: the control, not recorded)."""
        experiment = self._experiments.get(intent)
        if experiment is None or person is None:
            return None
        return experiment.label(experiment.assign(person).name)

    def answer(self, language: str, intent: str, person: int | None = None) -> str | None:
        """`intent`'s canned answer as `person` sees it (their variant under an experiment)."""
        entry = self.entry(language, intent)
        experiment = self._experiments.get(intent)
        if experiment is None or person is None:
            return entry.answer
        chosen = experiment.assign(person).name
        return next((v.answer for v in entry.variants if v.name == chosen), entry.answer)

    def categories(self) -> dict[str, list[str]]:
        """FAQ intents by category, in catalog order (the topics menu)."""
        result: dict[str, list[str]] = {}
        for intent in self.catalog.values():
            if intent.is_faq:
                result.setdefault(intent.category, []).append(intent.id)
        return result

    def examples(self) -> Iterator[tuple[str, str]]:
        """(text, intent) for every example of every language: the detector's training data."""
        for by_intent in self.entries.values():
            for entry in by_intent.values():
                for text in entry.examples:
                    yield text, entry.intent


def load_catalog(path: Path) -> dict[str, Intent]:
    data = _read_yaml(path)
    catalog: dict[str, Intent] = {}
    sections = (("faq", True), (CONVERSATIONAL, False))
    for section, nested in sections:
        groups = data.get(section)
        if not isinstance(groups, dict):
            raise KnowledgeBaseError(f"{path}: {section}: expected a mapping")
        items = groups.items() if nested else [(CONVERSATIONAL, groups)]
        for category, intents in items:
            if not isinstance(intents, dict):
                raise KnowledgeBaseError(f"{path}: {category}: expected a mapping of intents")
            for intent_id, spec in intents.items():
                description = spec.get("description", "") if isinstance(spec, dict) else ""
                catalog[intent_id] = Intent(intent_id, category, str(description))
    return catalog


def load_knowledge_base(locales_dir: Path, default: str = "en") -> KnowledgeBase:
    catalog = load_catalog(locales_dir / "intents.yaml")
    entries: dict[str, dict[str, Entry]] = {}
    for lang_dir in sorted(p for p in locales_dir.iterdir() if (p / "kb").is_dir()):
        entries[lang_dir.name] = _load_language(lang_dir / "kb", catalog)
    if default not in entries:
        raise KnowledgeBaseError(f"{locales_dir / default / 'kb'}: no knowledge base files")
    for language, by_intent in entries.items():
        for intent, entry in by_intent.items():
            expected = entries[default][intent].weights()
            if entry.weights() != expected:
                raise KnowledgeBaseError(
                    f"{locales_dir / language / 'kb'}: {intent}: variants {entry.weights()} "
                    f"differ from the {default} ones {expected}: every language needs the same"
                )
    return KnowledgeBase(catalog, entries, default)


def _load_language(kb_dir: Path, catalog: dict[str, Intent]) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for path in sorted(kb_dir.glob("*.yaml")):
        data = _read_yaml(path)
        for key, raw in data.items():
            if key not in catalog:
                raise KnowledgeBaseError(f"{path}: {key}: not an intent of the catalog")
            if key in entries:
                raise KnowledgeBaseError(f"{path}: {key}: defined twice")
            entries[key] = _entry(path, key, raw, catalog[key])
    for intent in catalog:
        if intent not in entries:
            raise KnowledgeBaseError(f"{kb_dir}: {intent}: missing")
    return entries


def _entry(path: Path, key: str, raw: Any, intent: Intent) -> Entry:
    def fail(problem: str) -> KnowledgeBaseError:
        return KnowledgeBaseError(f"{path}: {key}: {problem}")

    if not isinstance(raw, dict):
        raise fail("expected a mapping with title, answer and examples")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_LIMIT:
        raise fail(f"title must be text of at most {TITLE_LIMIT} characters")
    answer = raw.get("answer")
    if answer is None and key not in FLOW_INTENTS:
        raise fail("answer is missing")
    if answer is not None:
        if not isinstance(answer, str) or len(answer) > ANSWER_LIMIT:
            raise fail(f"answer must be text of at most {ANSWER_LIMIT} characters")
        if problem := _html_problem(answer):
            raise fail(f"answer: {problem}")
        answer = answer.strip()
    actions = raw.get("actions") or []
    if not isinstance(actions, list) or not set(actions) <= ACTIONS:
        raise fail(f"actions must be a list of {', '.join(sorted(ACTIONS))}")
    examples = raw.get("examples")
    if not isinstance(examples, list) or len(examples) < MIN_EXAMPLES:
        raise fail(f"examples must be a list of at least {MIN_EXAMPLES} phrases")
    if not all(isinstance(e, str) and e.strip() for e in examples):
        raise fail("examples must be non-empty text")
    return Entry(
        intent=intent.id,
        title=title.strip(),
        answer=answer,
        actions=tuple(actions),
        examples=tuple(e.strip() for e in examples),
        # A flow's entry (the intake) is never shown as an answer: nothing to vary.
        variants=_variants(raw.get("variants"), None if key in FLOW_INTENTS else answer, fail),
    )


def _variants(
    raw: Any, answer: str | None, fail: Callable[[str], KnowledgeBaseError]
) -> tuple[AnswerVariant, ...]:
    """An experiment's other answers: `variants: {b: {weight: 50, answer: ...}}`."""
    if raw is None:
        return ()
    if answer is None:
        raise fail("variants: only an answer the bot shows can have variants")
    if not isinstance(raw, dict) or not raw:
        raise fail("variants: expected a mapping of variant names to weight and answer")
    found = []
    for name, spec in raw.items():
        if not isinstance(spec, dict) or set(spec) != {"weight", "answer"}:
            raise fail(f"variants: {name}: expected exactly a weight and an answer")
        text = spec["answer"]
        if not isinstance(text, str) or not text.strip() or len(text) > ANSWER_LIMIT:
            raise fail(f"variants: {name}: answer must be text of at most {ANSWER_LIMIT} chars")
        if problem := _html_problem(text):
            raise fail(f"variants: {name}: answer: {problem}")
        found.append(AnswerVariant(str(name), spec["weight"], text.strip()))
    if problem := weights_problem({v.name: v.weight for v in found}):
        raise fail(f"variants: {problem}")
    return tuple(found)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{path}: cannot be read: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{path}: expected a mapping at the top level")
    return data


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problem = self.problem or f"tag <{tag}> is not allowed in Telegram HTML"
        if tag == "a" and not dict(attrs).get("href"):
            self.problem = self.problem or "<a> needs an href"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problem = self.problem or f"</{tag}> does not close the open tag"


def _html_problem(text: str) -> str | None:
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    if checker.problem:
        return checker.problem
    if checker.stack:
        return f"<{checker.stack[-1]}> is never closed"
    # A bare '<' that is not a tag would make Telegram refuse the whole message.
    stripped = text
    for tag in ALLOWED_TAGS:
        stripped = stripped.replace(f"<{tag}>", "").replace(f"</{tag}>", "")
    stripped = stripped.replace("<a href=", "")
    if "<" in stripped.replace("</a>", ""):
        return "a bare '<' must be written &lt;"
    return None
