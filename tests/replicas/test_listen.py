"""A process whose `http.listen` address is taken (another replica on the same port, say)
stops at start with exit 1 and says why, instead of running without its web server."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import pytest

from tests.replicas.rig import REPO_ROOT, environment_without

pytestmark = pytest.mark.e2e


async def test_a_taken_listen_address_is_exit_1_with_the_reason(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "config.yaml"
        config.write_text(f"http:\n  listen: 127.0.0.1:{port}\n", encoding="utf-8")
        env = environment_without(("DATABASE_URL", "PORT"))
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--dry-run",
            "--config",
            str(config),
            "--database",
            f"sqlite+aiosqlite:///{tmp_path / 'tallybot.db'}",
            cwd=REPO_ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1, err.decode()
    assert f"http.listen 127.0.0.1:{port}: cannot listen there" in err.decode()
