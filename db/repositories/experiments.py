"""What the experiments' variants did, counted from the rows: who saw which variant (the bot's
messages carry it in `messages.variant`) and what they did afterwards.

A person counts under the variant of their first exposure to an experiment in the period
[since, until) (a weight changed mid-experiment may show them another one later: they stay
where they started). Conversions count from that first exposure until `until`: an intake
started (intake_progress.started_at: the person's latest intake), a lead created, a ticket
opened, and the ratings of those tickets: averaged per person first (one person with many rated
tickets is one value, as every other person), then added up per variant over the people who
rated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from db.models import Conversation, IntakeProgress, Lead, Message, Ticket

LABEL_SEPARATOR = ":"


@dataclass(frozen=True)
class VariantRows:
    """One variant's people and conversions: its label is "experiment:variant"."""

    label: str
    people: int
    intakes: int
    leads: int
    handoffs: int
    raters: int = 0  # the people who rated a ticket
    rating_sum: float = 0.0  # of each rater's average rating
    rating_squares: float = 0.0  # of the squares of each rater's average rating


def _experiment_of(label: QueryableAttribute[Any], dialect: str) -> ColumnElement[str]:
    """The label up to its separator (experiment names never hold one)."""
    if dialect == "postgresql":
        return func.split_part(label, LABEL_SEPARATOR, 1)
    return func.substr(label, 1, func.instr(label, LABEL_SEPARATOR) - 1)


class ExperimentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def variants(self, since: datetime, until: datetime) -> list[VariantRows]:
        """Every variant shown in the period, by label."""
        dialect = self.session.get_bind().dialect.name
        experiment = _experiment_of(Message.variant, dialect)
        seen = (
            select(
                Conversation.user_id.label("user_id"),
                Message.variant.label("label"),
                Message.created_at.label("at"),
                func.row_number()
                .over(
                    partition_by=(Conversation.user_id, experiment),
                    order_by=(Message.created_at, Message.id),
                )
                .label("n"),
            )
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.variant.is_not(None),
                Message.created_at >= since,
                Message.created_at < until,
            )
            .subquery("seen")
        )
        first = select(seen.c.user_id, seen.c.label, seen.c.at).where(seen.c.n == 1).cte("first")

        def after(user: QueryableAttribute[int], at: QueryableAttribute[Any]) -> Any:
            return and_(user == first.c.user_id, at >= first.c.at, at < until)

        counted = await self.session.execute(
            select(
                first.c.label,
                func.count(),
                func.count().filter(
                    exists().where(after(IntakeProgress.user_id, IntakeProgress.started_at))
                ),
                func.count().filter(exists().where(after(Lead.user_id, Lead.created_at))),
                func.count().filter(exists().where(after(Ticket.user_id, Ticket.opened_at))),
            )
            .group_by(first.c.label)
            .order_by(first.c.label)
        )
        per_person = (
            select(
                first.c.label.label("label"),
                func.avg(cast(Ticket.rating, Float)).label("average"),
            )
            .join(Ticket, after(Ticket.user_id, Ticket.opened_at))
            .where(Ticket.rating.is_not(None))
            .group_by(first.c.label, first.c.user_id)
            .subquery("per_person")
        )
        rated = {
            label: (count, total, squares)
            for label, count, total, squares in await self.session.execute(
                select(
                    per_person.c.label,
                    func.count(),
                    func.sum(per_person.c.average),
                    func.sum(per_person.c.average * per_person.c.average),
                ).group_by(per_person.c.label)
            )
        }
        found = []
        for label, people, intakes, leads, handoffs in counted:
            raters, total, squares = rated.get(label, (0, 0.0, 0.0))
            found.append(VariantRows(label, people, intakes, leads, handoffs, raters,
                                     float(total), float(squares)))  # fmt: skip
        return found
