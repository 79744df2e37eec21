"""The Bot's session keeps each method's response model, so parsing an answer does not build a
pydantic generic model again on every call."""

from __future__ import annotations

import gc

from aiogram.methods.base import Response
from aiogram.types import Message

from bot.config import load_settings
from bot.telegram.client import KeepResponseModels, create_bot
from bot.telegram.offline_session import OfflineSession


async def test_the_response_model_is_built_once_and_kept() -> None:
    bot = create_bot(load_settings(), session=OfflineSession(), token="42:OFFLINE-keep-models")
    KeepResponseModels.models.pop(Message, None)
    await bot.send_message(1001, "one")
    kept = KeepResponseModels.models[Message]
    gc.collect()  # pydantic's own cache holds generic models weakly: this would drop it
    await bot.send_message(1001, "two")
    assert Response[Message] is kept
    assert KeepResponseModels.models[Message] is kept
