"""Database URL normalisation: Heroku's postgres://, libpq TLS settings, plain sqlite://."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from bot.store.urls import resolve, sqlite_file


@pytest.mark.parametrize(
    "url",
    [
        "postgres://user:secret@db.example.com:5432/tally",
        "postgresql://user:secret@db.example.com:5432/tally",
        "postgresql+asyncpg://user:secret@db.example.com:5432/tally",
    ],
)
def test_postgres_urls_use_asyncpg(url: str) -> None:
    target = resolve(url)
    assert target.url.drivername == "postgresql+asyncpg"
    assert (target.url.host, target.url.port, target.url.database) == (
        "db.example.com",
        5432,
        "tally",
    )
    assert target.url.password == "secret"
    assert not target.is_sqlite
    assert "secret" not in target.safe


def test_sslmode_becomes_asyncpgs_ssl_argument() -> None:
    target = resolve("postgres://u:p@db.example.com/tally?sslmode=require&application_name=tb")
    assert "sslmode" not in target.url.query
    assert target.url.query["application_name"] == "tb"
    assert target.connect_args == {"ssl": "require"}


def test_a_root_certificate_makes_a_verifying_tls_context(tmp_path: Path) -> None:
    ca = Path(ssl.get_default_verify_paths().cafile or "")
    if not ca.is_file():
        pytest.skip("no system CA bundle to stand in for a root certificate")
    target = resolve(f"postgres://u:p@db.example.com/tally?sslmode=verify-full&sslrootcert={ca}")
    context = target.connect_args["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


@pytest.mark.parametrize(
    "url", ["sqlite:///data/tallybot.db", "sqlite+pysqlite:///data/tallybot.db"]
)
def test_sqlite_urls_use_aiosqlite(url: str) -> None:
    target = resolve(url)
    assert target.url.drivername == "sqlite+aiosqlite"
    assert target.is_sqlite
    assert sqlite_file(target) == Path("data/tallybot.db")


def test_an_in_memory_sqlite_database_has_no_file() -> None:
    assert sqlite_file(resolve("sqlite+aiosqlite://")) is None
    assert sqlite_file(resolve("sqlite+aiosqlite:///:memory:")) is None


def test_other_schemes_are_refused_without_echoing_the_password() -> None:
    with pytest.raises(ValueError, match="mysql") as caught:
        resolve("mysql://user:hunter2@db/tally")
    assert "hunter2" not in str(caught.value)


def test_a_password_given_as_a_query_parameter_is_masked_too() -> None:
    target = resolve(
        "postgresql://app:USERPASS@db.example/tally?password=QUERYPASS&sslmode=require"
    )
    assert "USERPASS" not in target.safe and "QUERYPASS" not in target.safe
    assert target.safe == "postgresql+asyncpg://****:****@db.example/tally?password=****"
