"""The statements every update runs, executed by asyncpg itself on the session's connection.

Running a prepared Core statement through SQLAlchemy (a greenlet, the compiled cache's lookup,
parameter and cursor adaptation, the result's metadata) costs more CPU than asyncpg's whole
round trip, and an update's transaction adds a `BEGIN` and a `COMMIT` round trip to them. A
`DriverStatement` is compiled once, by SQLAlchemy, for the session's dialect, and runs on the
asyncpg connection the session holds, with SQLAlchemy's own conversions of the values and the
columns (enums, timestamps) applied.

On that connection the statement takes part in the session's transaction once the session has
sent anything (`BEGIN` goes with its first statement); before that it commits by itself. Each
such statement is one atomic write (a person's row, a conversation with its first messages),
so an update that only reads and logs costs its statements' round trips and no `BEGIN` and
`COMMIT` of its own; what the ORM flushes at the end still commits as one transaction.

PostgreSQL (asyncpg) only: elsewhere callers use the session as usual (`on_driver`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import CompoundSelect, Insert, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Processor = Callable[[Any], Any]

# What a statement may fail with and leave its connection fit for the next one: PostgreSQL
# refusing the statement. Anything else (the connection lost or going, the server shutting
# down, a client-side fault, a cancellation on the way) leaves it in an unknown state: it is
# invalidated, as SQLAlchemy does, and the error says so (a transient fault, retried).
_CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
)


def on_driver(session: AsyncSession) -> bool:
    """Whether the session's statements can run as `DriverStatement`s (PostgreSQL, asyncpg)."""
    return session.get_bind().dialect.driver == "asyncpg"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Per positional parameter: the caller's key and its conversion, or (None, None) and
    # the statement's own value, converted once.
    keys: tuple[str | None, ...]
    binds: tuple[Processor | None, ...]
    fixed: tuple[Any, ...]
    results: tuple[Processor | None, ...]

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        arguments = []
        for key, bind, fixed in zip(self.keys, self.binds, self.fixed, strict=True):
            if key is None:
                arguments.append(fixed)
            else:
                value = values[key]
                arguments.append(value if bind is None else bind(value))
        return arguments

    def row(self, record: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if result is None else result(value)
            for value, result in zip(record, self.results, strict=True)
        )


class DriverStatement:
    """A Core statement compiled once and run by the driver; its parameters are given by name
    on each call (the first call's names are the statement's for good), its constants (an IN
    list, a literal) are compiled in."""

    def __init__(self, statement: Select[Any] | CompoundSelect[Any] | Insert) -> None:
        self.statement = statement
        self._columns = (
            tuple(statement.selected_columns)
            if isinstance(statement, Select | CompoundSelect)
            else ()
        )
        # The names of the columns a row has, in order.
        self.keys: tuple[str, ...] = tuple(str(column.key) for column in self._columns)
        self._compiled: _Compiled | None = None

    async def fetchrow(
        self, session: AsyncSession, values: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """The statement's first row, its columns converted as SQLAlchemy would (None when it
        returns no row)."""
        compiled, record = await self._run(session, values, fetch=True)
        return None if record is None else compiled.row(record)

    async def execute(self, session: AsyncSession, values: Mapping[str, Any]) -> None:
        await self._run(session, values, fetch=False)

    async def _run(
        self, session: AsyncSession, values: Mapping[str, Any], *, fetch: bool
    ) -> tuple[_Compiled, Any]:
        connection = await session.connection()
        compiled = self._compile(connection.dialect, values)
        driver = await _driver(connection)
        call = driver.fetchrow if fetch else driver.execute
        try:
            return compiled, await call(compiled.sql, *compiled.arguments(values))
        except BaseException as error:
            failure = await _failed(connection, driver, compiled, error)
            if failure is error:
                raise
            raise failure from error

    def _compile(self, dialect: Dialect, values: Mapping[str, Any]) -> _Compiled:
        if self._compiled is not None:
            return self._compiled
        compiled = self.statement.compile(dialect=dialect)
        # Expanding parameters (IN lists) become one parameter per item, as SQLAlchemy would
        # send them; the caller's values may not be among them (their length would vary).
        expanded = compiled.construct_expanded_state(dict(values))
        given = set(values)
        missing = given - set(expanded.positiontup or ())
        if missing:
            raise ValueError(f"not a plain parameter of the statement: {sorted(missing)}")
        keys: list[str | None] = []
        binds: list[Processor | None] = []
        fixed: list[Any] = []
        for name in expanded.positiontup or ():
            bind = expanded.processors.get(name)
            if name in given:
                keys.append(name)
                binds.append(bind)
                fixed.append(None)
            else:
                value = expanded.parameters[name]
                keys.append(None)
                binds.append(None)
                fixed.append(value if bind is None else bind(value))
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in self._columns
        )
        self._compiled = _Compiled(
            expanded.statement, tuple(keys), tuple(binds), tuple(fixed), results
        )
        return self._compiled


async def _failed(
    connection: AsyncConnection,
    driver: asyncpg.Connection,
    compiled: _Compiled,
    error: BaseException,
) -> BaseException:
    """What a failed statement raises instead: SQLAlchemy's error for asyncpg's (IntegrityError,
    ...), marked `connection_invalidated` when the connection could not be kept."""
    kept = (
        isinstance(error, asyncpg.PostgresError)
        and not isinstance(error, _CONNECTION_LOST)
        and not driver.is_closed()
    )
    if not kept:
        await connection.invalidate(error)
    if not isinstance(error, Exception):
        return error  # a cancellation goes on as it came
    dbapi = connection.dialect.loaded_dbapi
    translate: Mapping[type, type[Exception]] = getattr(dbapi, "_asyncpg_error_translate", {})
    kind = next((translate[cls] for cls in type(error).__mro__ if cls in translate), None)
    if kind is None:
        kind = dbapi.Error if kept else dbapi.InterfaceError
    orig = kind(str(error.args[0]) if error.args else type(error).__name__, error)
    return DBAPIError.instance(
        compiled.sql, None, orig, dbapi.Error, hide_parameters=True,
        connection_invalidated=not kept, dialect=connection.dialect,
    )  # fmt: skip


async def _driver(connection: AsyncConnection) -> asyncpg.Connection:
    raw = await connection.get_raw_connection()
    return raw.driver_connection
