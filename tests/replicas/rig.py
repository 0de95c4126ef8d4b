"""Real `python -m bot run` processes on one PostgreSQL database, against the Discord double
and a feed server that records who fetched it and when: the rig of the several-process
end-to-end tests (DESIGN §10.5), bench/failover.py and bench/fanout_two.py.

Each replica has a config of its own that differs from the others' only in `http.listen`
(its own port on 127.0.0.1) and `http.user_agent_contact` (its name, so the feed server can
tell whose poll it answered); `TALLYBOT_SHARD_IDS` gives it its gateway shard.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.store import Store
from bot.store.schema import subscriptions as subscriptions_table
from tests.support.feed_server import FeedServer

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "test-token"
FEED_ID = "organizers"
# What a replica's environment must not inherit: each one gets its own.
_OWN_ENV = ("DATABASE_URL", "PORT", "TALLYBOT_SHARD_IDS", "DISCORD_TOKEN")


def environment_without(names: tuple[str, ...]) -> dict[str, str]:
    """This process's environment, less what a child `run` must be given on its own (a
    DATABASE_URL or PORT of the test runner's would override the child's config)."""
    return {key: value for key, value in os.environ.items() if key not in names}


@dataclass(frozen=True)
class Fetch:
    """One request the feed server answered: when (time.monotonic()) and for whom."""

    at: float
    who: str


@dataclass
class LoggedFeed(FeedServer):
    """A feed server that also logs every fetch with the replica's name (from the
    User-Agent's contact part)."""

    log: list[Fetch] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        agent = request.headers.get("User-Agent", "")
        who = agent.partition("(+")[2].rstrip(")") or agent
        self.log.append(Fetch(time.monotonic(), who))
        return await super().handle(request)

    def first_after(self, moment: float, who: str | None = None) -> Fetch | None:
        return next((f for f in self.log if f.at > moment and (who is None or f.who == who)), None)

    async def wait_fetch_after(self, moment: float, who: str, timeout: float) -> Fetch:
        """The first fetch by `who` after `moment` (time.monotonic()), waiting for it."""
        deadline = time.monotonic() + timeout
        while (found := self.first_after(moment, who)) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"{who} did not fetch the feed within {timeout:g} s")
            await asyncio.sleep(0.01)
        return found


@asynccontextmanager
async def serve_logged_feed(path: str = "/feed") -> AsyncIterator[LoggedFeed]:
    server = LoggedFeed()
    app = web.Application()
    app.router.add_get(path, server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}{path}"
    try:
        yield server
    finally:
        await runner.cleanup()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Setup:
    """What every replica's config shares."""

    api_base: str
    database_url: str
    feed_url: str
    channel_ids: Sequence[int] = ()  # static subscriptions (config `subscriptions:`)
    shard_count: int | None = 2
    requests_per_second: float | None = None  # None: the default
    interval: str = "1s"


def write_config(folder: Path, name: str, setup: Setup, port: int) -> Path:
    discord = [f"  api_base: {setup.api_base}"]
    if setup.shard_count is not None:
        discord.append(f"  shard_count: {setup.shard_count}")
    if setup.requests_per_second is not None:
        discord.append(f"  requests_per_second: {setup.requests_per_second:g}")
    lines = [
        "discord:",
        *discord,
        "http:",
        f"  listen: 127.0.0.1:{port}",
        f"  user_agent_contact: {name}",
        "database:",
        f"  url: {setup.database_url}",
        "feeds:",
        f"  - id: {FEED_ID}",
        f"    url: {setup.feed_url}",
        "    format: native",
        f"    interval: {setup.interval}",
    ]
    if setup.channel_ids:
        lines.append("subscriptions:")
        for channel_id in setup.channel_ids:
            lines += ["  - election: jfk8", f"    channel_id: {channel_id}"]
    path = folder / f"config-{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Replica:
    """One `python -m bot run` process (stdout discarded, stderr to `<name>.log`)."""

    def __init__(self, folder: Path, name: str, setup: Setup, shard_id: int | None) -> None:
        self.name = name
        self.port = free_port()
        self.config = write_config(folder, name, setup, self.port)
        self.log_path = folder / f"{name}.log"
        self.shard_id = shard_id
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        env = environment_without(_OWN_ENV)
        env |= {"DISCORD_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
        if self.shard_id is not None:
            env["TALLYBOT_SHARD_IDS"] = str(self.shard_id)
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--config",
                str(self.config),
                cwd=REPO_ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log,
            )

    async def kill(self) -> float:
        """kill -9; returns when it was sent (time.monotonic()), once the process is gone."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        await self.proc.wait()
        return killed_at

    async def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM and its exit code (None if it was not running)."""
        if not self.running:
            return None if self.proc is None else self.proc.returncode
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError(f"{self.name} did not stop within {timeout:g} s") from None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def cpu_seconds(self) -> float:
        """User + system CPU time the running process has used so far (Linux /proc)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def scrape(self, session: aiohttp.ClientSession) -> Scrape:
        async with session.get(f"{self.base_url}/metrics") as response:
            response.raise_for_status()
            return Scrape.parse(await response.text())

    async def healthz(self, session: aiohttp.ClientSession) -> tuple[int, dict[str, Any]]:
        async with session.get(f"{self.base_url}/healthz") as response:
            return response.status, json.loads(await response.text())


@dataclass(frozen=True)
class Scrape:
    """A /metrics answer parsed by prometheus_client's own text parser."""

    families: dict[str, Any]

    @classmethod
    def parse(cls, text: str) -> Scrape:
        return cls({family.name: family for family in text_string_to_metric_families(text)})

    def value(self, name: str, **labels: str) -> float:
        """The sample of `name` with these labels (the family's own name, or a sample's)."""
        for family in self.families.values():
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(k) == v for k, v in labels.items()
                ):
                    return float(sample.value)
        raise KeyError(f"no sample {name} {labels or ''}")


