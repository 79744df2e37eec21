"""Keyboards of the FAQ conversation: follow-up actions, topic lists and the services list."""

from __future__ import annotations

import functools

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.faq.knowledge import KnowledgeBase
from bot.kernel.i18n import Translator

# The eight core services, each answered by its FAQ topic.
SERVICE_TOPICS = (
    "devops.cicd",
    "devops.cloud_migration",
    "devops.kubernetes",
    "devops.iac",
    "devops.monitoring",
    "devops.security_compliance",
    "tech.custom_app",
    "support.maintenance",
)


class TopicCallback(CallbackData, prefix="faq"):
    intent: str


class CategoryCallback(CallbackData, prefix="faqcat"):
    category: str  # "" is the list of categories


class ActionCallback(CallbackData, prefix="act"):
    action: str  # one of knowledge.ACTIONS


# The same few keyboards go with every answer: built once per language and shape. Nothing
# changes a markup once built (the Bot API call only reads it).
@functools.lru_cache(maxsize=1024)
def actions_keyboard(
    i18n: Translator,
    actions: tuple[str, ...],
    *,
    more_topics: bool = True,
    alternatives: tuple[tuple[str, str], ...] = (),
) -> InlineKeyboardMarkup | None:
    """An answer's actions; `alternatives` (intent, title): the other topics it may have meant."""
    builder = InlineKeyboardBuilder()
    for action in actions:
        builder.button(text=i18n(f"action-{action}"), callback_data=ActionCallback(action=action))
    for intent, title in alternatives:
        builder.button(text=i18n("faq-alternative", title=title),
                       callback_data=TopicCallback(intent=intent))  # fmt: skip
    if more_topics:
        builder.button(text=i18n("faq-more-topics"), callback_data=CategoryCallback(category=""))
    builder.adjust(1)
    return builder.as_markup() if actions or more_topics or alternatives else None


def answer_keyboard(
    i18n: Translator, kb: KnowledgeBase, topics: tuple[str, ...], actions: tuple[str, ...]
) -> InlineKeyboardMarkup:
    """After an LLM answer: the matching knowledge-base topics, then the actions."""
    builder = InlineKeyboardBuilder()
    for intent in topics:
        title = kb.entry(i18n.language, intent).title
        builder.button(text=title, callback_data=TopicCallback(intent=intent))
    for action in actions:
        builder.button(text=i18n(f"action-{action}"), callback_data=ActionCallback(action=action))
    builder.adjust(1)
    return builder.as_markup()


def topics_keyboard(
    i18n: Translator, kb: KnowledgeBase, intents: tuple[str, ...], *, human: bool = False
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for intent in intents:
        title = kb.entry(i18n.language, intent).title
        builder.button(text=title, callback_data=TopicCallback(intent=intent))
    builder.button(text=i18n("faq-more-topics"), callback_data=CategoryCallback(category=""))
    if human:
        builder.button(text=i18n("action-human"), callback_data=ActionCallback(action="human"))
    builder.adjust(1)
    return builder.as_markup()


def categories_keyboard(i18n: Translator, kb: KnowledgeBase) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for category in kb.categories():
        builder.button(
            text=i18n(f"faq-category-{category}"),
            callback_data=CategoryCallback(category=category),
        )
    builder.button(text=i18n("action-human"), callback_data=ActionCallback(action="human"))
    builder.adjust(2)
    return builder.as_markup()


def category_keyboard(i18n: Translator, kb: KnowledgeBase, category: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for intent in kb.categories()[category]:
        title = kb.entry(i18n.language, intent).title
        builder.button(text=title, callback_data=TopicCallback(intent=intent))
    builder.button(text=i18n("faq-back-to-topics"), callback_data=CategoryCallback(category=""))
    builder.adjust(1)
    return builder.as_markup()


def services_keyboard(i18n: Translator, kb: KnowledgeBase) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for intent in SERVICE_TOPICS:
        title = kb.entry(i18n.language, intent).title
        builder.button(text=title, callback_data=TopicCallback(intent=intent))
    builder.button(text=i18n("action-estimate"), callback_data=ActionCallback(action="estimate"))
    builder.adjust(2, 2, 2, 2, 1)
    return builder.as_markup()
