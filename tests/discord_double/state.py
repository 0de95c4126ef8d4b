"""What the double has seen and recorded: messages, uploads, commands, interactions, problems."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import payloads
from .interactions import Changes, InteractionHandle
from .mentions import pings
from .payloads import Json
from .world import Channel, World


@dataclass(frozen=True)
class Problem:
    """Something that fails the test: an unknown route, an invalid body, a protocol misuse."""

    kind: str
    method: str
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.method} {self.path}: {self.detail}"


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request (`files[n]`)."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class RequestRecord:
    """One REST request as answered (body parsed; None when there was none)."""

    method: str
    path: str
    template: str | None
    status: int
    body: Any
    at: float


@dataclass(frozen=True)
class Call:
    """A REST request as handlers see it, after matching, parsing and validation."""

    method: str
    path: str
    template: str
    params: dict[str, str]
    query: Mapping[str, str]
    body: Any
    uploads: list[Upload]
    now: float

    def id(self, name: str) -> int:
        return int(self.params[name])

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


@dataclass
class Stats:
    """Counts for benchmarks and tests."""

    requests: int = 0
    global_429s: int = 0
    route_429s: int = 0
    injected_failures: int = 0
    nonce_hits: int = 0


@dataclass
class _NonceEntry:
    at: float
    message: Json


@dataclass
class State:
    """Everything recorded, with the world it happened in."""

    world: World
    changes: Changes = field(default_factory=Changes)
    messages: defaultdict[int, list[Json]] = field(default_factory=lambda: defaultdict(list))
    uploads: dict[int, list[Upload]] = field(default_factory=dict)
    commands: dict[int | None, list[Json]] = field(default_factory=dict)
    interactions: dict[int, InteractionHandle] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    nonces: dict[tuple[int, str], _NonceEntry] = field(default_factory=dict)

    def problem(self, kind: str, method: str, path: str, detail: str) -> None:
        self.problems.append(Problem(kind, method, path, detail))
        self.changes.notify()

    def build_message(
        self,
        channel: Channel,
        body: Json,
        author: Json,
        uploads: list[Upload],
        *,
        webhook_id: int | None = None,
    ) -> Json:
        """A message object for a body, with its attachments and the pings Discord would do."""
        message_id = self.world.next_id()
        attachments = [self._attachment(channel.id, u) for u in uploads]
        message = payloads.message(
            message_id,
            channel.id,
            body,
            author,
            attachments=attachments,
            webhook_id=webhook_id,
            guild_id=channel.guild_id,
        )
        self._set_pings(message, channel, body)
        if uploads:
            self.uploads[message_id] = list(uploads)
        return message

    def record(self, channel: Channel, message: Json) -> None:
        """Keep a message posted in a channel (bot, DM or webhook message)."""
        channel.last_message_id = int(message["id"])
        self.messages[channel.id].append(message)
        self.changes.notify()

    def nonce_hit(self, channel_id: int, body: Json, now: float, window: float) -> Json | None:
        """The first message for a repeated enforced nonce within the window, if any."""
        if not body.get("enforce_nonce") or body.get("nonce") is None:
            return None
        entry = self.nonces.get((channel_id, str(body["nonce"])))
        if entry is None or now - entry.at > window:
            return None
        self.stats.nonce_hits += 1
        return entry.message

    def remember_nonce(self, channel_id: int, body: Json, now: float, message: Json) -> None:
        if body.get("enforce_nonce") and body.get("nonce") is not None:
            self.nonces[(channel_id, str(body["nonce"]))] = _NonceEntry(now, message)

    def interaction_by_token(self, token: str) -> InteractionHandle | None:
        return next((h for h in self.interactions.values() if h.token == token), None)

    def _attachment(self, channel_id: int, upload: Upload) -> Json:
        attachment_id = self.world.next_id()
        url = (
            f"https://cdn.discordapp.com/attachments/{channel_id}/{attachment_id}/{upload.filename}"
        )
        return {
            "id": str(attachment_id),
            "filename": upload.filename,
            "size": len(upload.data),
            "url": url,
            "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
            "content_type": _content_type(upload),
            "flags": 0,
        }

    def _set_pings(self, message: Json, channel: Channel, body: Json) -> None:
        found = pings(str(body.get("content") or ""), body.get("allowed_mentions"))
        guild = self.world.guild_of(channel)
        message["mention_everyone"] = found.everyone
        message["mention_roles"] = [str(r) for r in found.roles if guild and r in guild.roles]
        message["mentions"] = [
            payloads.user(self.world.users[u]) for u in found.users if u in self.world.users
        ]


def _content_type(upload: Upload) -> str:
    if upload.filename.lower().endswith(".png"):
        return "image/png"
    return upload.content_type or "application/octet-stream"
