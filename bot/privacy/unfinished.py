"""What the FSM storage holds about a person in their private chat, for `/mydata`: a plain FSM
state and its data, and the dialogs on aiogram-dialog's stack (the answers of an intake they
have not finished). Read with the storage keys aiogram-dialog writes (`aiogd:stack:`,
`aiogd:context:<intent>`), so an admin's export of someone else finds them too."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram_dialog.api.entities import DEFAULT_STACK_ID

# What a dialog context holds that is the person's (not aiogram-dialog's own bookkeeping).
CONTEXT_FIELDS = ("state", "start_data", "dialog_data", "widget_data")


async def unfinished_flows(storage: BaseStorage, bot_id: int, user_id: int) -> dict[str, Any]:
    """{} when nothing is held; else "state" and "data" of the plain FSM and "dialogs"."""
    key = StorageKey(bot_id=bot_id, chat_id=user_id, user_id=user_id)
    found: dict[str, Any] = {}
    state, data = await storage.get_state(key), await storage.get_data(key)
    if state or data:
        found.update(state=state, data=data)
    stack = await storage.get_data(replace(key, destiny=f"aiogd:stack:{DEFAULT_STACK_ID}"))
    dialogs = []
    for intent in stack.get("intents") or []:
        context = await storage.get_data(replace(key, destiny=f"aiogd:context:{intent}"))
        if context:
            dialogs.append({name: context.get(name) for name in CONTEXT_FIELDS})
    if dialogs:
        found["dialogs"] = dialogs
    return found
