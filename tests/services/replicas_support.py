"""Helpers for the several-process tests: a PostgreSQL database of their own, a store with
the processes table, sliding-window counts, and child processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from typing import IO

from sqlalchemy.engine import make_url

from bot.store import Store
from tests.conftest import REPO_ROOT, admin_sql


@contextlib.asynccontextmanager
async def fresh_pg_database(pg_url: str) -> AsyncIterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    name = f"tallybot_replicas_{secrets.token_hex(4)}"
    await admin_sql(pg_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin_sql(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def store_with_processes(url: str) -> Store:
    """An opened, migrated store (the processes table is part of the schema)."""
    store = await Store.open(url)
    await store.migrate()
    return store


def peak_in_any_window(stamps: Sequence[float], window: float = 1.0) -> int:
    """The most stamps within any `window` seconds (a sliding, half-open window)."""
    ordered = sorted(stamps)
    peak = start = 0
    for end, stamp in enumerate(ordered):
        while stamp - ordered[start] >= window:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


class Child:
    """`python -m tests.services.replica_child …`: its stdout lines, and stdin to talk to it
    (its stderr goes to a file, read when it fails, so it can never block on a full pipe)."""

    def __init__(self, proc: asyncio.subprocess.Process, stderr: IO[bytes]) -> None:
        self.proc = proc
        self._stderr = stderr

    @classmethod
    async def start(cls, *args: str) -> Child:
        stderr = tempfile.TemporaryFile()  # noqa: SIM115  # closed by reap()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.services.replica_child",
            *args,
            cwd=REPO_ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        return cls(proc, stderr)

    def errors(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    async def line(self, timeout: float = 15.0) -> str:
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not raw:
            await self.proc.wait()
            raise AssertionError(f"the child exited {self.proc.returncode}: {self.errors()}")
        return raw.decode().strip()

    async def quiet_for(self, seconds: float) -> None:
        try:
            line = await self.line(timeout=seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected line from the child: {line}")

    def tell(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")

    async def end(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), 10)

    async def reap(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        self._stderr.close()


@contextlib.asynccontextmanager
async def child_processes() -> AsyncIterator[list[Child]]:
    """A list to put children in; those still running at the end are killed."""
    started: list[Child] = []
    try:
        yield started
    finally:
        for child in started:
            await child.reap()
