"""The published state as the web edge serves it: read from the store once, then refreshed
election by election when the change hub says so, with every answer that depends only on
it (the feed documents, their entity tags, the listing order) built once per state.

A reader never waits for the store: routes read this snapshot, which one follower task
keeps current. "Per published state" means: an answer is rebuilt only after a change of
what it shows.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.models import Election
from bot.store import Published, Store
from bot.web import feed_doc

log = logging.getLogger(__name__)

YIELD_EVERY = 250  # elections built between two turns of the event loop


@dataclass(frozen=True, slots=True)
class Body:
    """A cached response body with its validators; the gzip form is made on first need."""

    content: bytes
    etag: str
    modified_at: datetime | None
    _gzipped: list[bytes] = field(default_factory=list, compare=False, repr=False)

    def gzipped(self) -> bytes:
        if not self._gzipped:
            self._gzipped.append(gzip.compress(self.content, compresslevel=6, mtime=0))
        return self._gzipped[0]


@dataclass(frozen=True, slots=True)
class ElectionState:
    """One election, its published rounds (first published first) and its /e/{id}.json."""

    election: Election
    rounds: tuple[Published, ...]
    fragment: bytes  # its entries inside /feed.json's `elections` array
    document: Body  # /e/{id}.json, also the `data` of its events

    @property
    def id(self) -> str:
        return self.election.id

    @property
    def latest(self) -> Published | None:
        """The round published last (a rerun after its initial tally)."""
        return self.rounds[-1] if self.rounds else None

    @property
    def changed_at(self) -> datetime | None:
        """When its published state last changed."""
        stamps = [p.updated_at for p in self.rounds if p.updated_at is not None]
        return max(stamps) if stamps else None

    @property
    def version(self) -> str:
        """A token for this state (its document's entity tag, unquoted): the event id."""
        return self.document.etag.strip('"')


def election_state(
    election: Election, rounds: Iterable[Published], *, modified_at: datetime | None = None
) -> ElectionState:
    """The state of one election. Its documents' time is its latest publication, or
    `modified_at` when later (its metadata changed without a publication)."""
    ordered = tuple(rounds)
    entries = []
    for item in ordered:
        entry = feed_doc.round_entry(election, item.tally, updated_at=item.updated_at)
        if entry is not None:
            entries.append(entry)
    fragment = feed_doc.encode_entries(entries)
    stamps = [p.updated_at for p in ordered if p.updated_at is not None]
    if modified_at is not None:
        stamps.append(modified_at)
    changed = max(stamps) if stamps else None
    body = feed_doc.document([fragment], updated_at=changed)
    return ElectionState(election, ordered, fragment, Body(body, feed_doc.etag(body), changed))


class Snapshot:
    """Every election and its published rounds, and the answers built from them.

    `load_all` reads everything (at start, and after a missed notification); `refresh`
    reads only the elections named, and returns those whose state changed.
    """

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._elections: dict[str, ElectionState] = {}
        self._aliases: dict[str, str] = {}
        self.loaded = False
        self.version = 0  # bumped at every change of anything shown
        self._feed: tuple[int, Body] | None = None
        self._ordered: tuple[int, list[ElectionState]] | None = None

    def get(self, election_id: str) -> ElectionState | None:
        return self._elections.get(election_id)

    def resolve(self, key: str) -> str | None:
        """The election id for an id or an alias (case-insensitive), else None."""
        key = key.strip().lower()
        if key in self._elections:
            return key
        return self._aliases.get(key)

    def __len__(self) -> int:
        return len(self._elections)

    async def load_all(self, store: Store) -> list[ElectionState]:
        """Read every election; returns those whose state changed (all, the first time)."""
        async with store.read() as uow:
            elections = await uow.elections.list_all()
            rounds = await uow.published.rounds_many([e.id for e in elections])
        fresh: dict[str, ElectionState] = {}
        for index, election in enumerate(elections, 1):
            fresh[election.id] = self._state(election, rounds.get(election.id, ()))
            if index % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # 5,000 elections: let the loop breathe meanwhile
        changed = [s for s in fresh.values() if self._differs(s)]
        removed = set(self._elections) - set(fresh)
        self._elections = fresh
        self.loaded = True
        if changed or removed:
            self._changed()
        return changed

    async def refresh(self, store: Store, election_ids: Iterable[str]) -> list[ElectionState]:
        """Read these elections again; returns those whose state changed."""
        ids = sorted(set(election_ids))
        if not ids:
            return []
        async with store.read() as uow:
            elections = await uow.elections.get_many(ids)
            rounds = await uow.published.rounds_many(list(elections))
        changed: list[ElectionState] = []
        gone = False
        for election_id in ids:
            election = elections.get(election_id)
            if election is None:
                gone = self._elections.pop(election_id, None) is not None or gone
                continue
            state = self._state(election, rounds.get(election_id, ()))
            if self._differs(state):
                self._elections[election_id] = state
                changed.append(state)
        if changed or gone:
            self._changed()
        return changed

    def _state(self, election: Election, rounds: Iterable[Published]) -> ElectionState:
        ordered = tuple(rounds)
        state = election_state(election, ordered)
        old = self._elections.get(election.id)
        if old is None or old.document.etag == state.document.etag:
            return state
        before, now = old.document.modified_at, state.document.modified_at
        if before is not None and (now is None or now <= before):
            # Changed without a newer publication (a new name): it changed now, so that
            # If-Modified-Since never answers 304 for what a reader has not seen.
            return election_state(election, ordered, modified_at=max(before, self._clock()))
        return state

    def _differs(self, state: ElectionState) -> bool:
        old = self._elections.get(state.id)
        if old is None:
            return True
        return old.document.etag != state.document.etag or old.election != state.election

    def _changed(self) -> None:
        self.version += 1
        self._feed = None
        self._ordered = None
        self._aliases = {
            alias: state.id
            for state in sorted(self._elections.values(), key=lambda s: s.id, reverse=True)
            for alias in state.election.aliases
            if alias not in self._elections
        }

    def feed(self) -> Body:
        """/feed.json: every election's published rounds, by election id."""
        if self._feed is None or self._feed[0] != self.version:
            states = [self._elections[k] for k in sorted(self._elections)]
            stamps = [s.document.modified_at for s in states if s.fragment]
            modified = max((s for s in stamps if s is not None), default=None)
            body = feed_doc.document([s.fragment for s in states], updated_at=modified)
            self._feed = (self.version, Body(body, feed_doc.etag(body), modified))
        return self._feed[1]

    def ordered(self) -> list[ElectionState]:
        """Every election, the one with the most recent published change first; those never
        published last, by id."""
        if self._ordered is None or self._ordered[0] != self.version:
            published = [s for s in self._elections.values() if s.changed_at is not None]
            published.sort(key=lambda s: s.id)
            published.sort(key=lambda s: s.changed_at or datetime.min, reverse=True)
            rest = sorted((s for s in self._elections.values() if s.changed_at is None), key=_id)
            self._ordered = (self.version, published + rest)
        return self._ordered[1]


def _id(state: ElectionState) -> str:
    return state.id
