"""`python -m bot sync` and `run` against the double through `discord.api_base`, as a
subprocess: the production code sets both patch points itself (DESIGN §10)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.discord_double import DiscordDouble
from tests.support.secrets import assert_no_secrets

pytestmark = pytest.mark.e2e


def config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"discord:\n  api_base: http://127.0.0.1:{port}/api/v10\n"
        f"database:\n  url: sqlite+aiosqlite:///{tmp_path}/bot.db\n",
        encoding="utf-8",
    )
    return path


async def bot_command(*args: str, token: str | None) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    if token is not None:
        env["DISCORD_TOKEN"] = token
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    assert_no_secrets(out, err, secrets=[token or ""])
    return proc.returncode, out.decode(), err.decode()


async def test_sync_registers_the_commands_with_one_guild(
    discord_double: DiscordDouble, tmp_path: Path
) -> None:
    path = config(tmp_path, discord_double.port)
    guild = str(discord_double.guild.id)
    code, out, err = await bot_command(
        "sync", "--config", str(path), "--guild", guild, token="test-token"
    )
    assert code == 0, err
    assert "/status" in out and "/subscribe" in out
    assert {c["name"] for c in discord_double.commands(discord_double.guild)} >= {
        "status",
        "report",
    }


async def test_a_refused_token_is_a_clear_error_suggesting_the_dry_run(
    discord_double: DiscordDouble, tmp_path: Path
) -> None:
    path = config(tmp_path, discord_double.port)
    code, _out, err = await bot_command("run", "--config", str(path), token="wrong-token")
    assert code == 1
    assert "refused the token" in err and "--dry-run" in err
    assert "wrong-token" not in err  # secrets are never logged
    discord_double.take_problems()


async def test_a_missing_token_suggests_the_dry_run(tmp_path: Path) -> None:
    path = config(tmp_path, 9)
    code, _out, err = await bot_command("run", "--config", str(path), token=None)
    assert code == 1
    assert "DISCORD_TOKEN is not set" in err and "--dry-run" in err


async def test_run_posts_for_real_and_prints_each_sent_delivery_as_jsonl(
    discord_double: DiscordDouble, tmp_path: Path
) -> None:
    import json
    import signal

    from tests.support.jfk8 import jfk8

    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps(jfk8("counting", 10, 5)), encoding="utf-8")
    path = config(tmp_path, discord_double.port)
    path.write_text(
        path.read_text(encoding="utf-8")
        + f"feeds:\n  - id: organizers\n    url: {feed.as_uri()}\n    format: native\n"
        "    interval: 1s\n"
        f"subscriptions:\n  - election: jfk8\n    channel_id: {discord_double.channel.id}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "DISCORD_TOKEN": "test-token"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(path),
        "--output",
        "jsonl",
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await discord_double.wait_until_ready(timeout=15)
        await asyncio.sleep(1.5)  # the silent baseline
        feed.write_text(json.dumps(jfk8("paused", 20, 15)), encoding="utf-8")
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 15)
        printed = json.loads(line)
        assert printed["target"] == f"channel:{discord_double.channel.id}"
        assert printed["events"] == ["count_updated", "status_changed"]
        [sent] = await discord_double.wait_for_messages(discord_double.channel)
        assert sent["content"] == printed["message"]["content"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 15)
    assert proc.returncode == 0, err.decode()
    assert_no_secrets(line, out, err, secrets=["test-token"])
