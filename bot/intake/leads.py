"""Leads from the project intake: saving a finished form and the card the agents' group sees.

A client who goes through the intake again while their previous lead is still open (new,
contacted or qualified) updates that lead instead of creating a second one: the team keeps one
card per project, and a client correcting a typo does not look like two leads.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.intake.scoring import Budget, LeadForm, ProjectType, ScoringRule, Timeline, score
from bot.kernel.i18n import Translator
from db.models import Lead, LeadScore, User
from db.repositories.conversations import ConversationRepository
from db.repositories.leads import LeadRepository

# Telegram refuses messages over 4096 characters; the rest of the card is short, so a long
# description is cut to keep the whole card sendable (the full text stays in the database).
CARD_DESCRIPTION_LIMIT = 2000
SCORE_EMOJI = {LeadScore.HOT: "🔥", LeadScore.WARM: "🌤", LeadScore.COLD: "❄️"}


async def open_lead(session: AsyncSession, user_id: int) -> Lead | None:
    """The user's newest lead the team is still working on, if any."""
    return await LeadRepository(session).newest_open(user_id)


async def save_lead(
    session: AsyncSession,
    user_id: int,
    form: LeadForm,
    *,
    rule: ScoringRule,
    replace: Lead | None = None,
) -> Lead:
    """Score the form and store it: as a new lead, or over `replace` (the user's open lead)."""
    if replace is not None and replace.user_id != user_id:
        raise ValueError(f"lead {replace.id} belongs to user {replace.user_id}, not {user_id}")
    repo = LeadRepository(session)
    level, points = score(form, rule)
    lead = replace if replace is not None else Lead(user_id=user_id)
    lead.project_type = form.project_type.value
    lead.description = form.description.strip()
    lead.timeline = form.timeline.value
    lead.budget = form.budget.value
    lead.name = _clip(form.name, "name")
    lead.email = _clip(form.email, "email")
    lead.company = _clip(form.company, "company")
    lead.phone = _clip(form.phone, "phone")
    lead.source = _clip(form.source, "source")
    lead.language = _clip(form.language, "language")
    lead.entities = form.entities
    lead.score = level
    lead.score_points = points
    # Keep the conversation an update was first linked to when the user has none open now.
    current = await ConversationRepository(session).current(user_id)
    lead.conversation_id = current.id if current is not None else lead.conversation_id
    if replace is None:
        return await repo.add(lead)
    await session.flush()
    return lead


def _clip(value: str | None, column: str) -> str | None:
    """Strip, turn blanks into None and cut to the column's length: PostgreSQL rejects longer
    strings, and the wizard's own limits may change without anyone looking here."""
    if value is None or not value.strip():
        return None
    length = getattr(Lead.__table__.c[column].type, "length", None)
    return value.strip()[:length] if length else value.strip()


def lead_card(lead: Lead, user: User, t: Translator) -> str:
    """The lead as Telegram HTML for the agents' group, in `t`'s language.

    Everything the user typed (and their Telegram name) is escaped: a name like "<b>" must not
    break the message or inject markup into the agents' chat.
    """
    esc = html.escape
    missing = t("lead-card-not-given")
    lines: list[str] = []
    if lead.score is not None:
        level = LeadScore(lead.score)
        lines.append(
            t(f"lead-card-{level.value}", emoji=SCORE_EMOJI[level], points=lead.score_points or 0)
        )
    lines.append(t("lead-card-title", id=str(lead.id)))
    lines.append("")
    choices = (
        ("type", ProjectType, lead.project_type),
        ("timeline", Timeline, lead.timeline),
        ("budget", Budget, lead.budget),
    )
    for field, enum_cls, choice in choices:
        lines.append(t(f"lead-card-{field}", value=_label(t, f"lead-{field}", enum_cls, choice)))
    for field in ("name", "company", "email", "phone", "source", "language"):
        value = getattr(lead, field)
        lines.append(t(f"lead-card-{field}", value=esc(value) if value else missing))
    description = (lead.description or "").strip()
    if len(description) > CARD_DESCRIPTION_LIMIT:
        description = description[:CARD_DESCRIPTION_LIMIT].rstrip() + "…"
    lines.append("")
    lines.append(t("lead-card-description"))
    lines.append(esc(description) if description else missing)
    found = _found(lead.entities or {}, t)
    if found:
        lines.append("")
        lines.append(t("lead-card-found"))
        lines.extend(found)
    lines.append("")
    handle = f"@{esc(user.username)}" if user.username else t("lead-card-no-username")
    display = " ".join(p for p in (user.first_name, user.last_name) if p) or lead.name
    link = f'<a href="tg://user?id={int(user.id)}">{esc(display or str(user.id))}</a>'
    lines.append(t("lead-card-user", handle=handle, link=link))
    return "\n".join(lines)


def _label(t: Translator, prefix: str, enum_cls: type[Any], value: str | None) -> str:
    """The localized label of a stored choice; a value no longer in the enum shows as is."""
    if value is None:
        return t("lead-card-not-given")
    if value in {member.value for member in enum_cls}:
        return t(f"{prefix}-{value}")
    return html.escape(value)


def _found(entities: dict[str, Any], t: Translator) -> list[str]:
    """Lines for the technologies, budget and timeline read from the description.

    The dict comes from the database, so a row written by an older version may lack keys:
    anything unexpected is skipped rather than failing the card.
    """
    esc = html.escape
    lines: list[str] = []
    technologies = entities.get("technologies")
    if isinstance(technologies, list) and technologies:
        names = ", ".join(esc(str(name)) for name in technologies)
        lines.append(t("lead-card-found-technologies", value=names))
    budget = entities.get("budget")
    if isinstance(budget, dict) and isinstance(budget.get("amount"), int):
        amount = _money(budget["amount"])
        if isinstance(budget.get("max"), int):
            amount += f"–{_money(budget['max'])}"
        value = f"{amount} {esc(str(budget.get('currency') or ''))}".strip()
        if budget.get("text"):
            value += " " + t("lead-card-quoted", text=esc(str(budget["text"])))
        lines.append(t("lead-card-found-budget", value=value))
    timeline = entities.get("timeline")
    if isinstance(timeline, dict) and timeline.get("category"):
        parts = [_label(t, "lead-timeline", Timeline, str(timeline["category"]))]
        if timeline.get("date"):
            parts.append(t("lead-card-deadline", date=esc(str(timeline["date"]))))
        if timeline.get("text"):
            parts.append(t("lead-card-quoted", text=esc(str(timeline["text"]))))
        lines.append(t("lead-card-found-timeline", value=", ".join(parts)))
    return lines


def _money(amount: int) -> str:
    # A thin space groups thousands in both languages ("50 000"), unlike "," or ".".
    return f"{amount:,}".replace(",", "\u2009")
