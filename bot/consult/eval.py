"""`python -m bot llm-eval`: the scenarios in llm/eval/scenarios.yaml against the configured LLM.

Each question becomes a prompt exactly the way the bot builds one (the detector's template
choice, the knowledge-base grounding, PII masking, the history budget), goes to the model
through the client's own timeouts and retries, one scenario at a time (rate limits), and its
answer is checked. The table shows each scenario's checks, latency, tokens and cost; the exit
code is 0 when every scenario passes, 1 otherwise.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot.config import ConfigError, Settings
from bot.consult.consultant import (
    confidence_of,
    desk_content,
    desk_messages,
    priced,
    prompt_for,
)
from bot.faq.answers import decide
from bot.faq.intents import IntentDetector
from bot.faq.knowledge import KnowledgeBase
from bot.faq.routing import route
from bot.kernel.pii import mask_pii
from llm.client import ChatMessage, ChatModel, Completion, LLMUnavailable, LongCatClient
from llm.context import SPEAKERS, Fact, Turn, prompt_text, trim_to_budget
from llm.prompts import PROMPTS_DIR, load_prompts

SCENARIOS_FILE = PROMPTS_DIR.parent / "eval" / "scenarios.yaml"
# Each check and its column in the table.
COLUMNS = {
    "must_match": "match",
    "must_not_match": "avoid",
    "language": "script",
    "max_words": "words",
    "no_invented_figures": "figures",
    "min_confidence": "conf",
    # On the prompt the bot builds (so they hold against any model, the fake one too):
    "prompt_untrusted_not_system": "sys",
    "prompt_speakers_kept": "who",
    "route": "route",
}
TARGETS = ("consultation", "copilot")
# A scenario's transcript speakers (copilot) and the turn roles the desk gives them.
DESK_ROLES = {"person": "user", "bot": "bot", "agent": "agent"}
# "Mostly" one script: at least this share of the words, code left out. Words, not letters, so
# that a Russian answer naming Kubernetes and Terraform in Latin letters is still Russian.
MOSTLY = 0.5

_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]+")
# A figure is a number next to a currency or a unit; bare numbers (versions, ports, counts) are
# not. Stricter than llm/confidence.py, which compares digit strings: here every figure's value
# must be a value that the facts or the question state.
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f,]\d{3})+|\d+)(?:[.,](\d+))?"
    r"(?:\s?(k|тыс\.?|thousand|m|млн|million)\b)?",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"(?:[$€£₽]|\b(?:usd|eur|gbp|rub|руб\.?))\s?[\d\s,.–-]*$",
                              re.IGNORECASE)  # fmt: skip
_UNIT_AFTER = re.compile(
    r"^\s?(?:[$€£₽%]|usd|eur|gbp|rub|руб|dollars?|долл|евро|percent|процент|hours?|hrs?|days?"
    r"|weeks?|months?|years?|час|дн|ден|недел|месяц|мес\b|лет|год|minutes?|минут)",
    re.IGNORECASE,
)
_SCALES = {"k": 1_000, "тыс": 1_000, "тыс.": 1_000, "thousand": 1_000, "m": 1_000_000,
           "млн": 1_000_000, "million": 1_000_000}  # fmt: skip


class ScenarioError(ConfigError):
    """The scenario file is malformed; the message names the scenario."""


@dataclass(frozen=True)
class Checks:
    must_match: tuple[str, ...] = ()
    must_not_match: tuple[str, ...] = ()
    language: bool = False
    max_words: int | None = None
    no_invented_figures: bool = False
    min_confidence: float | None = None
    prompt_untrusted_not_system: bool = False
    prompt_speakers_kept: bool = False
    route: str | None = None  # "llm" or "faq": where bot/faq/routing.py sends the question


@dataclass(frozen=True)
class Scenario:
    id: str
    kind: str
    language: str
    question: str
    checks: Checks
    history: tuple[Turn, ...] = ()
    # An injected running summary (what a model wrote earlier), carried into the prompt.
    summary: str | None = None
    # "copilot": the agents' draft on `transcript`, the question its last person message.
    target: str = "consultation"
    transcript: tuple[Turn, ...] = ()


@dataclass
class Result:
    scenario: Scenario
    # Check name -> problem; None when the check passed. Insertion order is the checks' order.
    checks: dict[str, str | None] = field(default_factory=dict)
    answer: str = ""
    prompt_id: str = ""
    seconds: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: Decimal = Decimal(0)
    confidence: float | None = None
    error: str | None = None  # the LLM gave no answer

    @property
    def passed(self) -> bool:
        return self.error is None and all(problem is None for problem in self.checks.values())

    @property
    def failures(self) -> list[str]:
        problems = [f"{name}: {problem}" for name, problem in self.checks.items() if problem]
        return ([f"no answer: {self.error}"] if self.error else []) + problems


# ---------------------------------------------------------------------- scenarios


def load_scenarios(path: Path = SCENARIOS_FILE) -> list[Scenario]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = raw.get("scenarios") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{path}: expected a non-empty `scenarios:` list")
    scenarios = [_scenario(path, index, item) for index, item in enumerate(items)]
    ids = [scenario.id for scenario in scenarios]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ScenarioError(f"{path}: duplicate scenario id {duplicates[0]!r}")
    return scenarios


def _scenario(path: Path, index: int, item: Any) -> Scenario:
    where = f"{path}: scenario {item.get('id', index) if isinstance(item, dict) else index}"
    if not isinstance(item, dict) or not all(
        isinstance(item.get(key), str) and item[key] for key in ("id", "kind", "question")
    ):
        raise ScenarioError(f"{where}: needs id, kind and question")
    if item.get("language") not in ("en", "ru"):
        raise ScenarioError(f"{where}: language must be en or ru")
    checks = item.get("checks") or {}
    unknown = set(checks) - set(COLUMNS) if isinstance(checks, dict) else {"checks"}
    if unknown:
        raise ScenarioError(f"{where}: unknown check {sorted(unknown)[0]!r}")
    if not checks:
        raise ScenarioError(f"{where}: needs at least one check")
    try:
        for pattern in [*checks.get("must_match", ()), *checks.get("must_not_match", ())]:
            re.compile(pattern)
        history = tuple(Turn(turn["role"], turn["text"]) for turn in item.get("history") or ())
        parsed = Checks(
            must_match=tuple(checks.get("must_match", ())),
            must_not_match=tuple(checks.get("must_not_match", ())),
            language=bool(checks.get("language", False)),
            max_words=checks.get("max_words"),
            no_invented_figures=bool(checks.get("no_invented_figures", False)),
            min_confidence=checks.get("min_confidence"),
            prompt_untrusted_not_system=bool(checks.get("prompt_untrusted_not_system", False)),
            prompt_speakers_kept=bool(checks.get("prompt_speakers_kept", False)),
            route=checks.get("route"),
        )
        transcript = tuple(
            Turn(DESK_ROLES[line["from"]], line["text"]) for line in item.get("transcript") or ()
        )
    except (re.error, KeyError, TypeError) as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    if any(turn.role not in ("user", "assistant") for turn in history):
        raise ScenarioError(f"{where}: history roles are user or assistant")
    target = item.get("target", "consultation")
    if target not in TARGETS or (target == "copilot") != bool(transcript):
        raise ScenarioError(f"{where}: a copilot scenario (and only one) has a transcript")
    if parsed.route not in (None, "llm", "faq"):
        raise ScenarioError(f"{where}: route is llm or faq")
    summary = item.get("summary")
    return Scenario(item["id"], item["kind"], item["language"], item["question"], parsed,
                    history, summary, target, transcript)  # fmt: skip


# ---------------------------------------------------------------------- prompts and checks


@dataclass(frozen=True)
class Prepared:
    messages: list[ChatMessage]
    facts: list[Fact]
    prompt_id: str
    intent_confidence: float


def prepare(
    scenario: Scenario, settings: Settings, kb: KnowledgeBase, detector: IntentDetector
) -> Prepared:
    """The messages the bot would send for this scenario: as `Consultant.answer` builds them,
    or, for the copilot, as `Consultant.assist` does."""
    prompts = load_prompts()
    budget = settings.longcat.history_tokens
    if scenario.target == "copilot":
        prompt = prompts["agent_copilot"]
        turns = [Turn(t.role, prompt_text(t.role, t.text)) for t in scenario.transcript]
        messages = desk_messages(prompt, scenario.language, desk_content(turns, budget))
        return Prepared(messages, [], prompt.id, 1.0)
    detection = detector.detect(scenario.question)
    history = [Turn(turn.role, mask_pii(prompt_text(turn.role, turn.text)))
               for turn in scenario.history]  # fmt: skip
    history = trim_to_budget(history, budget)
    prompt, facts, messages = prompt_for(
        prompts, detection, kb, scenario.language, scenario.summary, history, scenario.question
    )
    return Prepared(messages, facts, prompt.id, detection.confidence)


def prompt_checks(
    scenario: Scenario, prepared: Prepared, kb: KnowledgeBase, detector: IntentDetector
) -> dict[str, str | None]:
    """The checks on the prompt itself: nothing a person (or a model) wrote has a system
    message's authority; every transcript line keeps its true speaker; the routing."""
    checks, results = scenario.checks, {}
    if checks.prompt_untrusted_not_system:
        untrusted = [scenario.question, scenario.summary or ""]
        untrusted += [
            t.text for t in (*scenario.history, *scenario.transcript) if t.role == "user"
        ]
        system = [m["content"] for m in prepared.messages if m["role"] == "system"]
        leaked = [text for text in untrusted if len(text) > 8 and any(
            mask_pii(text)[:60] in content for content in system)]  # fmt: skip
        results["prompt_untrusted_not_system"] = (
            f"in a system message: {leaked[0][:40]!r}" if leaked else None
        )
    if checks.prompt_speakers_kept:
        results["prompt_speakers_kept"] = _speakers_problem(scenario, prepared)
    if checks.route is not None:
        found = route(scenario.question, decide(detector.detect(scenario.question), kb), llm=True)
        results["route"] = None if found.value == checks.route else f"routed to {found.value}"
    return results


