"""Small SQL helpers the repositories share: dialect-aware INSERT, chunking, time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import Row, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

T = TypeVar("T")
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
"""A result row of any width."""

# Keeps every statement far below SQLite's and asyncpg's bound-parameter limits.
CHUNK = 900


def insert_for(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT for the connection's dialect (both share the API)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def bulk_insert(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> None:
    """INSERT many rows (all with the same keys) in one executemany; with `conflict` (the
    key columns), rows already there get the `update` columns instead.

    On SQLite the values go through each column's bind processor here and straight to the
    driver: SQLAlchemy's own per-row parameter handling costs twice the insert itself.
    PostgreSQL takes SQLAlchemy's batched multi-row INSERT, which is as fast as raw there.
    """
    if not rows:
        return
    names = list(rows[0])
    insert = insert_for(conn, table)
    if conn.dialect.name != "sqlite":
        statement = insert
        if conflict:
            statement = insert.on_conflict_do_update(
                index_elements=list(conflict), set_={c: insert.excluded[c] for c in update}
            )
        await conn.execute(statement, list(rows))
        return
    sql, order = _sqlite_insert(conn, table, tuple(names), tuple(conflict), tuple(update))
    processors = {name: _processor(conn, table.c[name].type) for name in names}
    procs = [processors[name] for name in order]
    params = [
        tuple(
            value if proc is None or value is None else proc(value)
            for value, proc in zip([row[n] for n in order], procs, strict=True)
        )
        for row in rows
    ]
    await conn.exec_driver_sql(sql, params)


_SQLITE_INSERTS: dict[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], Any] = {}


def _sqlite_insert(
    conn: AsyncConnection,
    table: Table,
    names: tuple[str, ...],
    conflict: tuple[str, ...],
    update: tuple[str, ...],
) -> tuple[str, list[str]]:
    """The SQL of a bulk INSERT and its parameter order, compiled once per shape (a poll
    writes a few small batches: compiling each anew cost more than running it)."""
    key = (table.name, names, conflict, update)
    found = _SQLITE_INSERTS.get(key)
    if found is None:
        insert = sqlite.insert(table).values({name: bindparam(name) for name in names})
        if conflict:
            insert = insert.on_conflict_do_update(
                index_elements=list(conflict), set_={c: insert.excluded[c] for c in update}
            )
        compiled = insert.compile(dialect=conn.dialect)
        found = _SQLITE_INSERTS[key] = (compiled.string, list(compiled.positiontup or ()))
    return found[0], list(found[1])


def _processor(conn: AsyncConnection, type_: Any) -> Callable[[Any], Any] | None:
    """The bind processor of a column type, memoised on the last value (rows of a batch
    often share one, like the time they were seen)."""
    proc = type_.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    if proc is None:
        return None
    last: list[Any] = [object(), None]

    def memoised(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, proc(value)
        return last[1]

    return memoised


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """The items in lists of at most `size`."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def utcnow() -> datetime:
    """The current time, aware, in UTC (the default for every `now` argument)."""
    return datetime.now(UTC)
