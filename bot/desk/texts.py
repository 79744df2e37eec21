"""The texts of the desk: the topic's title and card, history, and the agents' templates.

Everything a user typed or chose (names, handles, messages, lead fields) is HTML-escaped here,
once, so that a name like "<b>" cannot break or inject markup in the agents' group or in a
template sent to the user.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.desk.assistant import Line
from bot.kernel.i18n import Translator
from db.models import Agent, Lead, Ticket, TicketPriority, TicketStatus, User
from llm.context import plain_text

TITLE_LIMIT = 128  # Telegram's limit on a topic name
MESSAGE_LIMIT = 4096  # Telegram's limit on a message's text
LINE_LIMIT = 300  # one history line on the card
STATE_EMOJI = {TicketStatus.OPEN: "🆕", TicketStatus.CLAIMED: "🟢", TicketStatus.CLOSED: "✅"}
PRIORITY_EMOJI = {
    TicketPriority.URGENT: "🚨",
    TicketPriority.HIGH: "🔥",
    TicketPriority.NORMAL: "💬",
}
TEMPLATES = (
    "greeting",
    "review",
    "scheduling",
    "pricing",
    "followup",
    "closing",
    "notfit",
    "technical",
)


def display_name(user: User) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p) or str(user.id)


def topic_title(ticket: Ticket, user: User, agent: Agent | None, t: Translator) -> str:
    """Plain text (topic names are not HTML): state, name, priority, short reason, agent."""
    parts = [
        f"{STATE_EMOJI[TicketStatus(ticket.status)]} {display_name(user)}",
        t(f"desk-priority-{ticket.priority}"),
        t(f"desk-reason-{ticket.reason or 'requested'}"),
    ]
    if agent is not None and ticket.status == TicketStatus.CLAIMED:
        parts.append(f"👤 {agent.name}")
    title = " · ".join(parts)
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + "…"


def card(
    ticket: Ticket,
    user: User,
    lead: Lead | None,
    summary: str | None,
    lines: Sequence[Line],
    t: Translator,
) -> str:
    esc = html.escape
    priority = TicketPriority(ticket.priority)
    handle = f"@{esc(user.username)}" if user.username else t("desk-no-username")
    link = f'<a href="tg://user?id={int(user.id)}">{esc(display_name(user))}</a>'
    out = [
        t(
            "desk-card-title",
            emoji=PRIORITY_EMOJI[priority],
            id=str(ticket.id),
            priority=t(f"desk-priority-{priority}"),
        ),
        t("desk-card-reason", reason=t(f"desk-reason-{ticket.reason or 'requested'}")),
        t("desk-card-user", link=link, handle=handle),
        t(
            "desk-card-details",
            lang=esc(user.language or "?"),
            source=esc(user.source or t("desk-no-source")),
        ),
    ]
    if lead is not None:
        out.append(
            t(
                "desk-card-lead",
                score=esc(str(lead.score or "?")),
                type=_label(t, "lead-type", lead.project_type),
                budget=_label(t, "lead-budget", lead.budget),
                timeline=_label(t, "lead-timeline", lead.timeline),
            )
        )
    if ticket.contact_email:
        out.append(t("desk-card-email", email=esc(ticket.contact_email)))
    out.append("")
    if summary:
        out.append(t("desk-card-summary"))
        out.append(esc(summary))
    else:
        out.append(t("desk-card-last-messages"))
        out.extend(history_lines(lines, t) or [t("desk-card-no-messages")])
    return "\n".join(out)


def history_lines(lines: Sequence[Line], t: Translator) -> list[str]:
    result = []
    for line in lines:
        # The bot's own answers are stored as Telegram HTML: show their text, not the markup.
        text = plain_text(line.text) if line.sender == "bot" else line.text
        text = text if len(text) <= LINE_LIMIT else text[: LINE_LIMIT - 1] + "…"
        result.append(t(f"desk-history-{line.sender}", text=html.escape(text)))
    return result


def in_messages(lines: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """`lines` joined into as few messages as fit Telegram's limit, never splitting a line.

    Counted on the HTML, which is never shorter than the text Telegram counts; a history line
    holds at most LINE_LIMIT characters of text, so each fits a message of its own."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and size + 1 + len(line) > limit:
            messages.append("\n".join(current))
            current, size = [], 0
        size += len(line) + (1 if current else 0)
        current.append(line)
    if current:
        messages.append("\n".join(current))
    return messages


def _label(t: Translator, prefix: str, value: str | None) -> str:
    if not value:
        return t("desk-not-given")
    key = f"{prefix}-{value}"
    return t(key) if t.hub.has(key) else html.escape(value)


def template(
    name: str,
    t: Translator,
    *,
    user: User,
    agent: Agent,
    company: str,
    lead: Lead | None,
) -> str:
    """An agent template in `t`'s language (the user's), its variables filled and escaped."""
    esc = html.escape
    given = t("desk-not-given")
    first = user.first_name or (lead.name if lead else None) or given
    return t(
        f"desk-template-{name}",
        user=esc(first),
        agent=esc(agent.name),
        company=esc(company),
        project=_label(t, "lead-type", lead.project_type) if lead else given,
        budget=_label(t, "lead-budget", lead.budget) if lead else given,
        timeline=_label(t, "lead-timeline", lead.timeline) if lead else given,
    )
