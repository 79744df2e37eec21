"""The PII scan on real PostgreSQL and Redis: a conversation full of personal data, a handler
that fails quoting it, a database error whose DETAIL quotes it, spam and an admin ban with a
reason that holds it, all with DEBUG logs from every library: no log line holds a raw value."""

from __future__ import annotations

import io

import pytest
from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import load_settings
from bot.logging import setup_logging
from db.models import AppState
from handlers import get_routers
from tests.conftest import Knowledge
from tests.dispatcher.harness import Harness

pytestmark = pytest.mark.integration

ADMIN_ID = 5005
RAW = {
    "email": "maria.ivanova@example.ru",
    "phone": "+7 (912) 345-67-89",
    "phone_ru": "8 912 345 67 89",
    "card": "4111 1111 1111 1111",
    "iban": "DE89370400440532013000",
    "ip": "203.0.113.77",
    "key": "sk-proj_0123456789abcdefghijKLMN",
}


async def test_pii_scan_on_postgresql_leaves_no_raw_value(
    pg_sessionmaker: async_sessionmaker[AsyncSession], knowledge: Knowledge, redis: Redis
) -> None:
    router = Router()

    @router.message(Command("boom"))
    async def boom(message: Message) -> None:
        raise RuntimeError(f"cannot process {message.text}")

    @router.message(Command("save"))
    async def save(message: Message, session: AsyncSession) -> None:
        # Twice the same primary key: PostgreSQL's DETAIL quotes the value.
        session.add(AppState(key=f"mail {RAW['email']}", value="1"))
        await session.commit()
        session.add(AppState(key=f"mail {RAW['email']}", value="2"))
        await session.commit()

    harness = Harness(
        pg_sessionmaker,
        knowledge,
        load_settings(telegram={"admin_ids": [ADMIN_ID]}),
        redis=redis,
        routers=[router, *get_routers()],
    )
    stream = io.StringIO()
    setup_logging("DEBUG", "json", stream=stream)
    send = harness.send

    try:
        await send(f"Hi, I'm Maria, mail {RAW['email']}, phone {RAW['phone']}")
        await send(f"Пишите на {RAW['email']} или звоните {RAW['phone_ru']}", language_code="ru")
        await send(f"/boom card {RAW['card']} iban {RAW['iban']}")
        await send(f"/boom from {RAW['ip']} with {RAW['key']}")
        await send("/save")
        for _ in range(3):  # the same text again and again: spam, logged without the text
            await send(f"write to {RAW['email']} now {RAW['phone']}")
        await send(f"/admin ban 1001 1h wrote {RAW['email']}", user_id=ADMIN_ID)
        await send(f"still here {RAW['email']}")
    finally:
        setup_logging("WARNING", "pretty")
    log = stream.getvalue()
    lines = log.splitlines()
    assert "RuntimeError" in log and "IntegrityError" in log  # the failures were logged
    assert "spam from user 1001" in log and "admin 5005 banned user 1001" in log
    assert "m***@example.ru" in log  # the values did reach the logs, masked
    hits = [(name, line) for line in lines for name, value in RAW.items() if value in line]
    assert hits == []
    replies = harness.session.sent_texts()
    assert any("looks like spam" in text for text in replies)
    assert any("You are blocked until" in text for text in replies)
