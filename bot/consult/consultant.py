"""The LLM consultation: a question answered by LongCat, grounded in the knowledge base.

`Consultant.answer()` checks the budgets, picks the prompt template, gathers the company facts
(the detector's best knowledge-base matches), masks personal data, fits the history into its
token budget (summarising what falls out), streams the answer through a callback, and measures
it: tokens, cost, time to first token, latency, confidence. It raises `Unanswered` with a reason
whenever the LLM cannot or may not answer; the handler then answers from the knowledge base.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from aiogram import Bot
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.experiments.assignment import CONTROL, Experiment
from bot.faq.intents import Detection
from bot.faq.knowledge import KnowledgeBase
from bot.kernel.conversations import current_conversation
from bot.kernel.i18n import I18n
from bot.kernel.kv import Counters
from bot.kernel.pii import mask_pii
from db.models import Conversation, Lead, SenderType, User
from db.repositories import ConversationRepository
from db.repositories.leads import LeadRepository
from llm.budget import LlmBudget, Refusal
from llm.client import (
    ChatMessage,
    ChatModel,
    Completion,
    LLMUnavailable,
    LongCatClient,
    OnText,
    Usage,
)
from llm.confidence import answer_confidence
from llm.context import (
    Fact,
    Turn,
    build_messages,
    clip_turns,
    message_tokens,
    prompt_text,
    split_history,
    transcript,
    trim_to_budget,
)
from llm.cost import cost_usd, estimated_usage
from llm.metrics import LLM_CALLS, LLM_COST, LLM_FIRST_TOKEN, LLM_LATENCY, LLM_TOKENS
from llm.prompts import Prompt, choose_template, load_prompts, variants

# Knowledge-base entries offered as facts: the best matches down to this probability.
MAX_FACTS = 3
MIN_FACT_CONFIDENCE = 0.05
SUMMARY_TOKENS = 300
# What an LLM call is for: the consultation's answers, its running summaries, and the desk's
# hand-off notes and drafts (the template names); cost and calls are counted by these.
PURPOSES = ("answer", "conversation_summary", "escalation_prep", "agent_copilot")
_ROLES = {SenderType.USER: "user", SenderType.BOT: "assistant", SenderType.AGENT: "assistant"}


def person_names(user: User, lead: Lead | None = None) -> tuple[str, ...]:
    """The names the person gave (their Telegram profile, the intake): masked in prompts."""
    given = (user.first_name, user.last_name, lead.name if lead is not None else None)
    return tuple(name for name in given if name)


class Unanswered(Exception):
    """The LLM gives no answer; `reason` is "not_configured", "unavailable", "failed",
    "quota" or a budget refusal ("session", "user_daily", "system")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Consultation:
    text: str
    completion: Completion
    prompt_id: str
    confidence: float
    cost: Decimal
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    variant: str | None = None  # the prompt experiment's label when the template is under one


