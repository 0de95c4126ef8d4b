"""Turn the database URLs operators write (Heroku's postgres://, libpq TLS settings, plain
sqlite://) into what SQLAlchemy's async drivers take."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.core.masking import mask_url

_POSTGRES_NAMES = frozenset(
    {"postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg2", "postgresql+psycopg"}
)
_SQLITE_NAMES = frozenset({"sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"})
# libpq TLS settings asyncpg does not take as keyword arguments; translated below.
_LIBPQ_TLS = ("sslmode", "sslrootcert", "sslcert", "sslkey")


@dataclass(frozen=True)
class DatabaseTarget:
    """A URL ready for `create_async_engine`, and the connect arguments that go with it."""

    url: URL
    connect_args: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def safe(self) -> str:
        """The URL with its userinfo and every query value (`?password=`) masked, for logs."""
        return mask_url(self.url.render_as_string(hide_password=False))


def resolve(url: str) -> DatabaseTarget:
    """Normalise a database URL to sqlite+aiosqlite or postgresql+asyncpg.

    Raises ValueError (without echoing a password) for a URL that is neither.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("the database URL cannot be parsed") from None
    name = parsed.drivername
    if name in _POSTGRES_NAMES:
        return _postgres(parsed.set(drivername="postgresql+asyncpg"))
    if name in _SQLITE_NAMES:
        return DatabaseTarget(parsed.set(drivername="sqlite+aiosqlite"))
    raise ValueError(f"unsupported database URL scheme {name!r}: use sqlite or postgresql")


def sqlite_file(target: DatabaseTarget) -> Path | None:
    """The file a SQLite URL names, or None for an in-memory or URI database."""
    database = target.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _postgres(url: URL) -> DatabaseTarget:
    query = {k: v for k, v in url.query.items() if k in _LIBPQ_TLS}
    if not query:
        return DatabaseTarget(url)
    url = url.difference_update_query(list(query))
    mode = _single(query.get("sslmode"))
    certs = {k: _single(query.get(k)) for k in ("sslrootcert", "sslcert", "sslkey")}
    if not any(certs.values()):
        # asyncpg takes libpq's sslmode names as its `ssl` argument.
        return DatabaseTarget(url, {"ssl": mode} if mode else {})
    return DatabaseTarget(url, {"ssl": _tls_context(mode or "verify-full", **certs)})


def _single(value: str | tuple[str, ...] | None) -> str | None:
    if isinstance(value, tuple):
        return value[-1] if value else None
    return value


def _tls_context(
    mode: str, sslrootcert: str | None, sslcert: str | None, sslkey: str | None
) -> ssl.SSLContext:
    """An SSL context following libpq: a root certificate means the server is verified."""
    if mode in ("disable", "allow", "prefer"):
        raise ValueError(f"sslmode={mode} with certificate files: use require or verify-*")
    context = ssl.create_default_context(cafile=sslrootcert)
    context.check_hostname = mode == "verify-full"
    if mode == "require" and not sslrootcert:
        context.verify_mode = ssl.CERT_NONE
    if sslcert:
        context.load_cert_chain(sslcert, sslkey)
    return context
