"""Routers, one per feature, assembled in the order they must be tried.

Each module builds its router in `create_router()` so that every dispatcher (tests build many)
gets fresh routers: an aiogram router can have only one parent.
"""

from __future__ import annotations

from aiogram import Router

from dialogs.intake import intake_dialog
from handlers import (
    admin,
    common,
    consult,
    desk,
    errors,
    fallback,
    faq,
    files,
    intake,
    language,
    privacy,
    start,
)


def get_routers() -> list[Router]:
    return [
        common.create_router(),
        # The desk: the agents' group, /admin agent, and the user's side (with "Talk to a
        # human"), before the intake and the FAQ: while a ticket is open, the agents answer.
        admin.agents.create_router(),
        desk.agents.create_router(),
        desk.user.create_router(),
        start.create_router(),
        language.create_router(),
        intake.create_router(),
        # Files and GDPR commands before the wizard: they work in the middle of an intake too.
        privacy.create_router(),
        files.create_router(),
        # Every /admin left over by the more specific admin routers (privacy: /admin gdpr).
        admin.bans.create_router(),
        # The wizard before the FAQ: text typed into an intake step belongs to the wizard.
        intake_dialog(),
        consult.create_router(),
        faq.create_router(),
        # Catch-all handlers: last, so that every feature router gets its chance first
        # (for errors too: the generic apology only when no feature handled its own error).
        fallback.create_router(),
        errors.create_router(),
    ]
