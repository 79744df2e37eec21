"""The business figures of a period, counted from the rows (bot.stats turns them into KPIs).

Every count is over what started in the period [since, until): conversations by their start,
intakes by theirs (completed ones by their finish), leads and tickets by their creation, LLM
answers by when they were sent. Bounds are aware datetimes; days are UTC days whatever the
database session's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from db.models import Agent, Conversation, IntakeProgress, Lead, Message, SenderType, Ticket

NO_SOURCE = ""  # conversations that came without a deep link
# A column or a mapped attribute, as the queries below take them.
Column = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class TicketTimes:
    """One ticket of the period, for the agents' figures."""

    agent: str | None  # who claimed it (their name), None while nobody has
    opened_at: datetime
    claimed_at: datetime | None
    first_reply_at: datetime | None
    closed_at: datetime | None
    rating: int | None


@dataclass(frozen=True)
class Breakdown:
    """Conversations, leads and hand-offs of one day or one source."""

    key: str
    conversations: int = 0
    leads: int = 0
    handoffs: int = 0


@dataclass(frozen=True)
class PeriodRows:
    conversations: int
    people: int  # who started a conversation or an intake
    answered_without_a_human: int
    intake_started: int
    intake_completed: int
    leads_by_score: dict[str, int]  # "" for a lead without a score
    handoff_reasons: dict[str, int]
    llm_answers: int
    llm_cost_usd: Decimal
    tickets: list[TicketTimes]
    by_day: list[Breakdown]
    by_source: list[Breakdown]


def _within(
    column: Column, since: datetime, until: datetime
) -> ColumnElement[bool] | QueryableAttribute[bool]:
    return and_(column >= since, column < until)


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def period(self, since: datetime, until: datetime) -> PeriodRows:
        started = _within(Conversation.created_at, since, until)
        escalated = exists().where(Ticket.conversation_id == Conversation.id)
        conversations, bot_only = (
            await self.session.execute(
                select(func.count(), func.count().filter(~escalated)).where(started)
            )
        ).one()
        # Who talked to the bot: a conversation, or an intake (which logs none), in the period.
        talked = union(
            select(Conversation.user_id).where(started),
            select(IntakeProgress.user_id).where(_within(IntakeProgress.started_at, since, until)),
        ).subquery()
        people = await self.session.scalar(select(func.count()).select_from(talked)) or 0
        intake_started = await self._count(
            IntakeProgress, _within(IntakeProgress.started_at, since, until)
        )
        intake_completed = await self._count(
            IntakeProgress,
            IntakeProgress.completed,
            _within(IntakeProgress.finished_at, since, until),
        )
        leads_by_score = {
            (str(score) if score else ""): count
            for score, count in await self.session.execute(
                select(Lead.score, func.count())
                .where(_within(Lead.created_at, since, until))
                .group_by(Lead.score)
            )
        }
        opened = _within(Ticket.opened_at, since, until)
        handoff_reasons = {
            (reason or ""): count
            for reason, count in await self.session.execute(
                select(Ticket.reason, func.count()).where(opened).group_by(Ticket.reason)
            )
        }
        llm_answers, llm_cost = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(Message.cost_usd), 0)).where(
                    Message.sender_type == SenderType.BOT,
                    Message.llm_model.is_not(None),
                    _within(Message.created_at, since, until),
                )
            )
        ).one()
        tickets = [
            TicketTimes(*row)
            for row in await self.session.execute(
                select(
                    Agent.name,
                    Ticket.opened_at,
                    Ticket.claimed_at,
                    Ticket.first_reply_at,
                    Ticket.closed_at,
                    Ticket.rating,
                )
                .outerjoin(Agent, Agent.id == Ticket.claimed_by)
                .where(opened)
                .order_by(Ticket.id)
            )
        ]
        return PeriodRows(
            conversations=conversations,
            people=people,
            answered_without_a_human=bot_only,
            intake_started=intake_started,
            intake_completed=intake_completed,
            leads_by_score=leads_by_score,
            handoff_reasons=handoff_reasons,
            llm_answers=llm_answers,
            llm_cost_usd=Decimal(llm_cost or 0),
            tickets=tickets,
            by_day=await self._breakdown(since, until, by_day=True),
            by_source=await self._breakdown(since, until, by_day=False),
        )

    async def _count(
        self, model: type[IntakeProgress], *where: ColumnElement[bool] | QueryableAttribute[bool]
    ) -> int:
        return (
            await self.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        )

    async def _breakdown(
        self, since: datetime, until: datetime, *, by_day: bool
    ) -> list[Breakdown]:
        """Conversations, leads and tickets of the period by UTC day, or by the source of the
        person's deep link (a lead or ticket counts under its conversation's source)."""

        postgres = self.session.get_bind().dialect.name == "postgresql"

        def key_of(created: Column, source: Column) -> ColumnElement[str]:
            if by_day:
                # SQLite keeps UTC wall time; PostgreSQL's date() would use the session's zone.
                return func.date(func.timezone("UTC", created) if postgres else created)
            return func.coalesce(source, NO_SOURCE)

        counted: dict[str, dict[str, int]] = {}
        queries = {
            "conversations": select(
                key_of(Conversation.created_at, Conversation.source), func.count()
            ).where(_within(Conversation.created_at, since, until)),
            "leads": select(key_of(Lead.created_at, Lead.source), func.count()).where(
                _within(Lead.created_at, since, until)
            ),
            "handoffs": select(key_of(Ticket.opened_at, Conversation.source), func.count())
            .select_from(Ticket)
            .outerjoin(Conversation, Conversation.id == Ticket.conversation_id)
            .where(_within(Ticket.opened_at, since, until)),
        }
        for name, query in queries.items():
            rows = await self.session.execute(query.group_by(query.selected_columns[0]))
            for key, count in rows:
                counted.setdefault(str(key), {})[name] = count
        return [Breakdown(key, **counts) for key, counts in sorted(counted.items())]
