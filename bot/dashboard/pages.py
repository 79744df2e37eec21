"""The dashboard's pages: KPIs, conversations, one conversation, leads (and their CSV),
tickets; and the sign-in: the link's page, its confirmation, the help, the sign-out.

Filters come as GET parameters (a filtered page is a link to share or reload); a value that
is not understood is left out and named on the page.
"""

from __future__ import annotations

import csv
import hmac
import io
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web
from loguru import logger

from bot.dashboard import charts
from bot.dashboard.core import COOKIE, DASHBOARD, PREFIX, SESSION, Dashboard, render, translator
from bot.dashboard.links import Claim, LinkError, verify
from bot.dashboard.rows import conversation_cells, ticket_cells
from bot.desk.roles import role_of
from bot.desk.rules import allows
from bot.intake.export import export_csv
from bot.stats.kpis import PERIODS, SCORES, Period, compute
from db.models import (
    ActorType,
    AgentRole,
    ConversationStatus,
    LeadScore,
    LeadStatus,
    TicketStatus,
)
from db.repositories import audit
from db.repositories.dashboard import (
    PAGE_SIZE,
    ConversationFilter,
    DashboardRepository,
    LeadFilter,
    TicketFilter,
)

SIGNIN_COOKIE = "devbot_dashboard_signin"
DEFAULT_PERIOD = "7d"
E = TypeVar("E", bound=StrEnum)


def now_of(dashboard: Dashboard) -> datetime:
    """The dashboard's clock, in UTC (the tables' times read back aware, in UTC)."""
    return datetime.fromtimestamp(dashboard.clock(), UTC)


@dataclass
class Filters:
    """The query's values as read, and the names of those that were not understood."""

    query: Mapping[str, str]
    ignored: list[str] = field(default_factory=list)

    def text(self, name: str, limit: int = 200) -> str | None:
        value = self.query.get(name, "").strip()
        return value[:limit] or None

    def choice(self, name: str, kind: type[E]) -> E | None:
        value = self.query.get(name, "")
        if not value:
            return None
        try:
            return kind(value)
        except ValueError:
            self.ignored.append(name)
            return None

    def day(self, name: str, *, end: bool = False) -> datetime | None:
        """A YYYY-MM-DD date (a UTC day); the end of a range takes in the whole day."""
        value = self.query.get(name, "")
        if not value:
            return None
        try:
            moment = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            self.ignored.append(name)
            return None
        return moment + timedelta(days=1) if end else moment

    def yes_no(self, name: str) -> bool | None:
        value = self.query.get(name, "")
        if value in ("yes", "no"):
            return value == "yes"
        if value:
            self.ignored.append(name)
        return None

    def page(self) -> int:
        value = self.query.get("page", "0")
        return int(value) if value.isdigit() and len(value) < 6 else 0

    def period(self) -> str:
        value = self.query.get("period", DEFAULT_PERIOD)
        if value not in PERIODS:
            self.ignored.append("period")
            return DEFAULT_PERIOD
        return value


def _with(query: Mapping[str, str], **changes: Any) -> str:
    """The query string of this page with `changes` (None drops a value)."""
    merged = {key: value for key, value in query.items() if value}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return urlencode(merged)


async def kpis(request: web.Request) -> web.Response:
    dashboard = request.app[DASHBOARD]
    filters = Filters(request.query)
    name = filters.period()
    period = Period.named(name, now=now_of(dashboard))
    async with dashboard.sessionmaker() as db:
        figures = await compute(db, period)
    chart = charts.by_day(figures.by_day, charts.days(period.since.date(), period.until.date()))
    return render(
        request, "kpis.html", nav="kpis", k=figures, chart=chart, periods=list(PERIODS),
        period=name, scores=SCORES, ignored=filters.ignored,
    )  # fmt: skip