class Consultant:
    def __init__(
        self,
        settings: Settings,
        counters: Counters,
        model: ChatModel | None,
        desk_model: ChatModel | None = None,
    ) -> None:
        self.settings = settings
        self.model = model
        # The desk's calls have their own client, so their failures (long transcripts, say)
        # never open the breaker that the people's answers go through.
        self.desk_model = desk_model or model
        self.budget = LlmBudget(counters, settings.llm)
        self.prompts = load_prompts()
        self._bot: Bot | None = None
        self._i18n: I18n | None = None

    @classmethod
    def from_settings(cls, settings: Settings, counters: Counters) -> Consultant:
        if not settings.longcat.enabled:
            return cls(settings, counters, None)
        return cls(settings, counters, LongCatClient(settings.longcat),
                   LongCatClient(settings.longcat))  # fmt: skip

    @property
    def configured(self) -> bool:
        return self.model is not None

    async def start(self, bot: Bot | None = None, i18n: I18n | None = None) -> None:
        """At start: check the model; `bot` and `i18n` let the budget alert reach the admins."""
        self._bot, self._i18n = bot, i18n
        if isinstance(self.model, LongCatClient):
            await self.model.check_model()
            if isinstance(self.desk_model, LongCatClient):  # the same model, checked once
                self.desk_model.model_missing = self.model.model_missing

    async def _charge(self, cost: Decimal, purpose: str) -> None:
        """Add a call's cost; the first call of the day over the alert ratio tells the admins,
        whatever the call was for (an answer, a summary, a desk draft)."""
        LLM_COST.labels(purpose).inc(float(cost))
        if await self.budget.charge(cost, purpose):
            await self._alert_admins()

    async def _alert_admins(self) -> None:
        budget = self.budget.settings.daily_budget_usd
        spent = await self.budget.spent_micro() / 1_000_000
        logger.warning("LLM spend today is {:.0f}% of the daily budget", 100 * spent / budget)
        if self._bot is None or self._i18n is None:
            return
        hub = self._i18n
        text = hub.format(hub.default, "consult-budget-alert", spent=f"{spent:.2f}",
                          percent=round(100 * spent / budget), budget=f"{budget:.2f}")  # fmt: skip
        for admin_id in self.settings.telegram.admin_ids:
            try:
                await self._bot.send_message(admin_id, text)
            except Exception as exc:  # one unreachable admin must not stop the others
                logger.warning("budget alert not delivered to an admin: {}", type(exc).__name__)

    async def close(self) -> None:
        for model in {id(m): m for m in (self.model, self.desk_model)}.values():
            if isinstance(model, LongCatClient):
                await model.close()

    async def answer(
        self,
        session: AsyncSession,
        user: User,
        question: str,
        detection: Detection,
        kb: KnowledgeBase,
        *,
        on_text: OnText | None = None,
    ) -> Consultation:
        model = self.model
        if model is None:
            raise Unanswered("not_configured")
        if not model.available:
            raise Unanswered("unavailable")
        conversation = await current_conversation(session, user)
        refusal: Refusal | None = await self.budget.admit(user.id, conversation.id)
        if refusal is not None:
            raise Unanswered(refusal.value)

        names = person_names(user, await LeadRepository(session).newest_open(user.id))
        history = await self._history(session, conversation, user.language, names)
        prompt, facts, messages = prompt_for(
            self.prompts, detection, kb, user.language, conversation.summary, history, question,
            names, person=user.id,
        )  # fmt: skip
        # Nothing is held in the database while LongCat writes: the pooled connection goes back.
        await session.commit()
        completion = await self._call(
            model, messages, "answer", prompt, self.settings.longcat.max_answer_tokens, on_text
        )
        usage, cost = priced(messages, completion, self.settings)
        await self._charge(cost, "answer")
        confidence = confidence_of(completion, facts, question, detection.confidence)
        _log_call("answer", prompt, completion, usage.prompt_tokens, usage.completion_tokens,
                  cost, confidence)  # fmt: skip
        return Consultation(
            completion.text,
            completion,
            prompt.id,
            confidence,
            cost,
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.cached_tokens,
            exposure(self.prompts, prompt),
        )

    async def complete(self, template: str, language: str, content: str, max_tokens: int) -> str:
        """One non-streamed call with a template as the system prompt and `content` (masked) as
        the data it works on: the running summary of an answer already admitted."""
        return await self._complete(self.model, template, language, content, max_tokens)

    async def assist(
        self,
        template: str,
        language: str,
        turns: Sequence[Turn],
        max_tokens: int,
        *,
        ticket_id: int | None,
        names: Sequence[str] = (),
    ) -> str:
        """A desk call (an agent's draft, a hand-off note) on the conversation's newest turns
        within the history budget, admitted by the desk's budgets (`LlmBudget.admit_desk`)."""
        refusal = await self.budget.admit_desk(ticket_id)
        if refusal is not None:
            raise Unanswered(refusal.value)
        content = desk_content(turns, self.settings.longcat.history_tokens, names)
        return await self._complete(self.desk_model, template, language, content, max_tokens)

    async def _complete(
        self, model: ChatModel | None, template: str, language: str, content: str,
        max_tokens: int,
    ) -> str:  # fmt: skip
        if model is None or not model.available:
            raise Unanswered("not_configured" if model is None else "unavailable")
        prompt = self.prompts[template]
        messages = desk_messages(prompt, language, content)
        completion = await self._call(model, messages, template, prompt, max_tokens)
        usage, cost = priced(messages, completion, self.settings)
        await self._charge(cost, template)
        _log_call(template, prompt, completion, usage.prompt_tokens, usage.completion_tokens,
                  cost, None)  # fmt: skip
        return completion.text.strip()

    async def _history(
        self,
        session: AsyncSession,
        conversation: Conversation,
        language: str,
        names: Sequence[str] = (),
    ) -> list[Turn]:
        """The recent turns within the history budget; older ones folded into the summary."""
        repo = ConversationRepository(session)
        rows = await repo.messages_after(conversation.id, conversation.summary_upto_id)
        turns = [
            Turn(role, mask_pii(prompt_text(role, row.text), names=names), row.id)
            for row in rows
            if row.text and (role := _ROLES.get(row.sender_type))
        ]
        budget = self.settings.longcat.history_tokens
        # One long message (a pasted log) takes at most half the budget.
        turns = clip_turns(turns, budget // 2)
        older, recent = split_history(turns, budget)
        if not older:
            return recent
        previous = conversation.summary or "(none yet)"
        # The summariser reads at most a budget of the older turns (the newest of them), so its
        # prompt stays bounded however long the conversation went unsummarised.
        unsummarised = transcript(trim_to_budget(older, budget))
        content = f"Previous summary:\n{previous}\n\nNew messages:\n{unsummarised}"
        await session.commit()  # no connection held while the summary is written
        try:
            summary = await self.complete("conversation_summary", language, content,
                                          SUMMARY_TOKENS)  # fmt: skip
        except Unanswered as exc:
            logger.info("conversation summary not made ({}); oldest turns dropped", exc)
            return trim_to_budget(turns, budget)
        conversation.summary = summary
        conversation.summary_upto_id = older[-1].message_id
        logger.info("conversation summary now covers {} more messages", len(older))
        return recent

    async def _call(
        self,
        model: ChatModel,
        messages: list[ChatMessage],
        purpose: str,
        prompt: Prompt,
        max_tokens: int,
        on_text: OnText | None = None,
    ) -> Completion:
        try:
            completion = await model.generate(messages, max_tokens=max_tokens, on_text=on_text)
        except LLMUnavailable as exc:
            LLM_CALLS.labels(purpose, exc.reason).inc()
            logger.warning(
                "llm call failed: purpose={} prompt={} reason={} attempts={} prompt_tokens~{}",
                purpose, prompt.id, exc, exc.attempts, message_tokens(messages),
            )  # fmt: skip
            reason = "quota" if exc.reason == "quota" else "failed"
            if exc.reason in ("model_missing", "circuit_open"):
                reason = "unavailable"
            raise Unanswered(reason) from exc
        LLM_CALLS.labels(purpose, "ok").inc()
        LLM_LATENCY.labels(purpose).observe(completion.seconds)
        if completion.first_token_seconds is not None:
            LLM_FIRST_TOKEN.observe(completion.first_token_seconds)
        return completion


def prompt_for(
    prompts: Mapping[str, Prompt],
    detection: Detection,
    kb: KnowledgeBase,
    language: str,
    summary: str | None,
    history: Sequence[Turn],
    question: str,
    names: Sequence[str] = (),
    *,
    person: int | None = None,
) -> tuple[Prompt, list[Fact], list[ChatMessage]]:
    """The template, the facts and the messages for a question: what `Consultant.answer` sends,
    and what `llm-eval` grades. Under an experiment, `person` gets their variant of the
    template (without one, the control)."""
    prompt = chosen_prompt(prompts, choose_template(detection.intent), person)
    facts = grounding(detection, kb, language)
    question = mask_pii(question, names=names)
    # A summary stored before a kind of data was masked is masked now.
    summary = mask_pii(summary, names=names) if summary else summary
    messages = build_messages(prompt.render(language), facts, summary, history, question)
    return prompt, facts, messages


def prompt_experiment(prompts: Mapping[str, Prompt], name: str) -> Experiment | None:
    """Template `name`'s experiment, when files of its variants are there (llm/prompts)."""
    others = variants(dict(prompts), name)
    if not others:
        return None
    return Experiment.with_control(f"prompt.{name}", {p.variant or "": p.weight for p in others})


def prompt_experiments(prompts: Mapping[str, Prompt]) -> list[Experiment]:
    found = (prompt_experiment(prompts, name) for name, p in prompts.items() if not p.variant)
    return [experiment for experiment in found if experiment is not None]


def chosen_prompt(prompts: Mapping[str, Prompt], name: str, person: int | None) -> Prompt:
    """Template `name` as `person` gets it: their variant under an experiment."""
    experiment = prompt_experiment(prompts, name) if person is not None else None
    if experiment is None or person is None:
        return prompts[name]
    variant = experiment.assign(person).name
    return prompts[name] if variant == CONTROL else prompts[f"{name}.{variant}"]


def exposure(prompts: Mapping[str, Prompt], prompt: Prompt) -> str | None:
    """The label stored with an answer written with `prompt`, when its template is under an
    experiment ("prompt.project_consultation:short"; the control's ends in ":a")."""
    experiment = prompt_experiment(prompts, prompt.name)
    return None if experiment is None else experiment.label(prompt.variant or CONTROL)


def desk_content(turns: Sequence[Turn], budget: int, names: Sequence[str] = ()) -> str:
    """What a desk call reads: the newest turns within the history budget (each at most half
    of it), masked, as a transcript in which nobody can pass for an agent."""
    masked = [Turn(t.role, mask_pii(t.text, names=names), t.message_id) for t in turns]
    return transcript(trim_to_budget(clip_turns(masked, budget // 2), budget))


def desk_messages(prompt: Prompt, language: str, content: str) -> list[ChatMessage]:
    return [
        {"role": "system", "content": prompt.render(language)},
        {"role": "user", "content": mask_pii(content)},
    ]


def priced(
    messages: Sequence[ChatMessage], completion: Completion, settings: Settings
) -> tuple[Usage, Decimal]:
    """The call's usage (the API's, else estimated) and its cost at list price."""
    usage = completion.usage or estimated_usage(messages, completion.text)
    return usage, cost_usd(usage, completion.model, settings.longcat.prices)


def confidence_of(
    completion: Completion, facts: Sequence[Fact], question: str, intent_confidence: float
) -> float:
    return answer_confidence(
        completion.text,
        finish_reason=completion.finish_reason,
        facts=[f"{fact.title} {fact.text}" for fact in facts],
        question=question,
        intent_confidence=intent_confidence,
    )


def grounding(detection: Detection, kb: KnowledgeBase, language: str) -> list[Fact]:
    """The knowledge-base entries that match the question best, in the catalog's order."""
    chosen = {
        match.intent
        for match in detection.ranking[:MAX_FACTS]
        if match.confidence >= MIN_FACT_CONFIDENCE and kb.catalog[match.intent].is_faq
    }
    facts = []
    for intent in kb.catalog:
        if intent in chosen:
            entry = kb.entry(language, intent)
            if entry.answer:
                facts.append(Fact(intent, entry.title, entry.answer))
    return facts


def _log_call(
    purpose: str,
    prompt: Prompt,
    completion: Completion,
    prompt_tokens: int,
    completion_tokens: int,
    cost: Decimal,
    confidence: float | None,
) -> None:
    LLM_TOKENS.labels("prompt").inc(prompt_tokens)
    LLM_TOKENS.labels("completion").inc(completion_tokens)
    if completion.usage is not None:
        LLM_TOKENS.labels("cached").inc(completion.usage.cached_tokens)
    ttft = completion.first_token_seconds
    logger.info(
        "llm call: purpose={} model={} prompt={} tokens_in={} tokens_out={} cached={} "
        "first_token_ms={} latency_ms={} cost_usd={} finish={} confidence={} attempts={}",
        purpose, completion.model, prompt.id, prompt_tokens, completion_tokens,
        completion.usage.cached_tokens if completion.usage else 0,
        None if ttft is None else round(ttft * 1000), round(completion.seconds * 1000),
        cost, completion.finish_reason, confidence, completion.attempts,
    )  # fmt: skip
