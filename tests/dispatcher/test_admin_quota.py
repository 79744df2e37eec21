"""/admin quota through the dispatcher: the budgets in force with today's spend, a change that
takes effect at once here and, through the database, on another replica's budget, the reset,
values refused with a polite answer, and the audit entry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.consult.consultant import Consultant
from bot.consult.quota import QuotaWatch
from bot.kernel.kv import MemoryCounters
from db.models import AppState, AuditLog
from llm.budget import LlmBudget, Refusal
from tests.dispatcher.harness import Harness

ADMIN_ID = 5005


@pytest.fixture
def admin(harness: Harness) -> Harness:
    harness.rebuild(load_settings(telegram={"admin_ids": [ADMIN_ID]}))
    return harness


def consultant(harness: Harness) -> Consultant:
    found: Consultant = harness.dp.workflow_data["consultant"]
    return found


async def reply(harness: Harness, text: str, **kwargs: object) -> str:
    await harness.send(text, user_id=ADMIN_ID, **kwargs)  # type: ignore[arg-type]
    return harness.session.sent_texts(ADMIN_ID)[-1]


async def test_the_budgets_and_todays_spend(admin: Harness) -> None:
    await consultant(admin).budget.charge(Decimal("12.5"))
    text = await reply(admin, "/admin quota")
    assert "Today (UTC): $12.50 of $100.00 spent, $87.50 left (12%)" in text
    assert "• daily budget, all people (daily): $100.00" in text
    assert "• AI answers per conversation (session): 10" in text
    assert "• desk calls a day (desk): 500" in text
    assert "changed by an admin" not in text


async def test_a_change_applies_here_at_once_and_on_another_replica(admin: Harness) -> None:
    budget = consultant(admin).budget
    assert await reply(admin, "/admin quota set session 1") == (
        "✅ AI answers per conversation: now 1, for every replica within a minute."
    )
    assert await budget.admit(7, 70) is None
    assert await budget.admit(7, 70) == Refusal.SESSION
    text = await reply(admin, "/admin quota")
    assert "• AI answers per conversation (session): 1 — changed by an admin; " \
           "LLM_SESSION_CALLS is 10" in text  # fmt: skip

    other = LlmBudget(MemoryCounters(), admin.settings.llm)  # another replica's
    assert other.settings.session_calls == 10
    await QuotaWatch(other, admin.sessionmaker).refresh()
    assert other.settings.session_calls == 1

    await reply(admin, "/admin quota set daily $250.5")
    assert budget.settings.daily_budget_usd == 250.5
    assert await reply(admin, "/admin quota reset session") == (
        "✅ AI answers per conversation: back to its setting, 10."
    )
    assert budget.settings.session_calls == 10
    async with admin.sessionmaker() as session:
        stored = await session.get(AppState, "llm_quota")
        assert stored is not None and stored.value == '{"daily_budget_usd": 250.5}'
        audit = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    assert [(a.action, a.actor_id, a.details) for a in audit] == [
        ("llm_quota_set", ADMIN_ID, {"quota": "session", "value": 1}),
        ("llm_quota_set", ADMIN_ID, {"quota": "daily", "value": 250.5}),
        ("llm_quota_reset", ADMIN_ID, {"quota": "session", "value": None}),
    ]


INVALID = "“{}” is not a valid {} limit: give a number of at least {}."


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/admin quota set daily 0", INVALID.format("0", "daily", "$0.01")),
        ("/admin quota set user lots", INVALID.format("lots", "user", "1")),
        ("/admin quota set ticket -1", INVALID.format("-1", "ticket", "0")),
        ("/admin quota set session 99999999", INVALID.format("99999999", "session", "1")),
        ("/admin quota set daily <5", INVALID.format("&lt;5", "daily", "$0.01")),
        ("/admin quota set tokens 5", None),
        ("/admin quota raise daily", None),
    ],
)
async def test_values_that_are_not_limits_are_refused(
    admin: Harness, command: str, answer: str | None
) -> None:
    text = await reply(admin, command)
    assert text == (answer or "Change one: /admin quota set daily|session|user|ticket|desk "
                    "VALUE; back to its setting: /admin quota reset NAME.")  # fmt: skip
    assert consultant(admin).budget.settings == admin.settings.llm
    async with admin.sessionmaker() as session:
        assert await session.get(AppState, "llm_quota") is None


async def test_in_russian(admin: Harness) -> None:
    text = await reply(admin, "/admin quota", language_code="ru")
    assert "<b>Лимиты LLM</b>" in text and "• ответов ИИ на диалог (session): 10" in text
