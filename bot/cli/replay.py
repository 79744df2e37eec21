"""`python -m bot replay CONVERSATION_ID`: a stored conversation as a transcript, and what today's
bot would answer.

The transcript shows every message (time, sender, text) and, for the bot's answers, how each was
made: intent and confidence, answer source, and for LLM answers the model, prompt version,
tokens, cost, latency and the answer's confidence. Texts are stored as the person typed them, so
they are masked here (bot/kernel/pii.py, with the names the person gave): a transcript goes into
tickets and chats, and never carries more than the masked form.

`--what-if` sends each user message that the bot answered through today's detector, the FAQ's
decision and routing, and (when LONGCAT_* configures an LLM) today's prompts against that LLM,
and compares today's answer with the stored one. Rendering is bot/cli/replay_export.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.replay_export import Comparison, Line, LlmCall, Reply, Transcript, render
from bot.config import Settings
from bot.consult.consultant import confidence_of, person_names, priced, prompt_for
from bot.faq.answers import Outcome, decide
from bot.faq.intents import Detection, IntentDetector
from bot.faq.knowledge import KnowledgeBase
from bot.faq.routing import Route, route
from bot.kernel.i18n import I18n
from bot.kernel.pii import mask_pii
from db.engine import create_engine, create_sessionmaker
from db.models import Conversation, Message, SenderType, User
from db.repositories import ConversationRepository
from db.repositories.leads import LeadRepository
from handlers.faq.conversation import SOURCES, decision_reply
from llm.client import ChatModel, LLMUnavailable, LongCatClient
from llm.context import Turn, clip_turns, prompt_text, trim_to_budget
from llm.prompts import load_prompts

# Far more than a conversation holds (a new one starts after a day of silence); the header says
# so when a conversation is cut here.
MAX_MESSAGES = 10_000
EXIT_NOT_FOUND = 1
EXIT_FAILED = 1
_ROLES = {SenderType.USER: "user", SenderType.BOT: "assistant", SenderType.AGENT: "assistant"}


@dataclass(frozen=True)
class Stored:
    """What the database holds for a conversation (texts as typed: never printed as they are)."""

    conversation: Conversation
    user: User
    messages: list[Message]
    names: tuple[str, ...]


async def load(session: AsyncSession, conversation_id: int) -> Stored | None:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    user = await session.get(User, conversation.user_id)
    assert user is not None  # the foreign key cascades: a conversation always has its user
    # The names the consultant masks in prompts: the profile's and the open lead's.
    names = person_names(user, await LeadRepository(session).newest_open(user.id))
    messages = await ConversationRepository(session).messages_after(
        conversation_id, None, MAX_MESSAGES
    )
    return Stored(conversation, user, messages, names)


def _llm_call(row: Message) -> LlmCall | None:
    if row.llm_model is None and row.prompt_tokens is None:
        return None
    return LlmCall(row.llm_model, row.prompt_version, row.prompt_tokens, row.completion_tokens,
                   row.cached_tokens, row.cost_usd, row.latency_ms, row.confidence)  # fmt: skip


def language_of(stored: Stored) -> str:
    return stored.conversation.language or stored.user.language


def transcript(stored: Stored) -> Transcript:
    conversation = stored.conversation
    lines = tuple(
        Line(
            id=row.id,
            time=row.created_at,
            sender=row.sender_type.value,
            text=mask_pii(row.text or "", names=stored.names),
            agent_id=row.agent_id,
            intent=row.intent,
            intent_confidence=row.intent_confidence,
            source=row.answer_source,
            llm=_llm_call(row),
        )
        for row in stored.messages
    )
    return Transcript(conversation.id, conversation.user_id, conversation.status.value,
                      language_of(stored), conversation.created_at, lines,
                      truncated=len(lines) >= MAX_MESSAGES)  # fmt: skip


@dataclass(frozen=True)
class Today:
    """Today's bot: the settings, the knowledge and (when configured) the LLM."""

    settings: Settings
    i18n: I18n
    kb: KnowledgeBase
    detector: IntentDetector
    model: ChatModel | None


async def what_if(stored: Stored, today: Today) -> list[Comparison]:
    """Today's answer next to the stored one, for each user message the bot answered (the next
    message is the bot's). Messages relayed to the agents or left unanswered are skipped: the
    bot did not answer them then and would not now."""
    rows, names = stored.messages, stored.names
    comparisons = []
    for index, row in enumerate(rows[:-1]):
        answer = rows[index + 1]
        if row.sender_type != SenderType.USER or answer.sender_type != SenderType.BOT:
            continue
        if not row.text:
            continue
        text = mask_pii(answer.text or "", names=names)
        stored_reply = Reply(text, answer.intent, answer.intent_confidence, answer.answer_source,
                             _llm_call(answer))  # fmt: skip
        reply = await answer_today(today, stored, rows[: index + 1])
        comparisons.append(Comparison(row.id, row.created_at, mask_pii(row.text, names=names),
                                      stored_reply, reply))  # fmt: skip
    return comparisons


