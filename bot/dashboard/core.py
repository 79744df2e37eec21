"""What the dashboard's handlers share: the Dashboard object, its headers and cookie, and
rendering a page in the reader's language."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.dashboard.sessions import Session, SessionStore
from bot.desk.roles import role_of
from bot.desk.rules import allows
from bot.kernel.i18n import I18n, Translator
from bot.kernel.kv import Cache, Ledger
from db.models import AgentRole

PREFIX = "/dashboard"
COOKIE = "devbot_dashboard"
HERE = Path(__file__).resolve().parent
# The pages' own policy: their scripts and styles come from the dashboard alone (no inline
# script or style, no CDN), charts are inline SVG, and no other site may frame them.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The sign-in link's token never leaves for another site in a Referer. (Not no-referrer:
    # with it a browser sends "Origin: null" on the dashboard's own forms.)
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# Behind https (DASHBOARD_URL): a year of https only, so that no later visit starts over http.
HSTS = {"Strict-Transport-Security": "max-age=31536000"}
POLL_SECONDS = 3.0


@dataclass
class Dashboard:
    """What the dashboard's handlers share. `clock` (Unix seconds) is a field so that tests
    move time (an expired link, an idle session) without waiting."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n
    key: bytes
    cache: Cache
    used_links: Ledger
    clock: Callable[[], float] = time.time
    poll_seconds: float = POLL_SECONDS
    sessions: SessionStore = field(init=False)
    templates: jinja2.Environment = field(init=False)

    def __post_init__(self) -> None:
        idle = self.settings.dashboard.session_hours * 3600
        self.sessions = SessionStore(self.cache, self.used_links, idle, lambda: self.clock())
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    @property
    def origin(self) -> str | None:
        return self.settings.dashboard.url

    @property
    def headers(self) -> dict[str, str]:
        """The headers of every dashboard answer (bot/web.py adds them; the live stream,
        sent before a middleware could, sets them itself)."""
        return {**HEADERS, **HSTS} if self.settings.dashboard.secure else HEADERS

    async def admin_session(self, session_id: str | None, *, touch: bool) -> Session | None:
        """The live session of this id while its admin still has the admin role (a role can
        be taken away during a session), else None."""
        session = await self.sessions.get(session_id, touch=touch)
        if session is None:
            return None
        async with self.sessionmaker() as db:
            role = await role_of(db, session.admin_id, self.settings.telegram.admin_ids)
        return session if allows(role, AgentRole.ADMIN) else None


DASHBOARD: web.AppKey[Dashboard] = web.AppKey("dashboard", Dashboard)
# The request's session, once the guard (app.py) has found it.
SESSION: web.RequestKey[Session] = web.RequestKey("session", Session)


def translator(request: web.Request) -> Translator:
    """The session's language (the admin's Telegram language, from the link); without a
    session, the browser's Accept-Language."""
    dashboard = request.app[DASHBOARD]
    session = request.get(SESSION)
    if session is not None:
        return dashboard.i18n.get(session.language)
    wanted = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip()
    return dashboard.i18n.get(dashboard.i18n.resolve(wanted or None))


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    dashboard = request.app[DASHBOARD]
    session = request.get(SESSION)
    page = dashboard.templates.get_template(template).render(
        t=translator(request), session=session, path=request.path, **context
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def is_api(request: web.Request) -> bool:
    return request.path.startswith(PREFIX + "/api/")
