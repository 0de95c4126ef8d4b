"""What a store error means, said without its parameters: an outage of the database (wait
and try again), or data the database refuses (skip what carries it) (DESIGN §4, §7).

Store errors are summarised here, never logged whole: SQLAlchemy's messages quote the
statement's parameters, and those can hold webhook tokens.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

from bot.core.masking import mask_secrets

_MAX = 200
# SQLite's own words for a full disk, a locked or unreadable file: the database is unwell,
# not the data.
_SQLITE_OUTAGES = ("disk", "full", "locked", "unable to open", "readonly", "i/o")


def describe_store_error(error: BaseException) -> str:
    """The error's kind and the first line of the driver's message, secrets masked."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()[0] if str(original).strip() else ""
    kind = type(original).__name__
    summary = f"{kind}: {text}" if text else kind
    return mask_secrets(summary)[:_MAX]


# PostgreSQL SQLSTATE classes of an unwell server: connection exceptions (08), too many
# connections or a full disk (53), shutdowns (57), I/O errors (58); and a database that
# stopped taking connections (55000 at connect time).
_PG_OUTAGE_CLASSES = ("08", "53", "57", "58")
_PG_NOT_ACCEPTING = "55000"


def _chain(error: BaseException) -> list[BaseException]:
    """The error, its driver error and their causes."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        current = getattr(current, "orig", None) or current.__cause__
    return seen


def is_outage(error: BaseException) -> bool:
    """The database is unreachable or unwell (refused connections, a full disk, a lost
    connection): nothing in our data is at fault, and trying again later is right."""
    for link in _chain(error):
        if isinstance(link, ConnectionError | TimeoutError | OSError):
            return True
        state = str(getattr(link, "sqlstate", "") or "")
        if state.startswith(_PG_OUTAGE_CLASSES) or state == _PG_NOT_ACCEPTING:
            return True
    return _is_outage_kind(error)


def _is_outage_kind(error: BaseException) -> bool:
    """What SQLAlchemy and the drivers call a lost or unusable connection."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.InterfaceError | sa_exc.DisconnectionError):
        return True
    original = getattr(error, "orig", None)
    if isinstance(error, sa_exc.OperationalError):
        message = str(original or error).lower()
        if isinstance(original, sqlite3.OperationalError) or "sqlite" in type(original).__module__:
            return any(word in message for word in _SQLITE_OUTAGES)
        return True
    name = type(original or error).__name__
    return name in {
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "ConnectionFailureError",
        "InterfaceError",
        "TooManyConnectionsError",
        "AdminShutdownError",
        "CrashShutdownError",
    }


def is_data_error(error: BaseException) -> bool:
    """The database refused a value (too long for its column, a NUL in text): the rows
    that carry it are at fault, the rest can go on."""
    return isinstance(error, sa_exc.DataError | sa_exc.IntegrityError) or (
        isinstance(error, sa_exc.DBAPIError) and not is_outage(error)
    )
