"""The delta parse of a feed v1 document: a big feed repeats nearly every election from one
poll to the next, so each election's checked result is remembered per feed by the exact
JSON text of the election, and only elections whose text changed are validated, built and
checked (10 changed of 5,000 cost 10).

The document's skeleton (its top-level object and the `elections` array) is walked here.
Each election's text is found by comparing with the election at the same place in the last
parse (a memcmp: an object's text ends at its own closing brace, so a match is that whole
election), else by the json module's scanner. Anything this path is not sure of (a
document that is not plain valid JSON, an election or document key the strict models
refuse, bar an election's `x-` extensions, read as the full parse reads them) returns None,
and the full parse (native.py) decides, so the result is always the full parse's: same
tallies, same problems in the same order, same errors.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pydantic_core
from pydantic import ValidationError

from bot.core.models import DEFAULT_ROUND
from bot.feeds.base import ParseContext, ParsedTally, ParseResult
from bot.feeds.parsers.last_parse import LastParse
from bot.feeds.parsers.native_checks import (
    Checked,
    Key,
    Problems,
    check_election,
    document_time,
    keys_are_unique,
    label_of,
    raise_on_repeated_key,
    record,
    report_repeats,
)
from bot.feeds.parsers.native_extensions import count_keys, without_extensions
from bot.feeds.parsers.native_models import (
    MAX_ELECTIONS,
    DocumentHead,
    ElectionModel,
    document_adapter,
    election_adapter,
)

DEADLINE_EVERY = 256  # elections between two looks at the clock
_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, RFC 8259
_SEPARATOR = re.compile(r"[ \t\n\r]*(?:,[ \t\n\r]*|(\]))")  # between elections, or the end
_DECODER = json.JSONDecoder()
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]  # C, untyped


class _NotPlain(Exception):
    """The delta path is not sure of this document: the full parse decides."""


@dataclass(frozen=True, slots=True)
class _Entry:
    """One election text as the last parse found it, wherever it stood."""

    key: Key
    keys: int  # keys of its objects, for the repeated-key check
    checked: Checked
    # The document's `updated_at` as written when it was checked (the text, not the time:
    # 10:00Z and 11:00+01:00 are equal times, yet tallies carrying either differ).
    doc_stamp: str | None


@dataclass(frozen=True, slots=True)
class _Memo:
    label: str | None
    entries: dict[str, _Entry]
    texts: list[str]  # the elections' texts in document order


_memos: LastParse[_Memo] = LastParse()


def parse_delta(body: bytes, ctx: ParseContext) -> ParseResult | None:
    """The document parsed with the feed's memo, or None when the full parse must decide.
    `body` is without its byte-order mark. Raises ParseError as the full parse would
    for a document whose keys repeat or past the deadline."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    memo = _memos.get(ctx.source_id)
    try:
        walk = _Walk(text, memo.texts if memo is not None else [])
        head = document_adapter().validate_json(walk.head())
        if len(walk.texts) > MAX_ELECTIONS:
            return None
        parse = _Delta(ctx, head, memo)
        result = parse.elections(walk.texts)
    except (_NotPlain, ValidationError):
        return None
    if not keys_are_unique(body, parse.keys + len(head)):
        raise_on_repeated_key(body)
    # The memo of this parse only (the last document's elections): memory stays flat.
    _memos.keep(ctx.source_id, _Memo(parse.label, parse.seen, walk.texts))
    return result


class _Delta:
    """The election loop of the full parse (native._build), with remembered elections."""

    def __init__(self, ctx: ParseContext, head: DocumentHead, memo: _Memo | None) -> None:
        self.ctx = ctx
        self.problems = Problems()
        self.doc_time = document_time(head, self.problems)
        self.doc_stamp = head.get("updated_at")
        self.label = label_of(head, self.problems)
        same_label = memo is not None and memo.label == self.label
        self.known = memo.entries if memo is not None and same_label else {}
        self.seen: dict[str, _Entry] = {}
        self.keys = 0

    def elections(self, texts: list[str]) -> ParseResult:
        """native._build's loop over remembered entries. The hot loop of every changed
        poll of a big feed: local names, and no object made per election that the garbage
        collector would track (at 20,000 elections its passes cost as much as the loop)."""
        built: list[ParsedTally] = []
        first: dict[Key, int] = {}  # where each (election, round) is first given
        repeats: dict[Key, list[int]] = {}
        known, seen, doc_stamp = self.known, self.seen, self.doc_stamp
        for index, text in enumerate(texts):
            if index % DEADLINE_EVERY == 0:
                self.ctx.check_deadline()
            entry = known.get(text)
            if entry is None or (entry.doc_stamp != doc_stamp and not entry.checked.own_time):
                entry = seen.get(text) or self._fresh(text)
            seen[text] = entry
            self.keys += entry.keys
            key = entry.key
            if key in first:
                repeats.setdefault(key, [first[key]]).append(index)
                continue
            first[key] = index
            checked = entry.checked
            if checked.findings or checked.bad_stamp is not None:
                record(index, key[0], checked, self.problems)
            if checked.parsed is not None:
                built.append(checked.parsed)
        skipped = report_repeats(repeats, self.problems)
        if skipped:
            built = [p for p in built if (p.tally.election_id, p.tally.round) not in skipped]
        return ParseResult(tuple(built), self.problems.ordered())

    def _fresh(self, text: str) -> _Entry:
        """A changed election: validated from its text (ValidationError: the full parse
        decides) and checked. Checked even when it repeats an earlier (election, round),
        which the full parse skips: checking adds no problem, `record` does."""
        try:
            item = election_adapter().validate_json(text)
            keys = len(item) + sum(map(len, item["choices"]))
        except ValidationError:
            item, keys = _extended(text)
        clean = "\\" not in text and "\x7f" not in text and text.isascii()
        checked = check_election(item, self.doc_time, self.label, self.ctx.source_id, clean)
        key = (item["id"], item.get("round", DEFAULT_ROUND))
        return _Entry(key, keys, checked, self.doc_stamp)


