"""What the double has seen and recorded: messages, uploads, commands, interactions, problems."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import payloads
from .interactions import Changes, InteractionHandle
from .mentions import Pings, pings
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
    """One REST request as answered (body parsed; None when there was none). `global_`:
    it counts towards the global rate limit (interaction endpoints do not)."""

    method: str
    path: str
    template: str | None
    status: int
    body: Any
    at: float
    global_: bool = True


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


@dataclass(frozen=True)
class Edit:
    """One edit of a message as the double applied it: the body sent, when, and the pings
    the edited content resolves to under the edit's `allowed_mentions` (Discord notifies
    nobody for an edit, but a body without `allowed_mentions` would parse everything)."""

    message_id: int
    channel_id: int
    body: Json
    at: float
    pings: Pings


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
    edits: defaultdict[int, list[Edit]] = field(default_factory=lambda: defaultdict(list))
    by_id: dict[int, Json] = field(default_factory=dict)  # every message still there, by id

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
        self.by_id[int(message["id"])] = message
        self.changes.notify()

    def find_message(self, channel_id: int, message_id: int) -> Json | None:
        """A message still in that channel (None once deleted, or elsewhere)."""
        message = self.by_id.get(message_id)
        return message if message and int(message["channel_id"]) == channel_id else None

    def delete_message(self, channel_id: int, message_id: int) -> Json:
        """Remove a message, as a moderator would; its edits stay recorded."""
        message = self.find_message(channel_id, message_id)
        if message is None:
            raise KeyError(f"no message {message_id} in channel {channel_id}")
        del self.by_id[message_id]
        self.messages[channel_id].remove(message)
        self.changes.notify()
        return message

    def apply_edit(
        self, channel: Channel, message: Json, body: Json, uploads: list[Upload], now: float
    ) -> Edit:
        """Change the message as Discord does for a PATCH, and record the edit."""
        for key in _EDITABLE:
            if key in body:
                message[key] = body[key] if body[key] is not None else _CLEARED.get(key)
        if "attachments" in body or uploads:
            kept_ids = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in message.get("attachments") or [] if a["id"] in kept_ids]
            message["attachments"] = kept + [self._attachment(channel.id, u) for u in uploads]
            if uploads:
                self.uploads[int(message["id"])] = list(uploads)
        message["edited_timestamp"] = payloads.now_iso()
        found = pings(str(message.get("content") or ""), body.get("allowed_mentions"))
        self._set_pings(message, channel, {**body, "content": message.get("content") or ""})
        edit = Edit(int(message["id"]), channel.id, body, now, found)
        self.edits[edit.message_id].append(edit)
        self.changes.notify()
        return edit

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


# What a PATCH may change (`attachments` apart; `allowed_mentions` is no message field), and
# what `null` clears it to.
_EDITABLE = ("content", "embeds", "components", "flags", "poll")
_CLEARED: dict[str, Any] = {"content": "", "embeds": [], "components": [], "flags": 0}


def _content_type(upload: Upload) -> str:
    if upload.filename.lower().endswith(".png"):
        return "image/png"
    return upload.content_type or "application/octet-stream"
