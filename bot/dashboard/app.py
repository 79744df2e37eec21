"""The dashboard's aiohttp application, mounted at /dashboard/ on the operators' port, and the
guard every request passes: a session for every page and API (pages send the sign-in help,
the API answers 401), the admin role checked again (a role can be taken away during a
session), and on every POST the session's CSRF token and the dashboard's own origin."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.dashboard import live, pages
from bot.dashboard.core import (
    COOKIE,
    DASHBOARD,
    HERE,
    PREFIX,
    SESSION,
    Dashboard,
    is_api,
    render,
)
from bot.dashboard.links import link_key
from bot.dashboard.sessions import Session
from bot.kernel.i18n import I18n
from bot.kernel.kv import Cache, Ledger

# Reachable without a session: the sign-in itself, its help, and the stylesheet and script.
PUBLIC_ROUTES = {"login", "login-confirm", "signin", "static"}


async def _signed_in(request: web.Request) -> Session | None:
    # The live stream is no activity: an open tab alone does not keep a session alive.
    return await request.app[DASHBOARD].admin_session(
        request.cookies.get(COOKIE), touch=not is_api(request)
    )


_DEFAULT_PORTS = {"https": 443, "http": 80}


def _origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, effective port) of an origin or base URL, None when it names none
    ("null", a malformed port): hosts are case-insensitive and a default port may be
    written or left out, so two spellings of one origin compare equal."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not parts.hostname or scheme not in _DEFAULT_PORTS:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _same_origin(request: web.Request) -> bool:
    """A browser names the page a POST comes from; it must be the dashboard's own."""
    origin = request.headers.get("Origin")
    expected = request.app[DASHBOARD].origin
    if origin is None or expected is None:
        return True
    found = _origin_of(origin)
    return found is not None and found == _origin_of(expected)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = request.match_info.route.name
    try:
        return await _checked(request, handler, route)
    except web.HTTPException:
        raise
    except Exception as exc:  # a page that fails says so politely; the log has the cause
        logger.opt(exception=exc).error(
            "dashboard: {} failed: {}", route or "a page", type(exc).__name__
        )
        if is_api(request):
            return web.json_response({"error": "failed"}, status=500)
        return render(request, "error.html", status=500)


async def _checked(
    request: web.Request, handler: Handler, route: str | None
) -> web.StreamResponse:
    if request.method == "POST" and not _same_origin(request):
        return render(request, "refused.html", status=403, reason="csrf")
    if route in PUBLIC_ROUTES:
        return await handler(request)
    session = await _signed_in(request)
    if session is None:
        if is_api(request):
            return web.json_response({"error": "sign in first"}, status=401)
        raise web.HTTPSeeOther(PREFIX + "/signin")
    request[SESSION] = session
    if request.method == "POST":
        form = await request.post()
        given = form.get("csrf")
        if not session.csrf_matches(given if isinstance(given, str) else None):
            return render(request, "refused.html", status=403, reason="csrf")
    return await handler(request)


def create_app(dashboard: Dashboard) -> web.Application:
    """The dashboard's routes, for `mount`."""
    app = web.Application(middlewares=[guard])
    app[DASHBOARD] = dashboard
    app.router.add_get("/", pages.kpis, name="kpis")
    app.router.add_get("/conversations", pages.conversations, name="conversations")
    app.router.add_get(r"/conversations/{id:\d{1,18}}", pages.conversation, name="conversation")
    app.router.add_get("/leads", pages.leads, name="leads")
    app.router.add_get("/leads.csv", pages.leads_csv, name="leads-csv")
    app.router.add_get("/tickets", pages.tickets, name="tickets")
    app.router.add_post("/logout", pages.logout, name="logout")
    app.router.add_get("/login", pages.login_page, name="login")
    app.router.add_post("/login", pages.login, name="login-confirm")
    app.router.add_get("/signin", pages.signin_help, name="signin")
    app.router.add_get("/api/events", live.events, name="events")
    app.router.add_static("/static/", HERE / "static", name="static")
    return app


def build(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
    cache: Cache,
    used_links: Ledger,
) -> Dashboard | None:
    """The dashboard, None when it is off: no DASHBOARD_URL, or no BOT_TOKEN to sign with."""
    key = link_key(settings)
    if settings.dashboard.url is None or key is None:
        return None
    return Dashboard(settings, sessionmaker, i18n, key, cache, used_links)


def mount(app: web.Application, dashboard: Dashboard) -> None:
    """/dashboard/ on `app` (and /dashboard sends there)."""
    app[DASHBOARD] = dashboard
    app.add_subapp(PREFIX, create_app(dashboard))

    async def to_index(_request: web.Request) -> web.Response:
        raise web.HTTPPermanentRedirect(PREFIX + "/")

    app.router.add_get(PREFIX, to_index)
