"""What the desk asks of an LLM: a summary for the topic card and suggested replies (copilot).

The desk takes an implementation from the dispatcher's workflow data key `desk_assistant`;
None (no LLM configured) means the card shows the last messages and no suggestion is posted.
Implementations return None when they cannot answer (timeout, quota); the desk never fails
because of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Line:
    """One message of the conversation: who ("user", "bot", "agent") and what."""

    sender: str
    text: str


class DeskAssistant(Protocol):
    """`ticket_id` counts the call against the ticket's budget; `names` are the person's own
    names, masked before the text leaves the process."""

    async def summarize(
        self,
        lines: Sequence[Line],
        *,
        language: str,
        ticket_id: int | None = None,
        names: Sequence[str] = (),
    ) -> str | None:
        """A few sentences an agent reads before answering; plain text, not HTML."""

    async def draft_reply(
        self,
        lines: Sequence[Line],
        *,
        language: str,
        ticket_id: int | None = None,
        names: Sequence[str] = (),
    ) -> str | None:
        """A reply the agent may send to the user as is, in `language`; plain text."""
