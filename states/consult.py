"""The consultation mode: every message goes to the LLM until /cancel or /start."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Consult(StatesGroup):
    chatting = State()