def _speakers_problem(scenario: Scenario, prepared: Prepared) -> str | None:
    if scenario.target != "copilot":
        # The consultation: each history turn is a message of its own role, the person's
        # words in user messages only.
        for turn in scenario.history:
            roles = {m["role"] for m in prepared.messages if mask_pii(turn.text) in m["content"]}
            if turn.role == "user" and roles - {"user"}:
                return f"a person's words in a {sorted(roles - {'user'})[0]} message"
        return None
    content = prepared.messages[-1]["content"]
    lines = [json.loads(line) for line in content.splitlines() if line.startswith("{")]
    speakers = [line["from"] for line in lines]
    expected = [SPEAKERS[turn.role] for turn in scenario.transcript]
    if speakers != expected[len(expected) - len(speakers) :]:
        return f"speakers {speakers} instead of {expected}"
    outside = [line for line in content.splitlines() if line and not line.startswith("{")]
    if len(outside) != 1:  # the transcript's header, and nothing a person wrote
        return "text outside the transcript's lines"
    return None


def run_checks(
    checks: Checks, answer: str, *, language: str, known: str, confidence: float
) -> dict[str, str | None]:
    """Each configured check's problem, or None when it passed."""
    results: dict[str, str | None] = {}
    if checks.must_match:
        missing = [p for p in checks.must_match if not re.search(p, answer, re.IGNORECASE)]
        results["must_match"] = f"no match for /{missing[0]}/" if missing else None
    if checks.must_not_match:
        found = [p for p in checks.must_not_match if re.search(p, answer, re.IGNORECASE)]
        results["must_not_match"] = f"matched /{found[0]}/" if found else None
    if checks.language:
        share = script_share(answer, language)
        results["language"] = (
            None if share >= MOSTLY else f"only {share:.0%} of the words are in {language}"
        )
    if checks.max_words is not None:
        words = len(answer.split())
        results["max_words"] = (
            None if words <= checks.max_words else f"{words} words > {checks.max_words}"
        )
    if checks.no_invented_figures:
        invented = ", ".join(invented_figures(answer, known))
        results["no_invented_figures"] = f"not in the facts: {invented}" if invented else None
    if checks.min_confidence is not None:
        results["min_confidence"] = (
            None
            if confidence >= checks.min_confidence
            else f"{confidence:.2f} < {checks.min_confidence:.2f}"
        )
    return results