def _extended(text: str) -> tuple[ElectionModel, int]:
    """An election the strict model refused, read as the full parse reads a document with
    extensions (`x-` keys): validated without them, its keys counted with them. Raises
    ValidationError when it is refused for another reason (the full parse decides)."""
    try:
        raw = pydantic_core.from_json(text, allow_inf_nan=False)
    except ValueError:
        raise _NotPlain from None
    return election_adapter().validate_python(without_extensions(raw)), count_keys(raw)


class _Walk:
    """The document's skeleton: its top-level keys and each election's text."""

    def __init__(self, text: str, previous: list[str]) -> None:
        self.text = text
        self.previous = previous
        self.texts: list[str] = []
        self._places: dict[str, int] | None = None

    def head(self) -> str:
        """The document as JSON with an empty `elections`, for the document model."""
        text = self.text
        pos = self._skip(0)
        if not text.startswith("{", pos):
            raise _NotPlain
        parts: list[str] = []
        pos = self._skip(pos + 1)
        elections = False
        while True:
            key, key_end = self._key(pos)
            value = self._skip(key_end)
            if not text.startswith(":", value):
                raise _NotPlain
            value = self._skip(value + 1)
            if key != "elections":
                end = self._value_end(value)
                parts.append(f"{text[pos:key_end]}:{text[value:end]}")
            elif elections or not text.startswith("[", value):
                raise _NotPlain  # given twice, or not a list: the full parse says so
            else:
                elections = True
                end = self._elections(value)
            pos = self._skip(end)
            if not text.startswith(",", pos):
                break
            pos = self._skip(pos + 1)
        if not (elections and text.startswith("}", pos) and self._skip(pos + 1) == len(text)):
            raise _NotPlain
        return "{" + ",".join([*parts, '"elections":[]']) + "}"

    def _elections(self, pos: int) -> int:
        """Each election's text, from the `[` at `pos`; where the array ends."""
        text, texts, previous = self.text, self.texts, self.previous
        pos = self._skip(pos + 1)
        if text.startswith("]", pos):
            return pos + 1
        at = 0  # the election of the last parse expected here
        while True:
            expected = previous[at] if at < len(previous) else None
            if expected is not None and text.startswith(expected, pos):
                item = expected
            else:
                item = text[pos : self._value_end(pos)]
                at = self._realigned(item, at)
            texts.append(item)
            at += 1
            separator = _SEPARATOR.match(text, pos + len(item))
            if separator is None:
                raise _NotPlain
            if separator.group(1):
                return separator.end()
            pos = separator.end()

    def _realigned(self, item: str, at: int) -> int:
        """Where `item` stood in the last parse when elections were added or removed
        before it (so the next ones compare at their new places); else `at`."""
        if self._places is None:
            self._places = {text: place for place, text in enumerate(self.previous)}
        return self._places.get(item, at)

    def _key(self, pos: int) -> tuple[str, int]:
        """The object key at `pos` and where it ends."""
        if not self.text.startswith('"', pos):
            raise _NotPlain
        try:
            key, end = _scanstring(self.text, pos + 1)
        except ValueError:
            raise _NotPlain from None
        return str(key), int(end)

    def _value_end(self, pos: int) -> int:
        try:
            return int(_DECODER.raw_decode(self.text, pos)[1])
        except (ValueError, RecursionError):
            raise _NotPlain from None

    def _skip(self, pos: int) -> int:
        match = _WHITESPACE.match(self.text, pos)
        return match.end() if match is not None else pos
