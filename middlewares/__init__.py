"""Outer middlewares: each update gets a log context, a DB session, its user and a language."""

from middlewares.db import DbSessionMiddleware
from middlewares.i18n import I18nMiddleware
from middlewares.logging_context import UpdateContextMiddleware
from middlewares.user import UserMiddleware

__all__ = [
    "DbSessionMiddleware",
    "I18nMiddleware",
    "UpdateContextMiddleware",
    "UserMiddleware",
]
