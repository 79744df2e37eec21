"""The LLM budgets an admin sets at run time (/admin quota), on top of LLM_* from the settings.

The changes are kept in the database (app_state, key "llm_quota", as JSON), so they outlive a
restart and every replica sees them: each one applies them at start and reads them again every
QUOTA_REFRESH_SECONDS (`QuotaWatch`); the replica where the admin changed them applies them at
once. A stored value that is no longer valid is ignored with a warning, never applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repositories.intake import AppStateRepository
from llm.budget import LlmBudget

STATE_KEY = "llm_quota"
QUOTA_REFRESH_SECONDS = 60.0


@dataclass(frozen=True)
class Quota:
    field: str  # of LlmBudgetSettings
    kind: type[int] | type[float]
    minimum: float
    setting: str  # its environment variable, for the admins


QUOTAS = {
    "daily": Quota("daily_budget_usd", float, 0.01, "LLM_DAILY_BUDGET_USD"),
    "session": Quota("session_calls", int, 1, "LLM_SESSION_CALLS"),
    "user": Quota("user_daily_calls", int, 1, "LLM_USER_DAILY_CALLS"),
    "ticket": Quota("desk_ticket_calls", int, 0, "LLM_DESK_TICKET_CALLS"),
    "desk": Quota("desk_daily_calls", int, 0, "LLM_DESK_DAILY_CALLS"),
}
MAXIMUM = 1_000_000  # a typo such as 10000000 is refused, not a budget


class QuotaError(ValueError):
    """A value an admin typed that is not a valid limit."""


def parse(name: str, raw: str) -> float | int:
    quota = QUOTAS[name]
    text = raw.strip().removeprefix("$").replace(",", ".")
    try:
        value: float | int = float(text) if quota.kind is float else int(text)
    except ValueError:
        raise QuotaError(raw) from None
    if not quota.minimum <= value <= MAXIMUM or value != value:  # NaN is not a budget
        raise QuotaError(raw)
    return value


async def stored(session: AsyncSession) -> dict[str, float | int]:
    """The admins' changes by LlmBudgetSettings field; invalid entries left out."""
    return _parsed(await AppStateRepository(session).get(STATE_KEY))


def _parsed(raw: str | None) -> dict[str, float | int]:
    if raw is None:
        return {}
    try:
        found = json.loads(raw)
    except ValueError:
        logger.warning("llm quota: the stored changes are not JSON; the settings apply")
        return {}
    by_field = {quota.field: name for name, quota in QUOTAS.items()}
    result: dict[str, float | int] = {}
    for field, value in found.items() if isinstance(found, dict) else ():
        try:
            result[field] = parse(by_field[field], str(value))
        except (KeyError, QuotaError):
            logger.warning("llm quota: the stored {} is not valid and was ignored", field)
    return result


# Two admins changing two limits at once: each change is written over what it read, or read
# again (compare-and-set), so neither is lost.
CHANGE_ATTEMPTS = 5


async def change(
    session: AsyncSession, budget: LlmBudget, name: str, value: float | int | None
) -> dict[str, float | int]:
    """Set one limit (None: back to its setting), store it in the caller's transaction and
    apply it here at once; returns every change now in force."""
    state = AppStateRepository(session)
    field = QUOTAS[name].field
    for _ in range(CHANGE_ATTEMPTS):
        raw = await state.get(STATE_KEY)
        overrides = _parsed(raw)
        if value is None:
            overrides.pop(field, None)
        else:
            overrides[field] = value
        if await state.replace(STATE_KEY, raw, json.dumps(overrides, sort_keys=True)):
            budget.apply(overrides)
            return overrides
        session.expire_all()  # another admin's change came first: read it
    raise RuntimeError("llm quota: the changes kept changing under this one")


class QuotaWatch:
    """Applies the stored changes at start and every QUOTA_REFRESH_SECONDS after."""

    def __init__(
        self,
        budget: LlmBudget,
        sessionmaker: async_sessionmaker[AsyncSession],
        every: float = QUOTA_REFRESH_SECONDS,
    ) -> None:
        self.budget = budget
        self.sessionmaker = sessionmaker
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def refresh(self) -> Mapping[str, float | int]:
        async with self.sessionmaker() as session:
            overrides = await stored(session)
        self.budget.apply(overrides)
        return overrides

    async def start(self) -> None:
        try:
            await self.refresh()
        except Exception as exc:  # the settings' limits hold until the next refresh
            logger.warning("llm quota: changes not read at start: {}", type(exc).__name__)
        self._task = asyncio.create_task(self._loop(), name="llm-quota-watch")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.refresh()
            except Exception as exc:  # a database outage: the last known limits hold
                logger.warning("llm quota: changes not read: {}", type(exc).__name__)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
