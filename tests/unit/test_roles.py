from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.desk.roles import role_of
from bot.desk.rules import allows
from db.models import Agent
from db.models.enums import AgentRole


def test_roles_are_ranked() -> None:
    assert allows(AgentRole.SUPERADMIN, AgentRole.ADMIN)
    assert allows(AgentRole.SENIOR, AgentRole.AGENT)
    assert allows(AgentRole.AGENT, AgentRole.AGENT)
    assert not allows(AgentRole.AGENT, AgentRole.SENIOR)
    assert not allows(AgentRole.ADMIN, AgentRole.SUPERADMIN)
    assert not allows(None, AgentRole.AGENT)


async def test_role_of(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        session.add(Agent(telegram_id=501, name="Ann", role=AgentRole.SENIOR))
        session.add(Agent(telegram_id=502, name="Bob", role=AgentRole.ADMIN, is_active=False))
        await session.commit()
        assert await role_of(session, 501) is AgentRole.SENIOR
        assert await role_of(session, 502) is None
        assert await role_of(session, 503) is None
        assert await role_of(session, 503, admin_ids=[503]) is AgentRole.SUPERADMIN
