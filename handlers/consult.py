"""The LLM consultation in the chat: /ask opens it; the FAQ hands it the questions it is unsure
of. The answer streams into the chat; when the LLM cannot or may not answer, the user gets the
knowledge base's closest topics and the human option instead — never an error."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram_dialog import DialogManager
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.desk import Desk
from bot.i18n import I18n, Translator
from bot.services.consult import Consultant, Consultation, Unanswered
from bot.services.conversations import Answer, record_exchange
from bot.services.faq import SUGGEST, Outcome, decide
from bot.services.intents import Detection, IntentDetector
from bot.services.knowledge import KnowledgeBase
from bot.streaming import AnswerStream
from db.models import User
from dialogs.intake import start_intake
from handlers.faq_keyboards import actions_keyboard, topics_keyboard
from states.consult import Consult

# After an LLM answer: an estimate, a person, or the topics.
ANSWER_ACTIONS = ("estimate", "human")


async def consult(
    message: Message,
    detection: Detection,
    *,
    i18n: Translator,
    kb: KnowledgeBase,
    session: AsyncSession,
    user: User,
    consultant: Consultant,
    settings: Settings,
    i18n_hub: I18n,
    desk: Desk,
    **_: Any,
) -> None:
    """Answer `message` with the LLM, streamed; or with the knowledge base when it cannot."""
    question = message.text or ""
    if not consultant.configured:
        await _fallback(message, "not_configured", detection, i18n, kb, session, user)
        return
    stream = AnswerStream.for_message(message, draft_id=message.message_id)
    try:
        async with stream:
            result = await consultant.answer(
                session, user, question, detection, kb, on_text=stream.update
            )
            sent = await stream.finish(
                result.text, reply_markup=actions_keyboard(i18n, ANSWER_ACTIONS)
            )
    except Unanswered as exc:
        await _fallback(message, exc.reason, detection, i18n, kb, session, user)
        return
    conversation = await record_exchange(
        session,
        user,
        question=question,
        question_message_id=message.message_id,
        answer=Answer(
            result.text, "llm", detection.intent, detection.confidence, llm=_metadata(result)
        ),
        answer_message_id=sent[-1].message_id,
    )
    assert message.bot is not None
    if result.budget_alert:
        await _alert_admins(message.bot, consultant, settings, i18n_hub)
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
    i18n: Translator,
    kb: KnowledgeBase,
    session: AsyncSession,
    user: User,
) -> None:
    """Say why the AI did not answer, then the knowledge base's best and the human option."""
    limit = reason in ("session", "user_daily", "system")
    suffix = reason.replace("_", "-")
    key = f"consult-limit-{suffix}" if limit else f"consult-{suffix}"
    decision = decide(detection, kb)
    intent = decision.intent if decision.outcome is Outcome.ANSWER else None
    if intent is None and detection.confidence >= SUGGEST and decision.suggestions:
        intent = decision.suggestions[0]
    markup: InlineKeyboardMarkup | None
    if intent is not None:
        entry = kb.entry(i18n.language, intent)
        text = f"{i18n(key)}\n\n{i18n('consult-kb-answer')} <b>{entry.title}</b>\n\n{entry.answer}"
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
        answer=Answer(text, f"fallback:{reason}", detection.intent, detection.confidence),
        answer_message_id=sent.message_id,
    )


async def _alert_admins(bot: Bot, consultant: Consultant, settings: Settings, hub: I18n) -> None:
    budget = settings.llm.daily_budget_usd
    spent = await consultant.budget.spent_micro() / 1_000_000
    text = hub.format(hub.default, "consult-budget-alert", spent=f"{spent:.2f}",
                      percent=round(100 * spent / budget), budget=f"{budget:.2f}")  # fmt: skip
    for admin_id in settings.telegram.admin_ids:
        try:
            await bot.send_message(admin_id, text)
        except Exception as exc:  # one unreachable admin must not stop the others
            logger.warning("budget alert not delivered to an admin: {}", type(exc).__name__)


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
    if decide(detection, kb).outcome is Outcome.FLOW:
        await state.clear()
        await start_intake(dialog_manager, source="consult")
        return
    await consult(message, detection, kb=kb, **data)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(on_ask, Command("ask"))
    router.message.register(
        on_consult_text, StateFilter(Consult.chatting), F.text, ~F.text.startswith("/")
    )
    return router
