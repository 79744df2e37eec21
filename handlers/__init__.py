"""Routers, one per feature, under three parents that carry the audience: the admins' /admin,
the agents' group (AGENT_CHAT_ID) and private chats (the people we talk to). No feature router
repeats its chat filter. Inside a parent the routers are tried in order.

Each module builds its router in `create_router()` so that every dispatcher (tests build many)
gets fresh routers: an aiogram router can have only one parent.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import Message

from dialogs.intake import intake_dialog
from handlers import (
    admin,
    broadcast,
    common,
    consult,
    desk,
    errors,
    fallback,
    files,
    intake,
    language,
    privacy,
    start,
)
from handlers.faq import conversation as faq


def private_chats() -> Router:
    router = Router(name="private-chats")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    # The people's buttons (the menu, languages, the intake) work in their own chats only: in
    # the agents' group they would replace a ticket card with the menu, or start an intake.
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    router.include_routers(
        common.create_router(),
        # While a ticket is open, the agents answer: the desk's user side comes first.
        desk.user.create_router(),
        commands_only(
            start.create_router(),
            language.create_router(),
            intake.create_router(),
            # GDPR commands before the wizard: they work in the middle of an intake too.
            privacy.create_router(),
            broadcast.create_router(),
        ),
        # Files before the wizard too.
        files.create_router(),
        # The wizard before the FAQ: text typed into an intake step belongs to the wizard.
        intake_dialog(),
        consult.create_router(),
        faq.create_router(),
        # Last, so that every feature router gets its chance first.
        fallback.create_router(),
    )
    return router


def commands_only(*routers: Router) -> Router:
    """Feature routers that take no message but a command, in their order, behind one filter:
    any other message (a question, most of them) passes them all in one step instead of one
    per router. Their buttons and errors reach them as before."""
    router = Router(name="commands")
    router.message.filter(is_command)
    router.include_routers(*routers)
    return router


def is_command(message: Message) -> bool:
    """What aiogram's Command filters could match: a text or caption that starts with "/"."""
    return (message.text or message.caption or "").startswith("/")


def agents_chat() -> Router:
    router = Router(name="agents-chat")
    for observer in (router.message, router.edited_message, router.callback_query):
        observer.filter(desk.agents.InAgentChat())
    router.include_router(desk.agents.create_router())
    return router


def get_routers() -> list[Router]:
    return [
        # /admin first: in the agents' group its subcommands are not notes between agents.
        admin.create_router(),
        agents_chat(),
        private_chats(),
        # A button of no feature here (old, or the people's pressed in the agents' group).
        fallback.stale_buttons(),
        # The generic apology only when no feature handled its own error.
        errors.create_router(),
    ]
