"""All models, imported here so that `Base.metadata` knows every table."""

from db.models.audit import AuditLog
from db.models.broadcasts import Broadcast, BroadcastSegment, BroadcastStatus
from db.models.conversations import Conversation, Message
from db.models.desk import DeskDraft, RelayedMessage
from db.models.enums import (
    ActorType,
    AgentRole,
    ConversationStatus,
    LeadScore,
    LeadStatus,
    SenderType,
    TicketPriority,
    TicketStatus,
)
from db.models.files import Attachment
from db.models.intake import AppState, IntakeProgress
from db.models.leads import Lead
from db.models.posts import GroupPost
from db.models.tickets import Ticket
from db.models.users import Agent, User

__all__ = [
    "ActorType",
    "Agent",
    "AgentRole",
    "AppState",
    "Attachment",
    "AuditLog",
    "Broadcast",
    "BroadcastSegment",
    "BroadcastStatus",
    "Conversation",
    "ConversationStatus",
    "DeskDraft",
    "GroupPost",
    "IntakeProgress",
    "Lead",
    "LeadScore",
    "LeadStatus",
    "Message",
    "RelayedMessage",
    "SenderType",
    "Ticket",
    "TicketPriority",
    "TicketStatus",
    "User",
]
