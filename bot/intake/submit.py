"""The intake's last step as one use case: a finished form becomes a lead, stored, counted and
handed to the agents. The dialog's Confirm calls it; a test or a CLI can call it without one."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.intake.leads import open_lead, save_lead
from bot.intake.scoring import LeadForm, ScoringRule
from bot.intake.tracking import intake_finished
from bot.kernel.metrics import INTAKE_COMPLETED, LEADS, source_label
from db.models import Lead, User


class Handover(Protocol):
    """Tells the agents about a stored lead (bot/intake/handover.py binds it to the bot)."""

    def __call__(self, *, lead: Lead, user: User) -> Awaitable[None]: ...


@dataclass(frozen=True)
class Submitted:
    lead: Lead
    updated: bool  # the user's open lead was updated instead of a new one stored


async def submit(
    session: AsyncSession,
    user: User,
    form: LeadForm,
    *,
    rule: ScoringRule,
    handover: Handover,
    update_open_lead: bool = False,
) -> Submitted:
    """Score and store `form` for `user` (over their open lead when `update_open_lead` and one
    is still open), close their intake as completed, commit, then hand the lead over."""
    replace = await open_lead(session, user.id) if update_open_lead else None
    lead = await save_lead(session, user.id, form, rule=rule, replace=replace)
    await intake_finished(session, user.id, completed=True)
    # Stored before anyone hears of it: the agents must never get a card for a lead that a
    # failed commit at the end of the update would lose.
    await session.commit()
    INTAKE_COMPLETED.labels(source_label(form.source)).inc()
    LEADS.labels(str(lead.score)).inc()
    await handover(lead=lead, user=user)
    return Submitted(lead, updated=replace is not None)