class Cluster:
    """Named replicas of one setup; replica n connects shard n of `setup.shard_count`."""

    def __init__(self, folder: Path, setup: Setup, names: Sequence[str] = ("a", "b")) -> None:
        self.setup = setup
        shards = setup.shard_count is not None
        self.replicas = {
            name: Replica(folder, name, setup, n if shards else None)
            for n, name in enumerate(names)
        }
        self.session: aiohttp.ClientSession | None = None

    def __getitem__(self, name: str) -> Replica:
        return self.replicas[name]

    async def __aenter__(self) -> Cluster:
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for replica in self.replicas.values():
            if replica.running:
                assert replica.proc is not None
                replica.proc.kill()
                await replica.proc.wait()
        if self.session is not None:
            await self.session.close()

    async def start(self, names: Iterable[str] | None = None) -> None:
        for name in names or self.replicas:
            await self.replicas[name].start()

    async def stop(self) -> dict[str, int | None]:
        """SIGTERM every running replica; their exit codes."""
        codes = await asyncio.gather(*(r.stop() for r in self.replicas.values()))
        return dict(zip(self.replicas, codes, strict=True))

    async def scrapes(self, names: Iterable[str] | None = None) -> dict[str, Scrape]:
        """The metrics of every running replica (or of `names`)."""
        assert self.session is not None
        chosen = [self.replicas[n] for n in names or self.replicas if self.replicas[n].running]
        found = await asyncio.gather(*(r.scrape(self.session) for r in chosen))
        return {r.name: s for r, s in zip(chosen, found, strict=True)}

    async def healthz(self, name: str) -> tuple[int, dict[str, Any]]:
        assert self.session is not None
        return await self.replicas[name].healthz(self.session)

    async def settled(
        self, *, alive: int | None = None, timeout: float = 30.0
    ) -> tuple[Replica, dict[str, Scrape]]:
        """Once every running replica answers /metrics, exactly one says it leads, and (with
        `alive`) each counts that many processes: the leader and the scrapes."""
        deadline = time.monotonic() + timeout
        last: object = "no answer yet"
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                scrapes = await self.scrapes()
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                last = exc
            else:
                leaders = [n for n, s in scrapes.items() if s.value("tallybot_leader") == 1]
                counts = {n: s.value("tallybot_processes_alive") for n, s in scrapes.items()}
                last = f"leaders {leaders}, processes alive {counts}"
                if len(leaders) == 1 and (alive is None or set(counts.values()) == {alive}):
                    return self.replicas[leaders[0]], scrapes
            await asyncio.sleep(0.1)
        raise AssertionError(f"the replicas did not settle in {timeout:g} s: {last}\n{self.logs()}")

    def _check_alive(self) -> None:
        for replica in self.replicas.values():
            if replica.proc is not None and replica.proc.returncode not in (None, -9):
                raise AssertionError(
                    f"{replica.name} exited {replica.proc.returncode}:\n{replica.log()}"
                )

    def logs(self) -> str:
        return "\n".join(f"== {r.name} ==\n{r.log()[-6000:]}" for r in self.replicas.values())


async def migrated(url: str) -> Store:
    """The store of `url`, migrated (before the replicas start: they then find it at head)."""
    store = await Store.open(url)
    await store.migrate()
    return store


async def subscribe_channels(
    store: Store, channel_ids: Iterable[int], election: str, guild_id: int
) -> int:
    """Subscriptions made as `/subscribe` would (not static), in one bulk insert."""
    now = datetime.now(UTC)
    rows = [
        {
            "kind": "channel",
            "target_id": channel_id,
            "election_id": election,
            "level": "all",
            "guild_id": guild_id,
            "static": False,
            "created_at": now,
        }
        for channel_id in channel_ids
    ]
    if rows:
        async with store.transaction() as uow:
            await uow.connection.execute(subscriptions_table.insert(), rows)
    return len(rows)


async def baseline_stored(store: Store, timeout: float = 60.0) -> None:
    """Until the feed's first document is stored (the silent baseline). The bound is for a
    process that never gets there: two interpreters starting (imports, migrations,
    leadership, the first poll) took over 30 s once beside a parallel suite at a load of 8."""
    deadline = time.monotonic() + timeout
    while True:
        async with store.read() as uow:
            state = await uow.feeds.get(FEED_ID)
        if state is not None and state.baseline_done:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the baseline was not stored within {timeout:g} s")
        await asyncio.sleep(0.05)


async def cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
