"""Runs `python -m bot run --dry-run --output jsonl` as a subprocess and reads its posts. The
process is given secrets (a Discord token, a password and a key in every http feed URL) and
nothing it prints, stdout or stderr, may show them (checked when it stops)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tests.conftest import REPO_ROOT
from tests.support.secrets import DISCORD_TOKEN, assert_no_secrets, with_secrets


def write_config(folder: Path, feeds: list[dict[str, Any]], extra: str = "") -> Path:
    lines = ["feeds:"]
    for feed in feeds:
        lines.append(f"  - id: {feed['id']}")
        for key in ("url", "format", "interval", "timeout", "max_bytes"):
            if key in feed:
                value = with_secrets(feed[key]) if key == "url" else feed[key]
                lines.append(f"    {key}: {value}")
    path = folder / "config.yaml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


class BotProcess:
    """One dry-run process; `posts()` yields its JSON lines as they come."""

    def __init__(
        self,
        config: Path,
        database: str,
        log_path: Path,
        env: dict[str, str] | None = None,
        slow_printer_s: float | None = None,
    ):
        self.config = config
        self.database = database
        self.log_path = log_path
        self.env = {**os.environ, "DISCORD_TOKEN": DISCORD_TOKEN, **(env or {})}
        self.slow_printer_s = slow_printer_s  # run the tests' own root with a slow printer
        self.proc: asyncio.subprocess.Process | None = None
        self._log = None
        self.printed: list[bytes] = []  # every stdout line read, for the secrets check

    async def start(self) -> None:
        self._log = self.log_path.open("ab")
        if self.slow_printer_s is None:
            command = ["-m", "bot", "run", "--dry-run", "--output", "jsonl"]
            command += ["--config", str(self.config), "--database", self.database]
        else:
            command = ["-m", "tests.support.slow_bot", str(self.config), self.database]
            command.append(str(self.slow_printer_s))
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *command,
            cwd=REPO_ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._log,
        )

    async def next_post(self, timeout: float = 15.0) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        self.printed.append(line)
        if not line:
            raise AssertionError(f"the bot exited; its log:\n{self.log()}")
        return json.loads(line)

    async def no_post_within(self, seconds: float) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            line = await asyncio.wait_for(self.proc.stdout.readline(), seconds)
        except TimeoutError:
            return
        self.printed.append(line)
        raise AssertionError(f"unexpected post: {line[:300]!r}")

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        if self._log:
            self._log.close()
        if self.proc.stdout is not None:
            self.printed.append(await asyncio.wait_for(self.proc.stdout.read(), timeout))
        assert_no_secrets(self.log(), *self.printed)
        return code

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")