async def conversations(request: web.Request) -> web.Response:
    dashboard, t = request.app[DASHBOARD], translator(request)
    filters = Filters(request.query)
    where = ConversationFilter(
        text=filters.text("q"),
        status=filters.choice("status", ConversationStatus),
        source=request.query.get("source") or None,
        since=filters.day("since"),
        until=filters.day("until", end=True),
        escalated=filters.yes_no("escalated"),
    )
    page = filters.page()
    async with dashboard.sessionmaker() as db:
        repo = DashboardRepository(db)
        found = await repo.conversations(where, page)
        sources = await repo.sources()
        newest = await repo.newest_ids()
    filtered = where != ConversationFilter() or page > 0
    return render(
        request, "conversations.html", nav="conversations",
        rows=[conversation_cells(row, t, PREFIX) for row in found[:PAGE_SIZE]],
        statuses=list(ConversationStatus), sources=sources, q=request.query,
        ignored=filters.ignored, page=page,
        previous=_with(request.query, page=page - 1 or None) if page else None,
        next=_with(request.query, page=page + 1) if len(found) > PAGE_SIZE else None,
        events=None if filtered else _events(newest),
    )  # fmt: skip


def _events(newest: tuple[int, int]) -> str:
    return f"{PREFIX}/api/events?" + urlencode({"conversation": newest[0], "ticket": newest[1]})


async def conversation(request: web.Request) -> web.Response:
    dashboard = request.app[DASHBOARD]
    conversation_id = int(request.match_info["id"])
    async with dashboard.sessionmaker() as db:
        repo = DashboardRepository(db)
        row = await repo.conversation(conversation_id)
        if row is None:
            return render(request, "missing.html", status=404, nav="conversations")
        messages = await repo.history(conversation_id)
        tickets = await repo.conversation_tickets(conversation_id)
    t, now = translator(request), now_of(dashboard)
    reply_within = dashboard.settings.desk.reply_within_minutes
    return render(
        request, "conversation.html", nav="conversations", row=row, messages=messages,
        tickets=[ticket_cells(ticket, t, PREFIX, reply_within, now) for ticket in tickets],
    )  # fmt: skip


def _lead_filter(filters: Filters, query: Mapping[str, str]) -> LeadFilter:
    return LeadFilter(
        text=filters.text("q"),
        score=filters.choice("score", LeadScore),
        status=filters.choice("status", LeadStatus),
        source=query.get("source") or None,
        since=filters.day("since"),
        until=filters.day("until", end=True),
    )


async def leads(request: web.Request) -> web.Response:
    dashboard = request.app[DASHBOARD]
    filters = Filters(request.query)
    async with dashboard.sessionmaker() as db:
        found = await DashboardRepository(db).leads(_lead_filter(filters, request.query))
    return render(
        request, "leads.html", nav="leads", leads=found, scores=list(LeadScore),
        statuses=list(LeadStatus), q=request.query, ignored=filters.ignored,
        export=f"{PREFIX}/leads.csv?{_with(request.query)}",
    )  # fmt: skip


