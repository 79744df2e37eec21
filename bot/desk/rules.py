"""The desk's rules, apart from Telegram and the database: who may claim, answer, transfer and
close a ticket; when a new trigger raises a ticket's priority; when the user is asked for an
e-mail and when their message is one. Tests call these on plain model objects.

Roles are ranked (agent < senior < admin < superadmin). Whoever holds a ticket works on it;
seniors and above may step in; an urgent ticket is claimed by a senior or above only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.intake.rules import InputRejected, parse_email
from db.models import AgentRole, Ticket, TicketPriority, TicketStatus

RANK = {role: rank for rank, role in enumerate(AgentRole)}
PRIORITY_RANK = {TicketPriority.NORMAL: 0, TicketPriority.HIGH: 1, TicketPriority.URGENT: 2}


def allows(role: AgentRole | None, needed: AgentRole) -> bool:
    """Whether `role` covers what needs `needed`; nobody (None) is allowed nothing."""
    return role is not None and RANK[role] >= RANK[needed]


def outranks(role: AgentRole | None, other: AgentRole) -> bool:
    """Whether `role` ranks above `other` (an admin changes people at or below their rank)."""
    return role is not None and RANK[role] > RANK[other]


# Who may do what to a ticket


def claim_refusal(ticket: Ticket, role: AgentRole) -> str | None:
    """The locale key of why an agent of `role` may not claim `ticket`, or None."""
    if ticket.priority == TicketPriority.URGENT and not allows(role, AgentRole.SENIOR):
        return "desk-claim-needs-senior"
    return None


def lost_claim(ticket: Ticket, agent_id: int) -> str:
    """The locale key for a claim that did not win: the ticket as it is now says why."""
    if ticket.status == TicketStatus.CLOSED:
        return "desk-ticket-closed"
    if ticket.claimed_by == agent_id:
        return "desk-claim-yours"
    return "desk-claim-taken"


def may_act(ticket: Ticket, agent_id: int, role: AgentRole) -> bool:
    """Whether the agent may answer, transfer, release or close `ticket`: its holder (or anyone
    while nobody holds it), and seniors and above on any ticket."""
    return ticket.claimed_by in (None, agent_id) or allows(role, AgentRole.SENIOR)


# Who may open a ticket

# The window of DESK_TICKETS_PER_HOUR.
OPENING_WINDOW = timedelta(hours=1)
# What the bot decides on its own (an unsure answer, a hot lead): a refusal to open a ticket
# for these is not the person's doing, so nobody tells them about it.
BOTS_OWN_REASONS = frozenset({"low_confidence", "hot_lead"})


def opening_refusal(
    recent: Sequence[Ticket], now: datetime, *, per_hour: int, cooldown: timedelta
) -> str | None:
    """The locale key of why a person may not open another ticket now, or None.

    `recent` are their tickets opened or closed lately. Against a flood of tickets (tapping
    "Talk to a human" and "Back to the bot" in turns): at most `per_hour` tickets in
    an hour, and none within `cooldown` of the last one closing."""
    opened = [t for t in recent if t.opened_at >= now - OPENING_WINDOW]
    if len(opened) >= per_hour:
        return "desk-open-limit"
    closed = [t.closed_at for t in recent if t.closed_at is not None]
    if closed and now - max(closed) < cooldown:
        return "desk-open-cooldown"
    return None


# How a ticket changes


def raises_priority(ticket: Ticket, priority: TicketPriority) -> bool:
    """A new trigger on an open ticket raises its priority, never lowers it."""
    return PRIORITY_RANK[priority] > PRIORITY_RANK[TicketPriority(ticket.priority)]


def opening_reply(ticket: Ticket, *, answered_now: bool) -> str:
    """The locale key of what the user hears when `ticket` opens (or rises). When nobody will
    answer now (out of hours, or no agent at all) the ticket asks for an e-mail unless it has
    one; the user's next message is then taken as one (`take_contact_email`)."""
    if answered_now:
        return "desk-opened"
    ticket.asked_email = ticket.contact_email is None
    return "desk-opened-offline" if ticket.asked_email else "desk-opened-offline-known"


def take_contact_email(ticket: Ticket, text: str | None) -> bool:
    """A ticket that asked for an e-mail keeps `text` when it is one; True when it did."""
    if not ticket.asked_email or not text:
        return False
    try:
        email = parse_email(text)
    except InputRejected:
        return False
    ticket.contact_email, ticket.asked_email = email[:255], False
    return True


def seconds_since(start: datetime | None, now: datetime) -> float:
    """For the SLA histograms: never negative, 0 when it never started."""
    if start is None:
        return 0.0
    return max((now - start).total_seconds(), 0.0)
