"""Types shared by the fetcher, the parsers and their callers: what a feed is, what a fetch
and a parse return. No I/O here."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.core.models import Election, SourceKind, Tally


class FeedFormat(StrEnum):
    NATIVE = "native"
    SHEET_CSV = "sheet-csv"
    NLRB_CSV = "nlrb-csv"
    NLRB_CASE = "nlrb-case"
    NLRB_RESULTS = "nlrb-results"

    @property
    def source_kind(self) -> SourceKind:
        """Native and sheet-csv feeds are hand-fed (unofficial); the nlrb-* are official."""
        hand_fed = self in (FeedFormat.NATIVE, FeedFormat.SHEET_CSV)
        return SourceKind.NATIVE if hand_fed else SourceKind.OFFICIAL


@dataclass(frozen=True, slots=True)
class FeedSource:
    """One feed to fetch, as the poller and `check-feed` know it."""

    id: str
    url: str
    format: FeedFormat
    timeout_s: float = 10.0
    max_bytes: int = 5_000_000
    connect_timeout_s: float = 5.0


@dataclass(frozen=True, slots=True)
class Validators:
    """What lets the next fetch of a feed be cheap: HTTP validators and the body's hash."""

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Unchanged:
    """The feed has not changed since `previous` (a 304, or the same content hash)."""

    validators: Validators
    reason: str  # "not-modified" | "same-hash"


@dataclass(frozen=True, slots=True)
class Document:
    """A new body to parse."""

    body: bytes
    validators: Validators
    content_type: str | None = None
    final_url: str | None = None


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """A fetch that failed; `reason` is for people ("HTTP 500 from example.org")."""

    reason: str
    status: int | None = None
    retry_after_s: float | None = None


FetchResult = Unchanged | Document | FetchFailure


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a document that was otherwise good (DESIGN §6 problem object)."""

    election: str | None
    field: str | None
    error: str

    def as_json(self) -> dict[str, str | None]:
        return {"election": self.election, "field": self.field, "error": self.error}


@dataclass(frozen=True, slots=True)
class ParsedTally:
    """A tally and what the document said about its election."""

    tally: Tally
    election: Election


@dataclass(frozen=True, slots=True)
class ParseResult:
    tallies: tuple[ParsedTally, ...] = ()
    problems: tuple[Problem, ...] = ()


class ParseError(Exception):
    """The whole document failed (not JSON, firewall page, no tallies where some must be).

    The message is user-safe and names what was wrong.
    """


class UnavailablePage(ParseError):
    """Not a document at all: a firewall, maintenance or error page served with HTTP 200.
    The poller treats it as a failed fetch (backed off), not as a document to fix."""


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser needs beyond the bytes.

    `identities` maps (case number upper-case, unit upper-case) to the configured election,
    so NLRB rows get the operator's slug and aliases (DESIGN §4 identity). `deadline` is a
    `time.monotonic()` value after which `check_deadline`, which parsers call in their loops,
    fails the document; `time_limit_s` is what its message says the limit was.
    """

    source_id: str
    identities: Mapping[tuple[str, str], Election] = field(default_factory=dict)
    deadline: float | None = None
    time_limit_s: float | None = None

    def with_time_limit(self, seconds: float) -> ParseContext:
        """This context with a deadline `seconds` from now."""
        return replace(self, deadline=time.monotonic() + seconds, time_limit_s=seconds)

    def check_deadline(self) -> None:
        """Raise ParseError once the deadline has passed (a failed document, DESIGN §4)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            limit = f"{self.time_limit_s:g} s" if self.time_limit_s is not None else "its limit"
            raise ParseError(
                f"parsing took longer than {limit}: the document is too large or too "
                "complex to read in time"
            )
