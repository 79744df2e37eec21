"""The LLM consultation in the chat: /ask opens it; the FAQ hands it the questions it is unsure
of. The answer streams into the chat; when the LLM cannot or may not answer, the user gets the
knowledge base's closest topics and the human option instead — never an error."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consult.consultant import Consultant, Consultation, Unanswered
from bot.desk.topics import Desk
from bot.faq.answers import SUGGEST, Decision, Outcome, decide
from bot.faq.intents import Detection, IntentDetector
from bot.faq.knowledge import KnowledgeBase
from bot.kernel.conversations import Answer, record_exchange
from bot.kernel.i18n import Translator
from bot.telegram.streaming import AnswerStream
from db.models import User
from dialogs.intake import start_intake
from handlers.faq.keyboards import actions_keyboard, answer_keyboard, topics_keyboard
from llm.metrics import LLM_REFUSED
from states.consult import Consult

# After an LLM answer: the matching topics, an estimate, a person.
ANSWER_ACTIONS = ("estimate", "human")
ANSWER_TOPICS = 2


def matching_topics(decision: Decision, kb: KnowledgeBase) -> tuple[str, ...]:
    """The FAQ topics closest to the question: the detected one, or the suggestions."""
    if decision.outcome is Outcome.ANSWER and kb.catalog[decision.intent].is_faq:
        return (decision.intent,)
    return decision.suggestions[:ANSWER_TOPICS]


async def consult(
    message: Message,
    detection: Detection,
    decision: Decision,
    *,
    i18n: Translator,
    kb: KnowledgeBase,
    session: AsyncSession,
    user: User,
    consultant: Consultant,
    desk: Desk,
    **_: Any,
) -> None:
    """Answer `message` with the LLM, streamed; or with the knowledge base when it cannot."""
    question = message.text or ""
    if not consultant.configured:
        await _fallback(message, "not_configured", detection, decision, i18n, kb, session, user)
        return
    stream = AnswerStream.for_message(message, draft_id=message.message_id)
    try:
        async with stream:
            result = await consultant.answer(
                session, user, question, detection, kb, on_text=stream.update
            )
            markup = answer_keyboard(i18n, kb, matching_topics(decision, kb), ANSWER_ACTIONS)
            sent = await stream.finish(result.text, reply_markup=markup)
    except Unanswered as exc:
        await _fallback(message, exc.reason, detection, decision, i18n, kb, session, user)
        return
    conversation = await record_exchange(
        session,
        user,
        question=question,
        question_message_id=message.message_id,
        answer=Answer(
            result.text,
            "llm",
            detection.intent,
            detection.confidence,
            llm=_metadata(result),
            variant=result.variant,
        ),
        answer_message_id=sent[-1].message_id,
    )
    assert message.bot is not None
    # Unsure answers (below 0.5 once, below 0.7 three times in a row) bring in a person.
    await desk.after_llm_answer(message.bot, session, user, conversation.id)


def _metadata(result: Consultation) -> dict[str, Any]:
    completion = result.completion
    return {
        "llm_model": completion.model,
        "prompt_version": result.prompt_id,
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "cached_tokens": result.cached_tokens,
        "latency_ms": round(completion.seconds * 1000),
        "cost_usd": result.cost,
        "confidence": result.confidence,
    }


async def _fallback(
    message: Message,
    reason: str,
    detection: Detection,
    decision: Decision,
    i18n: Translator,
    kb: KnowledgeBase,
    session: AsyncSession,
    user: User,
) -> None:
    """Say why the AI did not answer, then the knowledge base's best and the human option."""
    LLM_REFUSED.labels(reason).inc()
    limit = reason in ("session", "user_daily", "system")
    suffix = reason.replace("_", "-")
    key = f"consult-limit-{suffix}" if limit else f"consult-{suffix}"
    intent = decision.intent if decision.outcome is Outcome.ANSWER else None
    if intent is None and detection.confidence >= SUGGEST and decision.suggestions:
        intent = decision.suggestions[0]
    markup: InlineKeyboardMarkup | None
    if intent is not None:
        entry = kb.entry(i18n.language, intent)
        text = i18n("consult-fallback-topic", reason=i18n(key), title=entry.title,
                    answer=kb.answer(i18n.language, intent, user.id) or "")  # fmt: skip
        markup = actions_keyboard(i18n, ANSWER_ACTIONS)
    else:
        text = i18n(key)
        markup = topics_keyboard(i18n, kb, decision.suggestions, human=True)
    sent = await message.answer(text, reply_markup=markup)
    await record_exchange(
        session,
        user,
        question=message.text,
        question_message_id=message.message_id,
        answer=Answer(
            text,
            f"fallback:{reason}",
            detection.intent,
            detection.confidence,
            variant=kb.variant_of(intent, user.id) if intent else None,
        ),
        answer_message_id=sent.message_id,
    )


async def on_ask(message: Message, state: FSMContext, i18n: Translator) -> None:
    await state.set_state(Consult.chatting)
    await message.answer(i18n("consult-welcome"))


async def on_consult_text(
    message: Message,
    detector: IntentDetector,
    kb: KnowledgeBase,
    dialog_manager: DialogManager,
    state: FSMContext,
    **data: Any,
) -> None:
    detection = detector.detect(message.text or "")
    decision = decide(detection, kb)
    if decision.outcome is Outcome.FLOW:
        await state.clear()
        await start_intake(dialog_manager, source="consult")
        return
    await consult(message, detection, decision, kb=kb, **data)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_ask, Command("ask"))
    router.message.register(
        on_consult_text, StateFilter(Consult.chatting), F.text, ~F.text.startswith("/")
    )
    return router
