"""/feed.json and /e/{id}.json: the published tallies as a feed v1 document that the
shared schema accepts and tallybot's own `native` parser reads back as they were; entity
tags, Last-Modified and 304s; built once per published state."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import jsonschema
import pytest

from bot.core.models import Choice, Election, SourceKind, Status, Tally
from bot.feeds.base import ParseContext
from bot.feeds.parsers.native import parse_native
from bot.store import Store
from bot.web.feed_doc import round_entry
from tests.web.support import BESSEMER, JFK8, T0, bessemer, jfk8, publish, publish_and_see, serve

HOSTILE = Election(id="hostile", name="<script>alert(1)</script>\u202e evil\x07")


def _hostile() -> Tally:
    return Tally(
        election_id="hostile",
        choices=(Choice("Union \u2066A\u2069", 3), Choice("No union", 1, against=True)),
        status=Status.COUNTING,
        determinative_flag=True,  # an unofficial finding: not republished
        source="organizers",
        source_kind=SourceKind.NATIVE,
    )


async def _seed(store: Store) -> list[Tally]:
    tallies = [
        bessemer("initial", 738, 1798, 505, 5867),
        bessemer("rerun", 875, 993, 416, 6153),
        jfk8(1518, 1154, status=Status.PAUSED, ballots_cast=4869, note="Count resumes Friday"),
        _hostile(),
    ]
    await publish(store, None, tallies[:2], elections=[BESSEMER], now=T0 - timedelta(days=9))
    await publish(store, None, tallies[2:3], elections=[JFK8], now=T0)
    await publish(store, None, tallies[3:], elections=[HOSTILE], now=T0 - timedelta(days=1))
    return tallies


def _validator(shared_dir: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads((shared_dir / "spec" / "feed-v1.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


async def test_feed_json_is_valid_feed_v1_and_reads_back_as_published(
    sqlite_store: Store, shared_dir: Path
) -> None:
    published = await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        response = await web.client.get("/feed.json")
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        body = await response.read()
    document = json.loads(body)
    errors = [e.message for e in _validator(shared_dir).iter_errors(document)]
    assert errors == []

    result = parse_native(body, ParseContext(source_id="mirror"))
    assert result.problems == ()
    read = {(p.tally.election_id, p.tally.round): p for p in result.tallies}
    assert sorted(read) == sorted((t.election_id, t.round) for t in published)
    for original in published:
        again = read[(original.election_id, original.round)]
        tally = again.tally
        if original.election_id != "hostile":
            assert tally.choices == original.choices
        assert (tally.status, tally.challenged, tally.void) == (
            original.status,
            original.challenged,
            original.void,
        )
        assert (tally.ballots_cast, tally.eligible_voters, tally.note) == (
            original.ballots_cast,
            original.eligible_voters,
            original.note,
        )
        official = original.source_kind is SourceKind.OFFICIAL
        assert tally.determinative_flag == (original.determinative_flag if official else None)
    jfk8_election = read[("jfk8", "initial")].election
    assert (jfk8_election.name, jfk8_election.case_number, jfk8_election.aliases) == (
        JFK8.name,
        JFK8.case_number,
        JFK8.aliases,
    )
    assert read[("bessemer", "rerun")].tally.determinative_flag is True
    assert read[("bessemer", "initial")].tally.determinative_flag is False
    # Feed text keeps its characters, minus controls and bidirectional overrides.
    hostile = read[("hostile", "initial")]
    assert hostile.election.name == "<script>alert(1)</script> evil"
    assert [c.name for c in hostile.tally.choices] == ["Union A", "No union"]


async def test_one_elections_json_is_a_feed_v1_document_of_its_rounds(
    sqlite_store: Store, shared_dir: Path
) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        response = await web.client.get("/e/bessemer.json")
        document = await response.json()
        missing = await web.client.get("/e/nowhere.json")
        alias = await web.client.get("/e/staten-island.json", allow_redirects=False)
    assert list(_validator(shared_dir).iter_errors(document)) == []
    assert [(e["id"], e["round"], e["eligible_voters"]) for e in document["elections"]] == [
        ("bessemer", "initial", 5867),
        ("bessemer", "rerun", 6153),
    ]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert missing.status == 404
    assert alias.status == 301 and alias.headers["Location"] == "/e/jfk8.json"


async def test_etag_and_last_modified_answer_304_until_the_published_state_changes(
    sqlite_store: Store,
) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        first = await web.client.get("/feed.json")
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert modified == format_datetime(T0, usegmt=True)  # the latest publication
        same = await web.client.get("/feed.json", headers={"If-None-Match": etag})
        assert same.status == 304 and same.headers["ETag"] == etag
        assert await same.read() == b""
        since = await web.client.get("/feed.json", headers={"If-Modified-Since": modified})
        assert since.status == 304
        older = format_datetime(T0 - timedelta(seconds=1), usegmt=True)
        stale = await web.client.get("/feed.json", headers={"If-Modified-Since": older})
        assert stale.status == 200
        # If-None-Match wins over If-Modified-Since (RFC 9110).
        both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
        assert (await web.client.get("/feed.json", headers=both)).status == 200

        final = jfk8(2654, 2131, challenged=67, void=17)
        await publish_and_see(web, [final], now=T0 + timedelta(hours=1))
        fresh = await web.client.get("/feed.json", headers={"If-None-Match": etag})
        assert fresh.status == 200 and fresh.headers["ETag"] != etag
        assert fresh.headers["Last-Modified"] == format_datetime(
            T0 + timedelta(hours=1), usegmt=True
        )
        jfk8_now = next(e for e in (await fresh.json())["elections"] if e["id"] == "jfk8")
        assert [c["votes"] for c in jfk8_now["choices"]] == [2654, 2131]


async def test_gzip_is_offered_and_revalidates_with_the_same_state(sqlite_store: Store) -> None:
    tallies = [replace(jfk8(i, i // 2), election_id=f"e{i}") for i in range(60)]
    await publish(sqlite_store, None, tallies, now=T0)
    async with serve(sqlite_store) as web:
        plain = await web.client.get("/feed.json", headers={"Accept-Encoding": "identity"})
        zipped = await web.client.get("/feed.json", headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in plain.headers
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert await zipped.read() == await plain.read()  # the client inflates it
        assert zipped.headers["Vary"] == "Accept-Encoding"
        for tag in (plain.headers["ETag"], zipped.headers["ETag"]):
            again = await web.client.get(
                "/feed.json", headers={"If-None-Match": tag, "Accept-Encoding": "gzip"}
            )
            assert again.status == 304


@pytest.mark.parametrize(
    ("election", "tally", "kept"),
    [
        (Election(id="ok"), jfk8(1, 0), True),
        (Election(id="Not A Slug"), jfk8(1, 0), False),
        (Election(id="ok"), replace(jfk8(1, 0), round="second"), False),
        (Election(id="ok"), replace(jfk8(1, 0), choices=(Choice("Alone", 3),)), False),
        (
            Election(id="ok"),
            replace(jfk8(1, 0), choices=(Choice("\x00", 3), Choice("B", 1))),
            False,
        ),
    ],
)
def test_a_round_the_schema_cannot_hold_is_left_out(
    election: Election, tally: Tally, kept: bool
) -> None:
    assert (round_entry(election, tally) is not None) is kept


def test_fields_that_break_their_pattern_are_left_out_and_long_text_is_cut() -> None:
    election = Election(
        id="x", name="n" * 300, case_number="29-rc-288020", unit="AB", url="ftp://x"
    )
    entry = round_entry(election, replace(jfk8(1, 0), note="x" * 900))
    assert entry is not None
    assert entry["case_number"] == "29-RC-288020"  # upper-cased to its pattern
    assert "unit" not in entry and "url" not in entry
    assert len(entry["name"]) == 200 and len(entry["note"]) == 500
