"""Table rows as cells of text (and a link), built once for both the page and the live stream:
a row pushed to an open page reads like the rows the page was rendered with."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from bot.kernel.i18n import Translator
from db.models import TicketStatus, User
from db.repositories.dashboard import ConversationRow, TicketRow

NOTHING = "—"


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    mark: str | None = None  # a class for the stylesheet: "late", "ok", ...

    def as_json(self) -> dict[str, str | None]:
        return asdict(self)


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else NOTHING


def duration(t: Translator, seconds: float | None) -> str:
    if seconds is None:
        return NOTHING
    minutes = max(0, round(seconds / 60))
    if minutes < 60:
        return t("dashboard-minutes", minutes=minutes)
    return t("dashboard-hours", hours=minutes // 60, minutes=minutes % 60)


def person(user: User) -> str:
    name = " ".join(p for p in (user.first_name, user.last_name) if p) or str(user.id)
    return f"{name} (@{user.username})" if user.username else name


def conversation_cells(row: ConversationRow, t: Translator, prefix: str) -> list[Cell]:
    c = row.conversation
    return [
        Cell(f"#{c.id}", href=f"{prefix}/conversations/{c.id}"),
        Cell(when(c.created_at)),
        Cell(person(row.user)),
        Cell(t(f"dashboard-status-{c.status}"), mark=str(c.status)),
        Cell(c.source or NOTHING),
        Cell(str(row.messages)),
        Cell(t("dashboard-yes") if row.escalated else t("dashboard-no")),
        Cell(when(c.last_message_at)),
    ]


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if end is not None else None


def sla(row: TicketRow, t: Translator, reply_within_minutes: int, now: datetime) -> Cell:
    """In time when the first reply came within the promise; late after it; waiting while the
    promise still holds (a closed ticket nobody answered counts as late)."""
    ticket, limit = row.ticket, reply_within_minutes * 60
    waited = _seconds(ticket.opened_at, ticket.first_reply_at)
    if waited is None:
        waited = _seconds(ticket.opened_at, ticket.closed_at or now) or 0.0
        if ticket.status != TicketStatus.CLOSED and waited <= limit:
            return Cell(t("dashboard-sla-waiting"), mark="waiting")
        return Cell(t("dashboard-sla-late"), mark="late")
    if waited <= limit:
        return Cell(t("dashboard-sla-ok"), mark="ok")
    return Cell(t("dashboard-sla-late"), mark="late")


def ticket_cells(
    row: TicketRow, t: Translator, prefix: str, reply_within_minutes: int, now: datetime
) -> list[Cell]:
    ticket = row.ticket
    opened = ticket.opened_at
    conversation = (
        Cell(f"#{ticket.conversation_id}", href=f"{prefix}/conversations/{ticket.conversation_id}")
        if ticket.conversation_id is not None
        else Cell(NOTHING)
    )
    return [
        Cell(f"#{ticket.id}"),
        Cell(when(opened)),
        Cell(person(row.user)),
        Cell(t(f"dashboard-ticket-{ticket.status}"), mark=str(ticket.status)),
        Cell(t(f"desk-priority-{ticket.priority}")),
        Cell(t(f"desk-reason-{ticket.reason or 'requested'}")),
        Cell(row.agent or NOTHING),
        Cell(duration(t, _seconds(opened, ticket.claimed_at))),
        Cell(duration(t, _seconds(opened, ticket.first_reply_at))),
        Cell(duration(t, _seconds(opened, ticket.closed_at))),
        sla(row, t, reply_within_minutes, now),
        Cell(str(ticket.rating) if ticket.rating is not None else NOTHING),
        conversation,
    ]
