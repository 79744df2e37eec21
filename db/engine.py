"""Engine and session factory for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

POOL_SIZE = 20


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # Bound parameters (names, e-mails, message texts) must not reach logs in error messages.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No ping on every checkout (a round trip per update): a connection that broke is
    # invalidated with the rest of the pool on its first error, and the update is retried
    # (bot.telegram.delivery), so a restarted PostgreSQL costs one retry, not an answer.
    kwargs.setdefault("pool_pre_ping", False)
    # Twenty connections at most, as before, but kept open once opened: an overflow connection
    # (opened when more updates than the pool's size ask at once, closed again when they are
    # done) took 100-200 ms to open (PostgreSQL starts a backend) in the middle of an update,
    # the tail of the load benchmark's steady rate. Updates past twenty wait their turn.
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", 0)
    return create_async_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work while a writer commits.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
