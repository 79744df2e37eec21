"""What the browser tests find in the database: four people (one asked to be forgotten), their
conversations with messages (a bot answer with its LLM metadata), three leads and two tickets
(one answered in time by an agent and rated, one still waiting past the promise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import (
    Agent,
    AgentRole,
    Conversation,
    ConversationStatus,
    Lead,
    LeadScore,
    LeadStatus,
    Message,
    SenderType,
    Ticket,
    TicketPriority,
    TicketStatus,
    User,
)

ADMIN_ID = 5005
ANNA, BORIS, CARLA, GONE = 2001, 2002, 2003, 2004
AGENT_TELEGRAM_ID = 7001
AGENT_NAME = "Alice Agent"
# What a person may type: shown as text, never run or rendered.
MARKUP = "<script>document.title='owned'</script> & <b>bold</b>"


@dataclass(frozen=True)
class Seeded:
    anna: int  # the conversations' ids
    boris: int
    carla: int
    gone: int
    leads: dict[str, int]  # by e-mail


def _now() -> datetime:
    return datetime.now(UTC)


async def seed(sessionmaker: async_sessionmaker[AsyncSession]) -> Seeded:
    now = _now()
    async with sessionmaker() as db:
        db.add_all([
            User(id=ANNA, first_name="Anna", last_name="Petrova", username="anna_p",
                 language="en", source="ads"),
            User(id=BORIS, first_name="Boris", username="boris_dev", language="ru",
                 source="site"),
            User(id=CARLA, first_name="Carla", last_name="Meyer", language="en"),
            User(id=GONE, first_name="Gone", last_name="Person", language="en",
                 forget_requested_at=now - timedelta(days=1)),
        ])  # fmt: skip
        agent = Agent(telegram_id=AGENT_TELEGRAM_ID, name=AGENT_NAME, role=AgentRole.AGENT)
        db.add(agent)
        await db.flush()
        anna = await _conversation(db, ANNA, "ads", now - timedelta(days=2),
                                   ConversationStatus.CLOSED, [
            (SenderType.USER, "Do you do Kubernetes migrations for a fintech?", {}),
            (SenderType.BOT, "Yes: we move workloads to Kubernetes with zero downtime.", {
                "llm_model": "LongCat-2.0", "prompt_version": "consult-v3",
                "prompt_tokens": 812, "cached_tokens": 640, "completion_tokens": 95,
                "latency_ms": 1234, "cost_usd": Decimal("0.000891"), "confidence": 0.82,
                "answer_source": "llm"}),
            (SenderType.USER, "Can a person call me?", {}),
            (SenderType.AGENT, "Hi Anna, Alice here: I will call you at three.", {}),
        ])  # fmt: skip
        boris = await _conversation(db, BORIS, "site", now - timedelta(days=1),
                                    ConversationStatus.BOT, [
            (SenderType.USER, "How much is a Telegram bot?", {"intent": "pricing",
                                                              "intent_confidence": 0.91}),
            (SenderType.BOT, "Bots start at 2,000 EUR.", {"answer_source": "kb"}),
            (SenderType.USER, MARKUP, {}),
        ])  # fmt: skip
        carla = await _conversation(db, CARLA, None, now - timedelta(hours=4),
                                    ConversationStatus.ESCALATED, [
            (SenderType.USER, "Our CI pipeline is broken, please help", {}),
        ])  # fmt: skip
        gone = await _conversation(db, GONE, "ads", now - timedelta(hours=5),
                                   ConversationStatus.BOT, [
            (SenderType.USER, "a secret nobody may see again", {}),
        ])  # fmt: skip
        leads = [
            Lead(user_id=BORIS, conversation_id=boris, name="Boris", email="boris@example.org",
                 company="Boris Labs", project_type="bot", budget="5-15k", source="site",
                 score=LeadScore.HOT, score_points=80, status=LeadStatus.NEW,
                 created_at=now - timedelta(days=1)),
            Lead(user_id=CARLA, conversation_id=carla, name="Carla Meyer",
                 email="carla@example.com", company="=Carla GmbH", project_type="devops",
                 budget="15k+", score=LeadScore.WARM, score_points=55,
                 status=LeadStatus.CONTACTED, created_at=now - timedelta(hours=4)),
            Lead(user_id=ANNA, conversation_id=anna, name="Anna Petrova",
                 email="anna@example.net", project_type="devops", source="ads",
                 score=LeadScore.COLD, score_points=20, status=LeadStatus.QUALIFIED,
                 created_at=now - timedelta(days=2)),
        ]  # fmt: skip
        db.add_all(leads)
        opened = now - timedelta(days=2) + timedelta(minutes=5)
        db.add_all([
            Ticket(user_id=ANNA, conversation_id=anna, status=TicketStatus.CLOSED,
                   priority=TicketPriority.HIGH, reason="requested", claimed_by=agent.id,
                   opened_at=opened, claimed_at=opened + timedelta(minutes=4),
                   first_reply_at=opened + timedelta(minutes=10),
                   closed_at=opened + timedelta(hours=2), rating=5),
            Ticket(user_id=CARLA, conversation_id=carla, status=TicketStatus.OPEN,
                   priority=TicketPriority.URGENT, reason="incident",
                   opened_at=now - timedelta(hours=3), contact_email="carla.ops@example.com"),
        ])  # fmt: skip
        await db.commit()
        return Seeded(anna, boris, carla, gone, {lead.email or "": lead.id for lead in leads})


async def _conversation(
    db: AsyncSession,
    user_id: int,
    source: str | None,
    started: datetime,
    status: ConversationStatus,
    messages: list[tuple[SenderType, str, dict[str, object]]],
) -> int:
    conversation = Conversation(
        user_id=user_id, source=source, status=status, language="en", created_at=started,
        last_message_at=started + timedelta(minutes=len(messages)),
    )  # fmt: skip
    db.add(conversation)
    await db.flush()
    for index, (sender, text, extra) in enumerate(messages):
        db.add(Message(conversation_id=conversation.id, sender_type=sender, text=text,
                       created_at=started + timedelta(minutes=index), **extra))  # fmt: skip
    await db.flush()
    return conversation.id


async def add_conversation(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: int, first_name: str, text: str
) -> int:
    """A new person's new conversation, as the bot would store it, for the live updates."""
    async with sessionmaker() as db:
        db.add(User(id=user_id, first_name=first_name, language="en"))
        await db.flush()
        found = await _conversation(db, user_id, "live", _now(), ConversationStatus.BOT,
                                    [(SenderType.USER, text, {})])  # fmt: skip
        await db.commit()
        return found


async def add_ticket(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: int, conversation_id: int
) -> None:
    async with sessionmaker() as db:
        db.add(Ticket(user_id=user_id, conversation_id=conversation_id, reason="frustration",
                      opened_at=_now()))  # fmt: skip
        await db.commit()


async def add_forgotten(
    sessionmaker: async_sessionmaker[AsyncSession], user_id: int, source: str
) -> int:
    """A person who asked to be forgotten, with a conversation from a source of theirs alone."""
    async with sessionmaker() as db:
        db.add(User(id=user_id, first_name="Hidden", language="en",
                    forget_requested_at=_now() - timedelta(hours=1)))  # fmt: skip
        await db.flush()
        found = await _conversation(db, user_id, source, _now(), ConversationStatus.BOT,
                                    [(SenderType.USER, "forget me", {})])  # fmt: skip
        await db.commit()
        return found
