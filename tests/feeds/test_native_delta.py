"""The delta parse (bot/feeds/parsers/native_delta.py) equals the full parse: a feed's
documents, each a mutation of the one before, parse to the same tallies, the same problems
in the same order and the same errors through the feed's memo as without it."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.feeds.base import ParseContext, ParseError, ParseResult
from bot.feeds.parsers import native_delta
from bot.feeds.parsers.native import parse_full, parse_native

_feeds = itertools.count()


def election(index: int) -> dict[str, Any]:
    return {
        "id": f"e{index}",
        "name": f"Warehouse {index}",
        "choices": [
            {"name": "Workers United", "votes": 40 + index},
            {"name": "No union", "votes": 30, "against": True},
        ],
        "challenged": index % 3,
    }


def _set_votes(item: dict[str, Any], value: int) -> None:
    item["choices"][0]["votes"] = value


# Mutations of one election: each keeps or breaks it in a way the parsers tell apart.
EDITS: dict[str, Any] = {
    "votes": lambda item, n: _set_votes(item, n),
    "bool votes": lambda item, n: _set_votes(item, True),
    "float votes": lambda item, n: _set_votes(item, float(n)),
    "negative votes": lambda item, n: _set_votes(item, -n),
    "too many cast": lambda item, n: item.update(ballots_cast=1, eligible_voters=n),
    "typo": lambda item, n: item.update(staus="final"),
    "extension": lambda item, n: item.update({"x-note": {"deep": [n]}}),
    "choice extension": lambda item, n: item["choices"][0].update({"x-colour": f"#{n:06x}"}),
    "bad extension": lambda item, n: item.update({"x-note": float("nan")}),
    "bad id": lambda item, n: item.update(id="Not A Slug"),
    "same id": lambda item, n: item.update(id="e0"),
    "own time": lambda item, n: item.update(updated_at=f"2024-03-0{n % 9 + 1}T10:00:00Z"),
    "bad time": lambda item, n: item.update(updated_at="yesterday"),
    "round": lambda item, n: item.update(round="runoff"),
    "status": lambda item, n: item.update(status="final"),
    "unicode name": lambda item, n: item.update(name=f"Almacén {n} ✓"),
    "override": lambda item, n: item.update(name="Bad \u202e name"),
    "escaped": lambda item, n: item.update(note='say "hi"\\n'),
    "one choice": lambda item, n: item.update(choices=item["choices"][:1]),
}

# Mutations of the document itself.
DOCUMENT_EDITS: dict[str, Any] = {
    "time": lambda doc, n: doc.update(updated_at=f"2024-04-0{n % 3 + 1}T10:00:00Z"),
    "same time elsewhere": lambda doc, n: doc.update(updated_at="2024-04-01T11:00:00+01:00"),
    "same time in UTC": lambda doc, n: doc.update(updated_at="2024-04-01T10:00:00Z"),
    "bad time": lambda doc, n: doc.update(updated_at="soon"),
    "no time": lambda doc, n: doc.pop("updated_at", None),
    "source": lambda doc, n: doc.update(source=f"union {n % 2}"),
    "unknown key": lambda doc, n: doc.update(sorce="x"),
    "version": lambda doc, n: doc.update(feed_version=2),
    "fix version": lambda doc, n: doc.update(feed_version=1),
    "elections first": lambda doc, n: doc.update({"elections": doc.pop("elections")}),
}

# Mutations of the bytes as written.
RAW_EDITS: dict[str, Any] = {
    "as is": lambda raw: raw,
    "repeated key": lambda raw: raw.replace('"challenged": ', '"void": 1, "void": ', 1),
    "trailing comma": lambda raw: raw.replace("}]", "},]", 1),
    "garbage after": lambda raw: raw + " x",
    "nan": lambda raw: raw.replace('"challenged": 0', '"challenged": NaN', 1),
    "empty": lambda raw: "",
    "bom": lambda raw: "\ufeff" + raw,
    "list": lambda raw: "[" + raw + "]",
}

step = st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(sorted(EDITS)), st.integers(0, 30)),
    st.tuples(st.just("document"), st.sampled_from(sorted(DOCUMENT_EDITS)), st.integers(0, 9)),
    st.tuples(st.just("insert"), st.just(""), st.integers(0, 30)),
    st.tuples(st.just("delete"), st.just(""), st.integers(0, 30)),
    st.tuples(st.just("copy"), st.just(""), st.integers(0, 30)),
    st.tuples(st.just("swap"), st.just(""), st.integers(0, 30)),
)
written = st.tuples(st.sampled_from([None, 1, 0]), st.sampled_from(sorted(RAW_EDITS)))


def apply(doc: dict[str, Any], action: str, name: str, n: int) -> None:
    items: list[dict[str, Any]] = doc["elections"]
    at = n % len(items) if items else 0
    if action == "edit" and items:
        EDITS[name](items[at], n)
    elif action == "document":
        DOCUMENT_EDITS[name](doc, n)
    elif action == "insert":
        items.insert(at, election(100 + n))
    elif action == "delete" and items:
        del items[at]
    elif action == "copy" and items:
        items.insert(n % (len(items) + 1), json.loads(json.dumps(items[at])))
    elif action == "swap" and len(items) > 1:
        items[0], items[at] = items[at], items[0]


def outcome(body: bytes, ctx: ParseContext) -> ParseResult | str:
    try:
        return parse_full(body, ctx)
    except ParseError as exc:
        return f"{type(exc).__name__}: {exc}"


def delta_outcome(body: bytes, ctx: ParseContext) -> ParseResult | str:
    try:
        return parse_native(body, ctx)
    except ParseError as exc:
        return f"{type(exc).__name__}: {exc}"


@settings(max_examples=150, deadline=None)
@given(
    size=st.integers(0, 12),
    steps=st.lists(st.tuples(st.lists(step, max_size=4), written), min_size=1, max_size=8),
)
def test_the_delta_parse_equals_the_full_parse(
    size: int, steps: list[tuple[list[tuple[str, str, int]], tuple[int | None, str]]]
) -> None:
    ctx = ParseContext(f"delta-{next(_feeds)}")
    doc: dict[str, Any] = {"feed_version": 1, "elections": [election(i) for i in range(size)]}
    for actions, (indent, raw_edit) in [([], (None, "as is")), *steps]:
        for action, name, n in actions:
            apply(doc, action, name, n)
        body = RAW_EDITS[raw_edit](json.dumps(doc, indent=indent, ensure_ascii=False))
        data = body.encode()
        delta, full = delta_outcome(data, ctx), outcome(data, ctx)
        assert delta == full
        assert repr(delta) == repr(full)  # equal times in other offsets compare equal


@pytest.mark.parametrize("indent", [None, 2])
def test_a_big_feed_changed_in_a_few_places_uses_the_memo(indent: int | None) -> None:
    ctx = ParseContext(f"delta-{next(_feeds)}")
    doc: dict[str, Any] = {"feed_version": 1, "elections": [election(i) for i in range(300)]}
    parse_native(json.dumps(doc, indent=indent).encode(), ctx)
    for n in (7, 150, 299):
        _set_votes(doc["elections"][n], 1000 + n)
    doc["elections"].insert(3, election(999))
    del doc["elections"][200]
    body = json.dumps(doc, indent=indent).encode()
    delta = native_delta.parse_delta(body, ctx)
    assert delta is not None
    assert delta == parse_full(body, ctx)
    assert len(delta.tallies) == 300


def test_the_memo_keeps_only_the_last_document() -> None:
    ctx = ParseContext(f"delta-{next(_feeds)}")
    for first in (0, 50, 100):
        elections = [election(i) for i in range(first, first + 50)]
        parse_native(json.dumps({"feed_version": 1, "elections": elections}).encode(), ctx)
    memo = native_delta._memos.get(ctx.source_id)
    assert memo is not None
    assert len(memo.entries) == 50
    assert {entry.key[0] for entry in memo.entries.values()} == {f"e{i}" for i in range(100, 150)}


def test_the_same_time_in_another_offset_is_not_the_same_document_time() -> None:
    ctx = ParseContext(f"delta-{next(_feeds)}")
    doc: dict[str, Any] = {"feed_version": 1, "elections": [election(i) for i in range(3)]}
    for stamp in ("2024-04-01T10:00:00Z", "2024-04-01T11:00:00+01:00"):
        body = json.dumps({**doc, "updated_at": stamp}).encode()
        delta = native_delta.parse_delta(body, ctx)
        assert repr(delta) == repr(parse_full(body, ctx))


def test_elections_with_extensions_use_the_memo_too() -> None:
    """Another tallybot's /feed.json gives `x-source` on every election: a change to a few
    of them must not send the whole document through the full parse."""
    ctx = ParseContext(f"delta-{next(_feeds)}")
    doc: dict[str, Any] = {"feed_version": 1, "elections": [election(i) for i in range(50)]}
    for item in doc["elections"]:
        item.update({"x-source": "tallybot", "x-source-kind": "native"})
        item["choices"][1]["x-colour"] = "#999999"
    parse_native(json.dumps(doc).encode(), ctx)
    _set_votes(doc["elections"][7], 1007)
    body = json.dumps(doc).encode()
    delta = native_delta.parse_delta(body, ctx)
    assert delta is not None
    assert delta == parse_full(body, ctx)
    assert [p.tally.choices[0].votes for p in delta.tallies][7] == 1007
    memo = native_delta._memos.get(ctx.source_id)
    assert memo is not None and len(memo.entries) == 50
