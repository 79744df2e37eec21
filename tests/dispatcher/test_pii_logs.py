"""A conversation full of personal data, a failing handler quoting it, DEBUG logs: no log line
holds a raw value."""

from __future__ import annotations

import io

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.logging import setup_logging
from handlers import get_routers
from tests.dispatcher.harness import Harness

RAW = {
    "email": "maria.ivanova@example.ru",
    "phone": "+7 (912) 345-67-89",
    "card": "4111 1111 1111 1111",
    "iban": "DE89370400440532013000",
    "ip": "203.0.113.77",
    "key": "sk-proj_0123456789abcdefghijKLMN",
}


async def test_a_pii_laden_conversation_leaves_no_raw_value_in_the_logs(
    harness: Harness,
) -> None:
    router = Router()

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        raise RuntimeError(f"cannot process {message.text}")

    harness.rebuild(routers=[router, *get_routers()])
    stream = io.StringIO()
    setup_logging("DEBUG", "json", stream=stream)
    try:
        await harness.send(f"Hi, I'm Maria, mail {RAW['email']}, phone {RAW['phone']}")
        await harness.send(f"Пишите на {RAW['email']} или звоните {RAW['phone']}")
        await harness.send(f"/boom card {RAW['card']} iban {RAW['iban']}")
        await harness.send(f"/boom from {RAW['ip']} with {RAW['key']}")
    finally:
        setup_logging("WARNING", "pretty")
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 4  # the updates and the failures were logged
    hits = [(name, line) for line in lines for name, value in RAW.items() if value in line]
    assert hits == []
    assert any("RuntimeError" in line for line in lines)