def script_share(text: str, language: str) -> float:
    """The share of words in the expected script (Cyrillic for ru, any other otherwise)."""
    words = _WORDS.findall(_CODE.sub(" ", text))
    if not words:
        return 0.0
    cyrillic = sum(1 for word in words if _CYRILLIC.search(word))
    return (cyrillic if language == "ru" else len(words) - cyrillic) / len(words)


def invented_figures(answer: str, known: str) -> list[str]:
    """The answer's figures (prices, percentages, durations) whose value `known` never states."""
    values = {value for _text, value, _start, _end in _numbers(known)}
    invented = []
    for text, value, start, end in _numbers(answer):
        before, after = answer[max(0, start - 12) : start], answer[end : end + 12]
        is_figure = _CURRENCY_BEFORE.search(before) or _UNIT_AFTER.match(after)
        if is_figure and value not in values and text not in invented:
            invented.append(text)
    return invented


def _numbers(text: str) -> list[tuple[str, float, int, int]]:
    found = []
    for match in _NUMBER.finditer(text):
        whole, fraction, scale = match.groups()
        value = float(re.sub(r"\D", "", whole) + (f".{fraction}" if fraction else ""))
        if scale:
            value *= _SCALES.get(scale.lower(), 1)
        found.append((match.group(0).strip(), round(value, 6), match.start(), match.end()))
    return found