async def leads_csv(request: web.Request) -> web.Response:
    """The leads the page shows, in bot.intake.export's CSV (its columns, its formula-safe
    cells): the export of every lead, keeping the rows of the filtered ones.

    A GET that writes an audit row: the session cookie (SameSite=Lax) comes along on a link
    from another site too, so a browser's word that the request comes from elsewhere
    (Sec-Fetch-Site: cross-site, same-site) refuses it; the dashboard's own link says
    same-origin, an address typed or bookmarked says none."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return render(request, "refused.html", status=403, reason="csrf")
    dashboard, session = request.app[DASHBOARD], request[SESSION]
    filters = Filters(request.query)
    async with dashboard.sessionmaker() as db:
        shown = await DashboardRepository(db).leads(_lead_filter(filters, request.query), None)
        every = io.StringIO(newline="")
        await export_csv(db, every)
        # Personal data leaving the system: who took which leads is on record.
        audit.record(db, "dashboard-export-leads", actor_type=ActorType.ADMIN,
                     actor_id=session.admin_id, details={"leads": len(shown)})  # fmt: skip
        await db.commit()
    wanted = {str(lead.id) for lead in shown}
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for index, row in enumerate(csv.reader(io.StringIO(every.getvalue(), newline=""))):
        if index == 0 or (row and row[0] in wanted):
            writer.writerow(row)
    name = f"leads-{now_of(dashboard):%Y%m%d-%H%M}.csv"
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def tickets(request: web.Request) -> web.Response:
    dashboard, t = request.app[DASHBOARD], translator(request)
    filters = Filters(request.query)
    where = TicketFilter(
        status=filters.choice("status", TicketStatus),
        since=filters.day("since"),
        until=filters.day("until", end=True),
    )
    name = filters.period()
    period = Period.named(name, now=now_of(dashboard))
    async with dashboard.sessionmaker() as db:
        repo = DashboardRepository(db)
        found = await repo.tickets(where)
        figures = await compute(db, period)
        newest = await repo.newest_ids()
    now, reply_within = now_of(dashboard), dashboard.settings.desk.reply_within_minutes
    return render(
        request, "tickets.html", nav="tickets",
        rows=[ticket_cells(row, t, PREFIX, reply_within, now) for row in found],
        statuses=list(TicketStatus), q=request.query, ignored=filters.ignored,
        agents=figures.agents, k=figures, periods=list(PERIODS), period=name,
        reply_within=reply_within,
        events=None if where != TicketFilter() else _events(newest),
    )  # fmt: skip


# --- Signing in and out


def _cookie(response: web.StreamResponse, dashboard: Dashboard, name: str, value: str,
            path: str, same_site: str, max_age: int | None = None) -> None:  # fmt: skip
    response.set_cookie(
        name, value, path=path, httponly=True, secure=dashboard.settings.dashboard.secure,
        samesite=same_site, max_age=max_age,
    )  # fmt: skip


async def _check_link(dashboard: Dashboard, token: str) -> Claim | str:
    """The claim of a link that may sign in, else why not ("invalid", "expired", "used")."""
    try:
        claim = verify(dashboard.key, token, dashboard.clock())
    except LinkError as exc:
        return exc.reason
    return "used" if await dashboard.sessions.was_redeemed(claim) else claim


async def _spend_link(dashboard: Dashboard, token: str) -> Claim | str:
    """The claim of a link that signs its admin in now (spent: it works once), else why not
    (also "denied": the admin lost the role since the link was made)."""
    claim = await _check_link(dashboard, token)
    if isinstance(claim, str):
        return claim
    if not await dashboard.sessions.redeem(claim):
        return "used"  # another request spent it a moment ago
    async with dashboard.sessionmaker() as db:
        role = await role_of(db, claim.admin_id, dashboard.settings.telegram.admin_ids)
        if not allows(role, AgentRole.ADMIN):
            return "denied"
        audit.record(db, "dashboard-sign-in", actor_type=ActorType.ADMIN,
                     actor_id=claim.admin_id)  # fmt: skip
        await db.commit()
    return claim


async def login_page(request: web.Request) -> web.Response:
    """The link's page: a button that signs in. A GET spends nothing, so a link preview or a
    mail scanner that opens the link does not use it up; the button's POST does."""
    dashboard = request.app[DASHBOARD]
    token = request.query.get("token", "")[:512]
    claim = await _check_link(dashboard, token)
    if isinstance(claim, str):
        return render(request, "refused.html", status=403, reason=claim)
    nonce = secrets.token_urlsafe(24)
    response = render(request, "login.html", token=token, nonce=nonce)
    _cookie(response, dashboard, SIGNIN_COOKIE, nonce, f"{PREFIX}/login", "Strict",
            max_age=600)  # fmt: skip
    return response


async def login(request: web.Request) -> web.Response:
    dashboard = request.app[DASHBOARD]
    form = await request.post()
    token, nonce = str(form.get("token", ""))[:512], str(form.get("csrf", ""))
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    if not nonce or not hmac.compare_digest(nonce.encode(), cookie.encode()):
        return render(request, "refused.html", status=403, reason="csrf")
    claim = await _spend_link(dashboard, token)
    if isinstance(claim, str):
        logger.info("dashboard: a sign-in was refused ({})", claim)
        return render(request, "refused.html", status=403, reason=claim)
    session_id, _session = await dashboard.sessions.open(claim)
    logger.info("dashboard: an admin signed in")
    response = web.HTTPSeeOther(PREFIX + "/")
    _cookie(response, dashboard, COOKIE, session_id, PREFIX + "/", "Lax")
    response.del_cookie(SIGNIN_COOKIE, path=f"{PREFIX}/login")
    raise response


async def logout(request: web.Request) -> web.Response:
    dashboard = request.app[DASHBOARD]
    await dashboard.sessions.close(request.cookies.get(COOKIE, ""))
    response = web.HTTPSeeOther(PREFIX + "/signin?out=1")
    response.del_cookie(COOKIE, path=PREFIX + "/")
    raise response


async def signin_help(request: web.Request) -> web.Response:
    return render(request, "signin.html", out="out" in request.query)
