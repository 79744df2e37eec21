"""The replay's transcript and what-if, and their three forms: plain text for the terminal,
Markdown for a ticket, JSON for tools. Everything here is already masked (bot/cli/replay.py
builds it); this module only lays it out."""

from __future__ import annotations

import difflib
import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

WRAP = 96  # texts are wrapped before the diff, so a long answer differs line by line
_INDENT = " " * 29  # under a transcript line's text
LLM_LABELS = ("model", "prompt", "tokens", "cost", "latency", "answer confidence")


def render(
    fmt: str,
    transcript: Transcript,
    comparisons: Sequence[Comparison] | None,
    llm: str | None,
) -> str:
    if fmt == "json":
        return json.dumps(as_json(transcript, comparisons, llm), ensure_ascii=False, indent=2)
    if fmt == "md":
        return markdown(transcript, comparisons, llm)
    return text(transcript, comparisons, llm)


# ---------------------------------------------------------------------- the data


@dataclass(frozen=True)
class LlmCall:
    model: str | None
    prompt_version: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cached_tokens: int | None
    cost_usd: Decimal | None
    latency_ms: int | None
    confidence: float | None


@dataclass(frozen=True)
class Line:
    """One message of the transcript, its text masked."""

    id: int
    time: datetime
    sender: str  # user, bot, agent, system
    text: str
    agent_id: int | None = None
    intent: str | None = None
    intent_confidence: float | None = None
    source: str | None = None
    llm: LlmCall | None = None


@dataclass(frozen=True)
class Transcript:
    id: int
    user_id: int
    status: str
    language: str
    started: datetime
    lines: tuple[Line, ...]
    truncated: bool = False


@dataclass(frozen=True)
class Reply:
    """An answer to a user message, stored or today's (text masked)."""

    text: str
    intent: str | None
    confidence: float | None
    source: str | None
    llm: LlmCall | None = None


@dataclass(frozen=True)
class Comparison:
    message_id: int
    time: datetime
    question: str  # masked
    stored: Reply
    today: Reply

    @property
    def differences(self) -> tuple[str, ...]:
        """What differs: "intent", "source", "text" (none when today's answer is the same)."""
        found = []
        if self.stored.intent != self.today.intent:
            found.append("intent")
        if self.stored.source != self.today.source:
            found.append("source")
        if self.stored.text.strip() != self.today.text.strip():
            found.append("text")
        return tuple(found)


# ---------------------------------------------------------------------- shared pieces


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def header(transcript: Transcript) -> str:
    cut = f" (only the newest {len(transcript.lines)})" if transcript.truncated else ""
    return (
        f"Conversation {transcript.id} · user {transcript.user_id} · status {transcript.status}"
        f" · language {transcript.language} · started {when(transcript.started)} UTC"
        f" · {len(transcript.lines)} messages{cut}"
    )


