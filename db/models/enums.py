"""Enumerations stored as strings (see db.base.str_enum)."""

from __future__ import annotations

from enum import StrEnum


class ConversationStatus(StrEnum):
    BOT = "bot"
    ESCALATED = "escalated"
    CLOSED = "closed"
    ARCHIVED = "archived"


class SenderType(StrEnum):
    USER = "user"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class LeadScore(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    WON = "won"
    LOST = "lost"


class AgentRole(StrEnum):
    """Ranked: each role may do everything the roles before it may (see bot.desk.roles)."""

    AGENT = "agent"
    SENIOR = "senior"
    ADMIN = "admin"
    SUPERADMIN = "superadmin"


class TicketStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


class TicketPriority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


class ActorType(StrEnum):
    USER = "user"
    AGENT = "agent"
    ADMIN = "admin"
    SYSTEM = "system"
