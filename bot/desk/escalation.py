"""When a person is needed: the escalation triggers, each with a priority and a reason.

Pure rules first (tests call them without Telegram or a database), then the reader that feeds
the LLM rule from the conversation log (the frustration check's earlier texts come with the
user's row: `ConversationRepository.recent_user_texts`). The consultation handler calls
`after_llm_answer` after each LLM answer it stored; the desk's user router calls
`message_trigger` on every message the user types before the FAQ answers it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.textnorm import normalize
from db.models import Message, TicketPriority

VERY_LOW_CONFIDENCE = 0.5
LOW_CONFIDENCE = 0.7
LOW_IN_A_ROW = 3
# Shouting: this many letters at least, nearly all of them capitals.
SHOUT_MIN_LETTERS = 8
SHOUT_SHARE = 0.8
HUMAN_INTENT = "support.human"
INCIDENT_INTENT = "support.incident"


class Reason(StrEnum):
    REQUESTED = "requested"
    LOW_CONFIDENCE = "low_confidence"
    FRUSTRATION = "frustration"
    HOT_LEAD = "hot_lead"
    INCIDENT = "incident"


PRIORITY = {
    Reason.INCIDENT: TicketPriority.URGENT,
    Reason.HOT_LEAD: TicketPriority.HIGH,
    Reason.FRUSTRATION: TicketPriority.HIGH,
    Reason.LOW_CONFIDENCE: TicketPriority.NORMAL,
    Reason.REQUESTED: TicketPriority.NORMAL,
}


@dataclass(frozen=True)
class Trigger:
    reason: Reason
    priority: TicketPriority

    @classmethod
    def of(cls, reason: Reason) -> Trigger:
        return cls(reason, PRIORITY[reason])


# Words and phrases of an unhappy person, matched on normalized text (lower case, ё as е).
_FRUSTRATION = re.compile(
    r"\b(useless|stupid|idiot\w*|ridiculous|terrible|awful|annoy\w*|frustrat\w*|"
    r"waste of (my )?time|not helpful|doesn'?t help|you don'?t understand|"
    r"this is (a )?joke|wtf|are you kidding|fed up|sick of|"
    r"бесполезн\w*|тупой|тупая|тупо|идиот\w*|ужасн\w*|бесит|достал\w*|раздража\w*|"
    r"надоел\w*|ты не понимаешь|вы не понимаете|не помога\w*|издева\w*|"
    r"трата времени|что за бред|бред)\b"
    r"|[?!]{3,}",
    re.IGNORECASE,
)


def is_shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < SHOUT_MIN_LETTERS:
        return False
    # Words in capitals, not acronyms: "AWS EKS GKE" is a question, "WHY DOES IT FAIL" is not.
    loud = [w for w in re.findall(r"[^\W\d_]{4,}", text) if w.isupper()]
    share = sum(c.isupper() for c in letters) / len(letters)
    return len(loud) >= 2 and share >= SHOUT_SHARE


def is_frustrated(text: str, previous: Sequence[str] = ()) -> bool:
    """Frustration words or patterns (en, ru), shouting, or the same question asked again.

    `previous` are the user's earlier messages in this conversation, newest last."""
    if _FRUSTRATION.search(text.lower().replace("ё", "е")) or is_shouting(text):
        return True
    if not previous:  # a first message: nothing to have asked before
        return False
    asked = normalize(text)
    return len(asked) >= 10 and any(normalize(old) == asked for old in previous[-3:])


def message_trigger(text: str, intent: str | None, previous: Sequence[str] = ()) -> Trigger | None:
    """The trigger a user's message sets off, if any, the most urgent first."""
    if intent == INCIDENT_INTENT:
        return Trigger.of(Reason.INCIDENT)
    if is_frustrated(text, previous):
        return Trigger.of(Reason.FRUSTRATION)
    if intent == HUMAN_INTENT:
        return Trigger.of(Reason.REQUESTED)
    return None


def confidence_trigger(confidences: Sequence[float]) -> Trigger | None:
    """The LLM rule: the newest answer below 0.5, or the last three all below 0.7.

    `confidences` are the conversation's LLM answers, oldest first."""
    if not confidences:
        return None
    if confidences[-1] < VERY_LOW_CONFIDENCE:
        return Trigger.of(Reason.LOW_CONFIDENCE)
    recent = confidences[-LOW_IN_A_ROW:]
    if len(recent) == LOW_IN_A_ROW and all(value < LOW_CONFIDENCE for value in recent):
        return Trigger.of(Reason.LOW_CONFIDENCE)
    return None


async def recent_confidences(
    session: AsyncSession, conversation_id: int, limit: int = LOW_IN_A_ROW
) -> list[float]:
    """The confidences of the conversation's newest LLM answers, oldest first."""
    rows = await session.scalars(
        select(Message.confidence)
        .where(
            Message.conversation_id == conversation_id,
            Message.answer_source == "llm",
            Message.confidence.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return [float(value) for value in reversed(rows.all()) if value is not None]
