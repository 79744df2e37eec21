"""Issue 17, findings 2 and 3: junk ids in /admin commands and forged admin buttons get a polite
answer and no error; /admin agent matches agent rows by Telegram id, so a @username that changed
hands never revives the row of the agent who had it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiogram.methods import AnswerCallbackQuery
from loguru import logger
from sqlalchemy import func, select

from bot.config import load_settings
from db.models import Agent, AgentRole, AuditLog, User
from handlers.admin.gdpr import GdprAdminAction, GdprAdminCallback
from tests.dispatcher.harness import Harness
from tests.fakes.desk import ADMIN, ALICE

ADMIN_ID = 5005
HUGE = 10**30  # beyond PostgreSQL's BIGINT (and SQLite's INTEGER)


@pytest.fixture
def admin(harness: Harness) -> Harness:
    harness.rebuild(load_settings(telegram={"admin_ids": [ADMIN_ID]}))
    return harness


@pytest.fixture
def errors() -> Iterator[list[str]]:
    """ERROR log lines while the test runs (the error handler writes one per failed update)."""
    lines: list[str] = []
    sink = logger.add(lines.append, level="ERROR", format="{message}")
    yield lines
    logger.remove(sink)


async def as_admin(harness: Harness, text: str) -> str:
    await harness.send(text, user_id=ADMIN_ID, username="boss")
    return harness.session.sent_texts(ADMIN_ID)[-1]


async def count(harness: Harness, model: type[User] | type[Agent] | type[AuditLog]) -> int:
    async with harness.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


JUNK = ("²", "1²", "①", str(HUGE), f"-{HUGE}", "@²")


@pytest.mark.parametrize("reference", JUNK)
@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/admin ban {}", "I don't know the user"),
        ("/admin ban {} 1h spam", "I don't know the user"),
        ("/admin unban {}", "I don't know the user"),
        ("/admin gdpr export {}", "No user"),
        ("/admin gdpr delete {}", "No user"),
        ("/admin agent add {}", "I do not know"),
        ("/admin agent remove {}", "I do not know"),
        ("/admin agent role {} senior", "I do not know"),
    ],
)
async def test_junk_ids_in_admin_commands_get_a_polite_answer(
    admin: Harness, errors: list[str], command: str, expected: str, reference: str
) -> None:
    await as_admin(admin, "/admin")  # the admin's own row exists
    users_before = await count(admin, User)
    reply = await as_admin(admin, command.format(reference))
    assert expected in reply
    assert "went wrong" not in reply
    assert errors == []
    assert await count(admin, User) == users_before  # nobody banned in advance by a junk id
    assert await count(admin, Agent) == 0 and await count(admin, AuditLog) == 0


@pytest.mark.parametrize("user_id", [HUGE, -HUGE, 2**63])
@pytest.mark.parametrize("action", list(GdprAdminAction))
async def test_a_forged_admin_button_with_a_huge_id_is_answered_as_stale(
    admin: Harness, errors: list[str], user_id: int, action: GdprAdminAction
) -> None:
    message = await admin.bot.send_message(ADMIN_ID, "forged")
    data = GdprAdminCallback(action=action, user_id=user_id).pack()
    assert len(data) <= 64  # Telegram carries it
    await admin.press(data, message.message_id, user_id=ADMIN_ID, username="boss")
    (answer,) = admin.session.calls(AnswerCallbackQuery)
    assert answer.text == "This button is no longer active. Send /start to open the menu."
    assert errors == []


async def test_a_bounded_admin_button_still_works(admin: Harness, errors: list[str]) -> None:
    await admin.send("hi", user_id=2002, username="mallory")
    message = await admin.bot.send_message(ADMIN_ID, "confirm?")
    data = GdprAdminCallback(action=GdprAdminAction.KEEP, user_id=2**63 - 1).pack()
    await admin.press(data, message.message_id, user_id=ADMIN_ID, username="boss")
    assert "9223372036854775807" in admin.session.sent_texts(ADMIN_ID)[-1]
    assert errors == []


async def agents(desk: Harness) -> dict[int, tuple[bool, AgentRole]]:
    async with desk.sessionmaker() as session:
        rows = (await session.scalars(select(Agent))).all()
    return {row.telegram_id: (row.is_active, row.role) for row in rows}


async def test_a_handle_that_changed_hands_does_not_revive_the_old_agent(desk: Harness) -> None:
    # Nina is an agent under @nina_ops, then removed; she drops the handle, and Oscar takes it.
    await desk.send("hi", user_id=4242, first_name="Nina", username="nina_ops")
    await desk.agent("/admin agent add @nina_ops senior", agent_id=ADMIN)
    await desk.agent("/admin agent remove @nina_ops", agent_id=ADMIN)
    await desk.send("hello", user_id=8888, first_name="Oscar", username="nina_ops")
    audit_before = await count(desk, AuditLog)

    await desk.agent("/admin agent add @nina_ops", agent_id=ADMIN)
    reply = desk.to_group()[-1]
    assert reply.startswith("@nina_ops now belongs to another Telegram account (id 8888)")
    assert "(id 4242)" in reply
    rows = await agents(desk)
    assert rows[4242] == (False, AgentRole.SENIOR)  # Nina stays removed
    assert 8888 not in rows  # and Oscar got nothing
    await desk.agent("/admin agent role @nina_ops admin", agent_id=ADMIN)
    assert "now belongs to another Telegram account" in desk.to_group()[-1]
    assert await count(desk, AuditLog) == audit_before

    # By id the admin says whom they mean; afterwards @nina_ops is Oscar's.
    await desk.agent("/admin agent add 8888", agent_id=ADMIN)
    assert desk.to_group()[-1] == "8888 is now an agent (agent)."
    await desk.agent("/admin agent role @nina_ops senior", agent_id=ADMIN)
    assert desk.to_group()[-1] == "@nina_ops now has the role senior agent."
    rows = await agents(desk)
    assert rows[8888] == (True, AgentRole.SENIOR)
    assert rows[4242] == (False, AgentRole.SENIOR)
    await desk.agent("/admin agent add 4242", agent_id=ADMIN)  # Nina, back by her id
    assert (await agents(desk))[4242] == (True, AgentRole.AGENT)


async def test_an_agent_who_took_a_new_handle_is_found_by_it(desk: Harness) -> None:
    await desk.send("hi", user_id=4242, first_name="Nina", username="nina_ops")
    await desk.agent("/admin agent add @nina_ops", agent_id=ADMIN)
    await desk.send("hi again", user_id=4242, first_name="Nina", username="nina_new")
    await desk.agent("/admin agent role @nina_new senior", agent_id=ADMIN)
    assert desk.to_group()[-1] == "@nina_new now has the role senior agent."
    async with desk.sessionmaker() as session:
        nina = await session.scalar(select(Agent).where(Agent.telegram_id == 4242))
    assert nina is not None and nina.username == "nina_new"  # the row follows Telegram


async def test_a_handle_only_an_agent_row_remembers_reactivates_by_id_only(
    desk: Harness,
) -> None:
    # Alice's row carries @alice_agent, but she has never written: nobody confirms the handle.
    await desk.agent("/admin agent remove @alice_agent", agent_id=ADMIN)
    assert desk.to_group()[-1] == "@alice_agent is no longer an agent."
    await desk.agent("/admin agent add @alice_agent", agent_id=ADMIN)
    assert desk.to_group()[-1] == (
        f"I cannot confirm that @alice_agent is still the username of agent id {ALICE}: they "
        "have not written to the bot or the group since. Use the id instead of the @username."
    )
    assert (await agents(desk))[ALICE][0] is False
    await desk.agent(f"/admin agent add {ALICE}", agent_id=ADMIN)
    assert (await agents(desk))[ALICE][0] is True
