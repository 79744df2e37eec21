"""The real PostgreSQL / Redis fixtures from tests.fakes.services work."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

if TYPE_CHECKING:  # not at runtime: pytest must import the plugin first (assert rewriting)
    from tests.fakes.services import PostgresServer, RedisServer

pytestmark = pytest.mark.integration

_seen_postgres_urls: list[str] = []


async def test_postgres_select_and_version(postgres_url: str) -> None:
    assert re.fullmatch(r"postgresql\+asyncpg://postgres@127\.0\.0\.1:\d+/\w+", postgres_url)
    engine = create_async_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("select 1"))).scalar_one() == 1
            version = (await conn.execute(text("show server_version"))).scalar_one()
            database = (await conn.execute(text("select current_database()"))).scalar_one()
    finally:
        await engine.dispose()
    assert re.match(r"\d+", version), version
    assert postgres_url.endswith("/" + database)


@pytest.mark.parametrize("run", [1, 2])
async def test_postgres_url_is_a_fresh_database(postgres_url: str, run: int) -> None:
    assert postgres_url not in _seen_postgres_urls
    _seen_postgres_urls.append(postgres_url)
    engine = create_async_engine(postgres_url)
    try:
        async with engine.begin() as conn:
            tables = (
                await conn.execute(
                    text("select count(*) from pg_tables where schemaname = 'public'")
                )
            ).scalar_one()
            assert tables == 0
            await conn.execute(text("create table marker (run int)"))
            await conn.execute(text("insert into marker values (:run)"), {"run": run})
    finally:
        await engine.dispose()


async def test_session_server_database(postgres_server: PostgresServer) -> None:
    assert postgres_server.url() == (
        f"postgresql+asyncpg://postgres@127.0.0.1:{postgres_server.port}/devbot_test"
    )
    url = postgres_server.create_database("devbot_extra")
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            names = (
                (await conn.execute(text("select datname from pg_database order by datname")))
                .scalars()
                .all()
            )
    finally:
        await engine.dispose()
    assert {"devbot_test", "devbot_extra"} <= set(names)
    postgres_server.drop_database("devbot_extra")


@pytest.mark.parametrize("run", [1, 2])
async def test_redis_set_get_and_flushed_between_tests(redis_url: str, run: int) -> None:
    assert re.fullmatch(r"redis://127\.0\.0\.1:\d+/0", redis_url)
    client = aioredis.from_url(redis_url)
    try:
        assert await client.dbsize() == 0  # FLUSHALL ran before this test
        await client.set("devbot:marker", f"run-{run}")
        assert await client.get("devbot:marker") == f"run-{run}".encode()
    finally:
        await client.aclose()


def test_redis_server_url(redis_server: RedisServer) -> None:
    assert redis_server.url == f"redis://127.0.0.1:{redis_server.port}/0"
    assert redis_server.process is not None and redis_server.process.poll() is None
