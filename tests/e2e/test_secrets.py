"""No secret in anything the bot prints (DESIGN §4 Secrets, issue 12): `check-config`,
`migrate`, `check-feed` and `run --dry-run` as subprocesses, given a Discord token, feed URLs
with a password and a key, a database password as userinfo and as `?password=`, and a
webhook token; stdout and stderr are searched for every one of them."""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy.engine import make_url
from yarl import URL

from tests.conftest import REPO_ROOT
from tests.support.feed_server import serve_feed
from tests.support.jfk8 import jfk8
from tests.support.secrets import (
    DATABASE_PASSWORD,
    DISCORD_TOKEN,
    FEED_KEY,
    FEED_PASSWORD,
    WEBHOOK_URL,
    assert_no_secrets,
    with_secrets,
)

pytestmark = pytest.mark.e2e


async def bot(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, str]:
    """Run `python -m bot ARGS`; its exit code and everything it printed (stdout, stderr),
    after checking that no secret is in there."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=REPO_ROOT,
        env={**os.environ, "DISCORD_TOKEN": DISCORD_TOKEN, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert_no_secrets(out, err)
    assert proc.returncode is not None
    return proc.returncode, out.decode() + err.decode()


def secret_config(folder: Path, feed_url: str, database: str, extra: str = "") -> Path:
    path = folder / "config.yaml"
    path.write_text(
        "discord:\n"
        f"  api_base: http://proxy:{FEED_PASSWORD}@127.0.0.1:9/api\n"
        "feeds:\n"
        "  - id: organizers\n"
        f"    url: {with_secrets(feed_url)}\n"
        "    format: native\n"
        "    interval: 1s\n"
        "database:\n"
        f"  url: {database}\n"
        "subscriptions:\n"
        "  - election: jfk8\n"
        f"    webhook_url: {WEBHOOK_URL}\n" + extra,
        encoding="utf-8",
    )
    return path


async def test_check_config_prints_the_settings_with_every_secret_masked(tmp_path: Path) -> None:
    database = f"postgresql://app:{DATABASE_PASSWORD}@db.example/tally?password={DATABASE_PASSWORD}"
    config = secret_config(tmp_path, "https://feeds.example.org/tally.json", database)
    code, printed = await bot("check-config", "--config", str(config))
    assert code == 0, printed
    assert "https://****:****@feeds.example.org/tally.json?key=****" in printed
    assert "://****:****@db.example/tally?password=****" in printed
    assert "https://discord.com/api/webhooks/123456789012345678/****" in printed
    assert "discord_token: set (hidden)" in printed


async def test_an_unreachable_database_is_reported_without_its_password(tmp_path: Path) -> None:
    config = secret_config(tmp_path, "https://feeds.example.org/t.json", "sqlite:///x.db")
    url = f"postgresql://app:{DATABASE_PASSWORD}@127.0.0.1:1/tally?password={DATABASE_PASSWORD}"
    code, printed = await bot("migrate", "--config", str(config), "--database", url)
    assert code == 1
    assert "database postgresql://****:****@127.0.0.1:1/tally?password=****" in printed


@pytest.fixture
async def pg_scratch(pg_url: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database, dropped after the test."""
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    name = f"tallybot_secrets_{secrets.token_hex(4)}"
    admin = create_async_engine(pg_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.dispose()


async def test_migrate_on_postgresql_with_a_query_password_never_shows_it(
    tmp_path: Path, pg_scratch: str
) -> None:
    config = secret_config(tmp_path, "https://feeds.example.org/t.json", "sqlite:///x.db")
    url = str(URL(pg_scratch).update_query(password=DATABASE_PASSWORD))
    code, printed = await bot("migrate", "--config", str(config), "--database", url)
    assert code == 0, printed
    assert "?password=****: migrated to the latest schema" in printed


async def test_a_store_write_failing_at_start_shows_no_webhook_token(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    config = secret_config(tmp_path, "http://127.0.0.1:9/feed", f"sqlite+aiosqlite:///{database}")
    code, printed = await bot("migrate", "--config", str(config))
    assert code == 0, printed
    with sqlite3.connect(database) as conn:  # every write of a subscription now fails
        conn.execute(
            "CREATE TRIGGER full_disk BEFORE INSERT ON subscriptions "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    code, printed = await bot("run", "--dry-run", "--config", str(config), timeout=30)
    assert code != 0
    assert "database or disk is full" in printed  # the failure is told, its secrets are not
    # One line at the edge, without the statement or its parameters (DESIGN §4 Secrets).
    assert "Traceback" not in printed and "INSERT INTO" not in printed


async def test_check_feed_masks_the_feed_url_and_a_refused_redirect(tmp_path: Path) -> None:
    async with serve_feed() as server:
        server.set_document(jfk8("counting", 10, 5))
        code, printed = await bot(
            "check-feed", "--format", "native", with_secrets(server.url), timeout=30
        )
        assert code == 0, printed
        assert f"from http://****:****@127.0.0.1:{URL(server.url).port}/feed?key=****" in printed

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://127.0.0.2:9/x?token={FEED_KEY}&user={FEED_PASSWORD}")

    app = web.Application()
    app.router.add_get("/feed", moved)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        code, printed = await bot(
            "check-feed", "--format", "native", f"http://127.0.0.1:{port}/feed", timeout=30
        )
    finally:
        await runner.cleanup()
    assert code == 1
    assert "redirect to http://127.0.0.2:9/x?token=****&user=**** refused" in printed


def test_the_check_catches_a_printed_secret() -> None:
    assert_no_secrets("nothing to see", b"here either")
    with pytest.raises(AssertionError, match="a secret was printed"):
        assert_no_secrets("line one\nfetching http://u:" + FEED_PASSWORD + "@h/feed\n")
    with pytest.raises(AssertionError):
        assert_no_secrets(b"token " + DISCORD_TOKEN.encode())
