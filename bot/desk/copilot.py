"""The desk's LLM side: the card's summary (escalation_prep) and the copilot's draft replies
(agent_copilot), through `Consultant.assist`: the desk's own client (and breaker), the desk's
budgets, the history budget, PII masking with the person's names, and a transcript in which
nobody can pass for an agent."""

from __future__ import annotations

from collections.abc import Sequence

from loguru import logger

from bot.consult.consultant import Consultant, Unanswered
from bot.desk.assistant import Line
from llm.context import Turn, prompt_text

SUMMARY_TOKENS = 250
DRAFT_TOKENS = 250


def turns_of(lines: Sequence[Line]) -> list[Turn]:
    """The desk's lines as the LLM reads them: who said what, the bot's HTML as plain text."""
    return [Turn(line.sender, prompt_text(line.sender, line.text)) for line in lines]


class LlmDeskAssistant:
    """`DeskAssistant` over LongCat; None when the LLM cannot answer (the desk goes on)."""

    def __init__(self, consultant: Consultant) -> None:
        self.consultant = consultant

    async def summarize(
        self,
        lines: Sequence[Line],
        *,
        language: str,
        ticket_id: int | None = None,
        names: Sequence[str] = (),
    ) -> str | None:
        return await self._complete(
            "escalation_prep", lines, language, SUMMARY_TOKENS, ticket_id, names
        )

    async def draft_reply(
        self,
        lines: Sequence[Line],
        *,
        language: str,
        ticket_id: int | None = None,
        names: Sequence[str] = (),
    ) -> str | None:
        return await self._complete(
            "agent_copilot", lines, language, DRAFT_TOKENS, ticket_id, names
        )

    async def _complete(
        self,
        template: str,
        lines: Sequence[Line],
        language: str,
        max_tokens: int,
        ticket_id: int | None,
        names: Sequence[str],
    ) -> str | None:
        if not lines:
            return None
        try:
            text = await self.consultant.assist(
                template, language, turns_of(lines), max_tokens, ticket_id=ticket_id, names=names
            )
        except Unanswered as exc:
            logger.info("desk {} not written: {}", template, exc.reason)
            return None
        return text or None
