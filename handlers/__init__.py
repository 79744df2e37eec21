"""Routers, one per feature, assembled in the order they must be tried.

Each module builds its router in `create_router()` so that every dispatcher (tests build many)
gets fresh routers: an aiogram router can have only one parent.
"""

from __future__ import annotations

from aiogram import Router

from handlers import common, errors, fallback, faq, language, start


def get_routers() -> list[Router]:
    return [
        errors.create_router(),
        common.create_router(),
        start.create_router(),
        language.create_router(),
        faq.create_router(),
        # Catch-all handlers: last, so that every feature router gets its chance first.
        fallback.create_router(),
    ]
