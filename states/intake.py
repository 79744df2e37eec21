"""The project intake wizard's states, in the order the client goes through them.

A state's name is stored in the FSM storage (Redis in production) for every unfinished intake:
renaming or removing one is a migration (see STYLE.md, rule 8), adding one is not.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.fsm.state import State, StatesGroup


class Intake(StatesGroup):
    existing = State()  # only for a client whose previous lead is still open
    project_type = State()
    description = State()
    timeline = State()
    budget = State()
    name = State()
    email = State()
    company = State()
    phone = State()
    summary = State()


class IntakeStep(StrEnum):
    """A step's name in metrics and in the intake progress table: the state's own name."""

    EXISTING = "existing"
    PROJECT_TYPE = "project_type"
    DESCRIPTION = "description"
    TIMELINE = "timeline"
    BUDGET = "budget"
    NAME = "name"
    EMAIL = "email"
    COMPANY = "company"
    PHONE = "phone"
    SUMMARY = "summary"

    @property
    def state(self) -> State:
        state: State = getattr(Intake, self.value)
        return state

    @classmethod
    def of(cls, state: State | str | None) -> IntakeStep:
        name = state.state if isinstance(state, State) else state
        return cls((name or "").rpartition(":")[2])