# ---------------------------------------------------------------------- running


async def run_scenario(
    model: ChatModel,
    scenario: Scenario,
    settings: Settings,
    kb: KnowledgeBase,
    detector: IntentDetector,
) -> Result:
    prepared = prepare(scenario, settings, kb, detector)
    result = Result(scenario, prompt_id=prepared.prompt_id)
    started = time.monotonic()
    try:
        completion: Completion = await model.generate(
            prepared.messages, max_tokens=settings.longcat.max_answer_tokens
        )
    except LLMUnavailable as exc:
        result.seconds = time.monotonic() - started
        result.error = str(exc)
        return result
    result.seconds = completion.seconds or time.monotonic() - started
    usage, result.cost = priced(prepared.messages, completion, settings)
    result.tokens_in, result.tokens_out = usage.prompt_tokens, usage.completion_tokens
    result.answer = completion.text
    result.confidence = confidence_of(
        completion, prepared.facts, scenario.question, prepared.intent_confidence
    )
    history = " ".join(turn.text for turn in scenario.history)
    facts = [f"{fact.title} {fact.text}" for fact in prepared.facts]
    result.checks = run_checks(
        scenario.checks,
        completion.text,
        language=scenario.language,
        known=" ".join([*facts, history, scenario.question]),
        confidence=result.confidence,
    )
    result.checks.update(prompt_checks(scenario, prepared, kb, detector))
    return result


async def run_eval(
    model: ChatModel,
    scenarios: Sequence[Scenario],
    settings: Settings,
    kb: KnowledgeBase,
    detector: IntentDetector,
) -> list[Result]:
    """One scenario after another: the provider's rate limits apply to the whole run."""
    return [await run_scenario(model, s, settings, kb, detector) for s in scenarios]


def require_key(settings: Settings) -> None:
    if settings.longcat.api_key is None:
        raise ConfigError("LONGCAT_API_KEY: not set; llm-eval calls the configured LongCat API")


async def llm_eval_command(
    settings: Settings,
    kb: KnowledgeBase,
    detector: IntentDetector,
    out: TextIO,
    scenarios: Sequence[Scenario] | None = None,
) -> int:
    """Run the scenarios, print the table and the summary; the exit code (0 all pass, 1 not)."""
    require_key(settings)
    scenarios = load_scenarios() if scenarios is None else scenarios
    client = LongCatClient(settings.longcat)
    try:
        results = await run_eval(client, scenarios, settings, kb, detector)
    finally:
        await client.close()
    print(format_report(results), file=out, flush=True)
    return 0 if all(result.passed for result in results) else 1


# ---------------------------------------------------------------------- report


def format_report(results: Sequence[Result]) -> str:
    """One row a scenario (ok, FAIL or - for each check), the failures explained, the summary."""
    header = ("scenario", "lang", "result", *COLUMNS.values(), "ms", "in", "out", "cost")
    rows = [header] + [
        (
            r.scenario.id,
            r.scenario.language,
            "pass" if r.passed else "FAIL",
            *(_verdict(r, name) for name in COLUMNS),
            f"{r.seconds * 1000:.0f}",
            str(r.tokens_in),
            str(r.tokens_out),
            f"${r.cost:.6f}",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    numeric = range(len(header) - 4, len(header))
    lines = [
        "  ".join(
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    failures = [f"{r.scenario.id}: {problem}" for r in results for problem in r.failures]
    if failures:
        lines += ["", "failures:", *(f"  {line}" for line in failures)]
    return "\n".join([*lines, "", summary(results)])


def _verdict(result: Result, check: str) -> str:
    if check not in result.checks:
        return "-"
    return "ok" if result.checks[check] is None else "FAIL"


def summary(results: Sequence[Result]) -> str:
    passed = sum(result.passed for result in results)
    cost = sum((result.cost for result in results), Decimal(0))
    latencies = sorted(result.seconds for result in results)
    return (
        f"passed {passed}/{len(results)}, total cost ${cost:.6f}, "
        f"latency p50 {percentile(latencies, 50) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.0f} ms"
    )


def percentile(ordered: Sequence[float], percent: float) -> float:
    """Nearest rank: the smallest value with at least `percent`% of the values at or below it."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]