def _confidence(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _intent(intent: str | None, confidence: float | None) -> str:
    if intent is None:
        return "-"
    return intent if confidence is None else f"{intent} ({confidence:.2f})"


def llm_facts(call: LlmCall | None) -> dict[str, str]:
    """An LLM call's metadata as labelled values (missing ones as "-")."""
    if call is None:
        return {}

    def value(item: object, fmt: str = "{}") -> str:
        return "-" if item is None else fmt.format(item)

    return {
        "model": value(call.model),
        "prompt": value(call.prompt_version),
        "tokens": f"{value(call.prompt_tokens)} in / {value(call.completion_tokens)} out"
        f" ({value(call.cached_tokens)} cached)",
        "cost": value(call.cost_usd, "${:.6f}"),
        "latency": value(call.latency_ms, "{} ms"),
        "answer confidence": _confidence(call.confidence),
    }


def meta(line: Line) -> str:
    """How a bot answer was made, on one line: intent, source and the LLM call."""
    parts = [f"intent {_intent(line.intent, line.intent_confidence)}",
             f"source {line.source or '-'}"]  # fmt: skip
    parts += [f"{label} {value}" for label, value in llm_facts(line.llm).items()]
    return " · ".join(parts)


def rows(comparison: Comparison) -> list[tuple[str, str, str]]:
    """(label, stored, today) for the side-by-side table."""
    stored, today = comparison.stored, comparison.today
    table = [
        ("intent", _intent(stored.intent, stored.confidence),
         _intent(today.intent, today.confidence)),
        ("source", stored.source or "-", today.source or "-"),
    ]  # fmt: skip
    before, after = llm_facts(stored.llm), llm_facts(today.llm)
    if before or after:
        table += [(label, before.get(label, "-"), after.get(label, "-")) for label in LLM_LABELS]
    return table


def diff(comparison: Comparison) -> list[str]:
    """The answer's text, stored against today's, as a unified diff of wrapped lines."""
    return list(
        difflib.unified_diff(
            _wrapped(comparison.stored.text), _wrapped(comparison.today.text),
            "stored", "today", lineterm="", n=1,
        )
    )  # fmt: skip


def _wrapped(value: str) -> list[str]:
    return [
        wrapped
        for paragraph in value.strip().splitlines()
        for wrapped in (textwrap.wrap(paragraph, WRAP) or [""])
    ]


def summary(comparisons: Sequence[Comparison]) -> str:
    different = [c for c in comparisons if c.differences]
    kinds = sorted({kind for c in different for kind in c.differences})
    what = f" ({', '.join(kinds)})" if kinds else ""
    same = len(comparisons) - len(different)
    return (
        f"{len(comparisons)} turn(s) replayed: {same} the same, {len(different)} different{what}"
    )


def what_if_title(llm: str | None) -> str:
    if llm is None:
        return "What if: today's detector and routing (no LLM configured: LONGCAT_API_KEY unset)"
    return f"What if: today's detector, routing and prompts (LLM: {llm})"


# ---------------------------------------------------------------------- text


def text(transcript: Transcript, comparisons: Sequence[Comparison] | None, llm: str | None) -> str:
    out = [header(transcript), ""]
    for line in transcript.lines:
        body = line.text.splitlines() or [""]
        out.append(f"{when(line.time)}  {line.sender:<6}  {body[0]}")
        out += [f"{_INDENT}{rest}" for rest in body[1:]]
        if line.sender == "bot":
            out.append(f"{_INDENT}[{meta(line)}]")
    if comparisons is not None:
        out += ["", what_if_title(llm)]
        for number, comparison in enumerate(comparisons, 1):
            out += ["", *_text_turn(number, comparison)]
        out += ["", summary(comparisons)]
    return "\n".join(out) + "\n"


def _text_turn(number: int, comparison: Comparison) -> list[str]:
    out = [f"Turn {number} · {when(comparison.time)} · message {comparison.message_id}"]
    question = comparison.question.splitlines() or [""]
    out += [f"  user: {question[0]}", *(f"        {rest}" for rest in question[1:])]
    table = [("", "stored", "today"), *rows(comparison)]
    labels = max(len(label) for label, _stored, _today in table) + 2
    width = max(len(stored) for _label, stored, _today in table) + 2
    for label, stored, today in table:
        mark = "*" if label in ("intent", "source") and stored != today else " "
        out.append(f"{mark} {label:<{labels}}{stored:<{width}}{today}".rstrip())
    if "text" not in comparison.differences:
        out.append("  answer: the same")
    else:
        out += ["  answer differs:", *(f"    {line}" for line in diff(comparison))]
    return out


# ---------------------------------------------------------------------- Markdown


def _quote(value: str) -> list[str]:
    return [f"> {line}".rstrip() for line in (value.splitlines() or [""])]


def _fence(lines: Sequence[str]) -> str:
    """A code fence longer than any run of backticks in the lines (a quoted code block)."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(
    transcript: Transcript, comparisons: Sequence[Comparison] | None, llm: str | None
) -> str:
    out = [f"# Conversation {transcript.id}", "", header(transcript), ""]
    for line in transcript.lines:
        title = f"**{when(line.time)} · {line.sender}**"
        if line.sender == "bot":
            title += f" — {meta(line)}"
        out += [title, "", *_quote(line.text), ""]
    if comparisons is not None:
        out += [f"## {what_if_title(llm)}", ""]
        for number, comparison in enumerate(comparisons, 1):
            out += [
                f"### Turn {number} · {when(comparison.time)} · message {comparison.message_id}",
                "",
                *_quote(comparison.question),
                "",
                "| | stored | today |",
                "|---|---|---|",
            ]
            out += [f"| {label} | {_cell(a)} | {_cell(b)} |" for label, a, b in rows(comparison)]
            out.append("")
            if "text" in comparison.differences:
                lines = diff(comparison)
                fence = _fence(lines)
                out += [f"{fence}diff", *lines, fence, ""]
            else:
                out += ["The same answer.", ""]
        out += [summary(comparisons), ""]
    return "\n".join(out)


# ---------------------------------------------------------------------- JSON


def _call_json(call: LlmCall | None) -> dict[str, Any] | None:
    if call is None:
        return None
    found = asdict(call)
    found["cost_usd"] = None if call.cost_usd is None else str(call.cost_usd)
    return found


def _reply_json(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "intent": reply.intent,
        "confidence": reply.confidence,
        "source": reply.source,
        "llm": _call_json(reply.llm),
    }


def as_json(
    transcript: Transcript, comparisons: Sequence[Comparison] | None, llm: str | None
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "conversation": {
            "id": transcript.id,
            "user_id": transcript.user_id,
            "status": transcript.status,
            "language": transcript.language,
            "started": transcript.started.isoformat(),
            "messages": len(transcript.lines),
            "truncated": transcript.truncated,
        },
        "messages": [
            {
                "id": line.id,
                "time": line.time.isoformat(),
                "sender": line.sender,
                "agent_id": line.agent_id,
                "text": line.text,
                "intent": line.intent,
                "intent_confidence": line.intent_confidence,
                "source": line.source,
                "llm": _call_json(line.llm),
            }
            for line in transcript.lines
        ],
        "what_if": None,
    }
    if comparisons is not None:
        found["what_if"] = {
            "llm": llm,
            "summary": summary(comparisons),
            "turns": [
                {
                    "message_id": c.message_id,
                    "time": c.time.isoformat(),
                    "question": c.question,
                    "stored": _reply_json(c.stored),
                    "today": _reply_json(c.today),
                    "differences": list(c.differences),
                }
                for c in comparisons
            ],
        }
    return found