async def answer_today(today: Today, stored: Stored, upto: Sequence[Message]) -> Reply:
    """What handlers/faq/conversation.py `on_text` does today with the last of `upto` (the
    detector reads the text as typed, as the bot does; everything shown is masked)."""
    question = upto[-1].text or ""
    detection = today.detector.detect(question)
    decision = decide(detection, today.kb)
    language = language_of(stored)
    if route(question, decision, llm=today.model is not None) is Route.LLM:
        assert today.model is not None
        return await _consult(today, stored, upto, detection)
    if decision.outcome is Outcome.FLOW:
        return Reply("", decision.intent, decision.confidence, SOURCES[decision.outcome])
    text, _markup = decision_reply(today.i18n.get(language), today.kb, decision)
    return Reply(mask_pii(text, names=stored.names), decision.intent, decision.confidence,
                 SOURCES[decision.outcome])  # fmt: skip


async def _consult(
    today: Today, stored: Stored, upto: Sequence[Message], detection: Detection
) -> Reply:
    """Today's prompt for the question against the configured LLM, as `Consultant.answer`
    builds it. Nothing is charged to the bot's budgets, and no summary is written: the stored
    summary stands in for the turns it covers, the rest is trimmed to the history budget."""
    assert today.model is not None
    settings, names, conversation = today.settings, stored.names, stored.conversation
    *before, row = upto
    question = row.text or ""
    summary = None
    if conversation.summary and (conversation.summary_upto_id or 0) < row.id:
        summary = conversation.summary
        before = [old for old in before if old.id > (conversation.summary_upto_id or 0)]
    turns = [
        Turn(role, mask_pii(prompt_text(role, old.text), names=names), old.id)
        for old in before
        if old.text and (role := _ROLES.get(old.sender_type))
    ]
    budget = settings.longcat.history_tokens
    history = trim_to_budget(clip_turns(turns, budget // 2), budget)
    prompt, facts, messages = prompt_for(
        load_prompts(), detection, today.kb, language_of(stored), summary, history, question,
        names,
    )  # fmt: skip
    try:
        if not today.model.available:
            raise LLMUnavailable("circuit_open")
        completion = await today.model.generate(
            messages, max_tokens=settings.longcat.max_answer_tokens
        )
    except LLMUnavailable as exc:
        # The bot answers from the knowledge base then (handlers/consult.py `_fallback`); the
        # reason is what the comparison needs.
        return Reply(f"[no LLM answer: {exc.reason}]", detection.intent, detection.confidence,
                     f"fallback:{_reason(exc)}")  # fmt: skip
    usage, cost = priced(messages, completion, settings)
    call = LlmCall(
        completion.model,
        prompt.id,
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.cached_tokens,
        cost,
        round(completion.seconds * 1000),
        confidence_of(completion, facts, question, detection.confidence),
    )
    return Reply(mask_pii(completion.text, names=names), detection.intent,
                 detection.confidence, "llm", call)  # fmt: skip


def _reason(exc: LLMUnavailable) -> str:
    """The fallback's reason, as `Consultant._call` names it."""
    if exc.reason in ("model_missing", "circuit_open"):
        return "unavailable"
    return "quota" if exc.reason == "quota" else "failed"


def replay_command(
    settings: Settings,
    conversation_id: int,
    *,
    compare: bool,
    export: str | None,
    output: Path | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Print (or write to `output`) the transcript, and with `compare` the what-if; the exit
    code: 0, or 1 with one line on `err` when the conversation or the database is not there."""
    try:
        document = asyncio.run(_document(settings, conversation_id, compare, export or "text"))
    except (SQLAlchemyError, OSError) as exc:
        print(f"Cannot read the database (DATABASE_URL): {type(exc).__name__}.", file=err)
        return EXIT_FAILED
    if document is None:
        print(f"No conversation {conversation_id} in the database.", file=err)
        return EXIT_NOT_FOUND
    if output is None:
        out.write(document)
        return 0
    try:
        output.write_text(document, encoding="utf-8")
    except OSError as exc:
        print(f"Cannot write {output}: {exc.strerror or type(exc).__name__}.", file=err)
        return EXIT_FAILED
    return 0


async def _document(
    settings: Settings, conversation_id: int, compare: bool, fmt: str
) -> str | None:
    engine = create_engine(settings.database.url)
    try:
        async with create_sessionmaker(engine)() as session:
            stored = await load(session, conversation_id)
    finally:
        await engine.dispose()
    if stored is None:
        return None
    comparisons, llm = (await _what_if(settings, stored)) if compare else (None, None)
    return render(fmt, transcript(stored), comparisons, llm)


async def _what_if(settings: Settings, stored: Stored) -> tuple[list[Comparison], str | None]:
    from bot.app import load_knowledge  # trains the detector: only when asked for

    i18n, kb, detector = load_knowledge(settings)
    client = LongCatClient(settings.longcat) if settings.longcat.enabled else None
    try:
        if client is not None:
            await client.check_model()
        comparisons = await what_if(stored, Today(settings, i18n, kb, detector, client))
    finally:
        if client is not None:
            await client.close()
    return comparisons, client.model if client is not None else None
