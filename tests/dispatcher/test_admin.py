"""/admin: refused to anyone without the admin role (command by command), the help, bans by id
or @username with durations and reasons, unban (the cache forgets at once), the ban list with
everything user-supplied escaped, and polite answers to mistakes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.config import load_settings
from db.models import Agent, AgentRole, AuditLog, User
from handlers.admin.bans import parse_duration
from tests.dispatcher.harness import Harness
from tests.fakes.recording import USER_ID

ADMIN_ID = 5005
COMMANDS = ("/admin", "/admin help", "/admin ban 1001 1h", "/admin unban 1001", "/admin bans",
            "/admin nonsense", "/admin agent add 7 agent", "/admin gdpr export 1001",
            "/admin stats", "/admin stats 30d", "/admin leads", "/admin quota",
            "/admin quota set daily 1")  # fmt: skip


@pytest.fixture
def admin(harness: Harness) -> Harness:
    harness.rebuild(load_settings(telegram={"admin_ids": [ADMIN_ID]}))
    return harness


async def add_agent(harness: Harness, telegram_id: int, role: AgentRole) -> None:
    async with harness.sessionmaker() as session:
        session.add(Agent(telegram_id=telegram_id, name=f"agent {telegram_id}", role=role))
        await session.commit()


async def as_admin(harness: Harness, text: str, user_id: int = ADMIN_ID) -> str:
    await harness.send(text, user_id=user_id, username="boss")
    return harness.session.sent_texts(user_id)[-1]


@pytest.mark.parametrize("role", [None, AgentRole.AGENT, AgentRole.SENIOR])
@pytest.mark.parametrize("command", COMMANDS)
async def test_everyone_without_the_admin_role_is_refused(
    admin: Harness, command: str, role: AgentRole | None
) -> None:
    await admin.send("hello", user_id=2002, username="mallory")  # someone to ban
    if role is not None:
        await add_agent(admin, USER_ID, role)
    await admin.send(command.replace("1001", "2002"), language_code="ru")
    assert admin.session.sent_texts(USER_ID) == [
        "Извините, эта команда только для администраторов."
    ]
    async with admin.sessionmaker() as session:
        target = await session.get(User, 2002)
        assert target is not None and not target.is_banned
        assert (await session.scalars(select(AuditLog))).all() == []


async def test_an_agent_with_the_admin_role_may(admin: Harness) -> None:
    await add_agent(admin, 3003, AgentRole.ADMIN)
    help_text = await as_admin(admin, "/admin", user_id=3003)
    for subcommand in ("ban", "unban", "bans", "agent add|remove|role", "gdpr export|delete"):
        assert f"/admin {subcommand}" in help_text


async def test_ban_by_username_with_a_reason_and_the_list_escapes_it(admin: Harness) -> None:
    await admin.send("hi", user_id=2002, username="Mallory_X")
    reply = await as_admin(admin, "/admin ban @mallory_x 7d posts <b>ads</b> & </i>links")
    assert reply.startswith("🚫 @Mallory_X (2002) is blocked until")
    listing = await as_admin(admin, "/admin bans")
    assert "posts &lt;b&gt;ads&lt;/b&gt; &amp; &lt;/i&gt;links" in listing
    assert "<b>ads</b>" not in listing
    async with admin.sessionmaker() as session:
        (audit,) = (await session.scalars(select(AuditLog))).all()
    assert (audit.action, audit.actor_id, audit.target_id) == ("ban", ADMIN_ID, 2002)


async def test_ban_an_id_that_never_wrote_then_unban_takes_effect_at_once(
    admin: Harness,
) -> None:
    assert (await as_admin(admin, "/admin ban 1001 forever spam")).endswith(
        "is blocked permanently."
    )
    await admin.send("/help")  # banned (and now cached as banned)
    assert "blocked" in admin.session.sent_texts(USER_ID)[-1]
    reply = await as_admin(admin, "/admin unban 1001")
    assert reply == "✅ @tess_tester (1001) is unblocked."  # the row learned the name
    await admin.send("/help")
    assert "/start" in admin.session.sent_texts(USER_ID)[-1]
    assert (await as_admin(admin, "/admin unban @tess_tester")).endswith("was not blocked.")
    assert await as_admin(admin, "/admin bans") == "Nobody is blocked right now."


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/admin ban", "Usage: /admin ban USER"),
        ("/admin unban", "Usage: /admin unban USER"),
        ("/admin ban @nobody_here 1h", "I don't know the user @nobody_here"),
        ("/admin ban @<b>x", "I don't know the user @&lt;b&gt;x"),
        ("/admin <script>", "There is no /admin subcommand “&lt;script&gt;”"),
        ("/admin ban 5005", "Agents and admins cannot be banned"),
        ("/admin unban 99999999999999999999999", "I don't know the user 9999"),
    ],
)
async def test_mistakes_get_a_polite_answer(admin: Harness, command: str, expected: str) -> None:
    assert expected in await as_admin(admin, command)


async def test_agents_cannot_be_banned(admin: Harness) -> None:
    await admin.send("hi", user_id=4004, username="agent_ann")
    await add_agent(admin, 4004, AgentRole.AGENT)
    assert "cannot be banned" in await as_admin(admin, "/admin ban @agent_ann")


def test_durations() -> None:
    assert parse_duration("30m") == 0.5
    assert parse_duration("12h") == 12
    assert parse_duration("7D") == 168
    assert parse_duration("2w") == 336
    assert parse_duration("0h") is None
    assert parse_duration("spam") is None
