"""The FAQ conversation: free text goes through the intent detector and gets a canned answer,
the closest topics, or an honest "not sure"; with an LLM, a question no canned answer addresses
goes to the consultation instead (bot/faq/routing.py); topic and action buttons; /services,
/pricing, /contact."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram_dialog import DialogManager
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consult.consultant import Consultant
from bot.desk.topics import Desk
from bot.faq.answers import Decision, Outcome, decide
from bot.faq.intents import IntentDetector
from bot.faq.knowledge import KnowledgeBase
from bot.faq.routing import Route, route
from bot.kernel.conversations import Answer, record_exchange
from bot.kernel.i18n import Translator
from bot.telegram.menu import MenuAction, MenuCallback
from db.models import User
from dialogs.intake import start_intake
from handlers.consult import consult
from handlers.faq.keyboards import (
    ActionCallback,
    CategoryCallback,
    TopicCallback,
    actions_keyboard,
    categories_keyboard,
    category_keyboard,
    services_keyboard,
    topics_keyboard,
)

COMMAND_TOPICS = {"services": "general.services", "pricing": "pricing.overview",
                  "contact": "general.contact"}  # fmt: skip
# Under an answer the detector was not sure of: the runner-up topics.
ALTERNATIVES = 2
SOURCES = {
    Outcome.ANSWER: "kb",
    Outcome.SMALLTALK: "smalltalk",
    Outcome.FLOW: "flow",
    Outcome.SUGGEST: "suggestions",
    Outcome.UNSURE: "unsure",
}


def topic_reply(
    i18n: Translator,
    kb: KnowledgeBase,
    intent: str,
    alternatives: tuple[str, ...] = (),
    person: int | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A topic's canned answer (`person`'s variant under an experiment); `alternatives`: the
    other topics the question may have meant."""
    entry = kb.entry(i18n.language, intent)
    text = kb.answer(i18n.language, intent, person) or entry.title
    if intent == "general.services":
        return text, services_keyboard(i18n, kb)
    conversational = not kb.catalog[intent].is_faq
    others = tuple((other, kb.entry(i18n.language, other).title) for other in alternatives)
    return text, actions_keyboard(
        i18n,
        entry.actions,
        more_topics=not conversational or intent == "chat.out_of_scope",
        alternatives=others,
    )


def decision_reply(
    i18n: Translator, kb: KnowledgeBase, decision: Decision, person: int | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    if decision.outcome is Outcome.SUGGEST:
        return i18n("faq-suggest"), topics_keyboard(i18n, kb, decision.suggestions)
    if decision.outcome is Outcome.UNSURE:
        return i18n("faq-unsure"), topics_keyboard(i18n, kb, decision.suggestions, human=True)
    alternatives = () if decision.sure else decision.suggestions[:ALTERNATIVES]
    return topic_reply(i18n, kb, decision.intent, alternatives, person)


async def on_text(
    message: Message,
    i18n: Translator,
    kb: KnowledgeBase,
    detector: IntentDetector,
    session: AsyncSession,
    user: User,
    dialog_manager: DialogManager,
    consultant: Consultant,
    desk: Desk,
) -> None:
    question = message.text or ""
    detection = detector.detect(question)
    decision = decide(detection, kb)
    if route(question, decision, llm=consultant.configured) is Route.LLM:
        await consult(message, detection, decision, i18n=i18n, kb=kb, session=session,
                      user=user, consultant=consultant, desk=desk)  # fmt: skip
        return
    if decision.outcome is Outcome.FLOW:
        answer = Answer("", SOURCES[decision.outcome], decision.intent, decision.confidence)
        await record_exchange(session, user, question=question,
                              question_message_id=message.message_id, answer=answer,
                              answer_message_id=None)  # fmt: skip
        await start_intake(dialog_manager, source="chat")
        return
    text, markup = decision_reply(i18n, kb, decision, user.id)
    sent = await message.answer(text, reply_markup=markup)
    variant = kb.variant_of(decision.intent, user.id) if decision.shows_topic else None
    answer = Answer(text, SOURCES[decision.outcome], decision.intent, decision.confidence,
                    variant=variant)  # fmt: skip
    await record_exchange(
        session,
        user,
        question=question,
        question_message_id=message.message_id,
        answer=answer,
        answer_message_id=sent.message_id,
    )


async def send_topic(
    target: Message, intent: str, i18n: Translator, kb: KnowledgeBase, session: AsyncSession,
    user: User, source: str,
) -> None:  # fmt: skip
    text, markup = topic_reply(i18n, kb, intent, person=user.id)
    sent = await target.answer(text, reply_markup=markup)
    await record_exchange(
        session,
        user,
        question=None,
        question_message_id=None,
        answer=Answer(text, source, intent, None, variant=kb.variant_of(intent, user.id)),
        answer_message_id=sent.message_id,
    )


async def on_topic_command(
    message: Message,
    command: CommandObject,
    i18n: Translator,
    kb: KnowledgeBase,
    session: AsyncSession,
    user: User,
) -> None:
    intent = COMMAND_TOPICS[command.command.lower()]
    await send_topic(message, intent, i18n, kb, session, user, "command")


async def on_topic_button(
    query: CallbackQuery,
    callback_data: TopicCallback,
    i18n: Translator,
    kb: KnowledgeBase,
    session: AsyncSession,
    user: User,
) -> None:
    await query.answer()
    if callback_data.intent not in kb.catalog or not isinstance(query.message, Message):
        return
    await send_topic(query.message, callback_data.intent, i18n, kb, session, user, "button")


async def on_category(
    query: CallbackQuery, callback_data: CategoryCallback, i18n: Translator, kb: KnowledgeBase
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if callback_data.category in kb.categories():
        text = i18n(f"faq-category-{callback_data.category}")
        markup = category_keyboard(i18n, kb, callback_data.category)
    else:
        text, markup = i18n("faq-topics"), categories_keyboard(i18n, kb)
    await query.message.answer(text, reply_markup=markup)


async def on_action(
    query: CallbackQuery,
    callback_data: ActionCallback,
    i18n: Translator,
    kb: KnowledgeBase,
    session: AsyncSession,
    user: User,
    dialog_manager: DialogManager,
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    action = callback_data.action
    if action in ("services", "contact"):
        await send_topic(query.message, COMMAND_TOPICS[action], i18n, kb, session, user, "button")
    elif action == "estimate":
        await start_intake(dialog_manager, source="faq")
    # "human" and "consultation" (a call) are the desk's: handlers/desk/user.py.


async def on_menu_question(query: CallbackQuery, i18n: Translator, kb: KnowledgeBase) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(i18n("faq-ask"), reply_markup=categories_keyboard(i18n, kb))


async def on_menu_services(query: CallbackQuery, i18n: Translator, kb: KnowledgeBase) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        text, markup = topic_reply(i18n, kb, "general.services")
        await query.message.edit_text(text, reply_markup=markup)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_topic_command, Command(*COMMAND_TOPICS))
    # Free text only when no flow (intake, escalation) owns the conversation.
    router.message.register(on_text, F.text, ~F.text.startswith("/"), StateFilter(None))
    router.callback_query.register(on_topic_button, TopicCallback.filter())
    router.callback_query.register(on_category, CategoryCallback.filter())
    router.callback_query.register(on_action, ActionCallback.filter())
    router.callback_query.register(
        on_menu_question, MenuCallback.filter(F.action == MenuAction.QUESTION)
    )
    router.callback_query.register(
        on_menu_services, MenuCallback.filter(F.action == MenuAction.SERVICES)
    )
    return router
