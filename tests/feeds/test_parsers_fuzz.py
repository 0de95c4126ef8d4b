"""Every parser, fed random bytes or mangled real documents, returns a ParseResult or raises
ParseError: never anything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.feeds.base import FeedFormat, ParseContext, ParseError, ParseResult
from bot.feeds.parsers import parse
from tests.feeds.conftest import FEED_FIXTURES, FOIA_CSV, RECENT_FILINGS, SCHEMA

CTX = ParseContext("fuzz")
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def samples(shared_dir: Path) -> list[bytes]:
    """Real documents of every format: each parser also gets the others' documents."""
    schema = json.loads((shared_dir / SCHEMA).read_text(encoding="utf-8"))
    native = json.dumps(schema["examples"][0]).encode()
    files = sorted(FEED_FIXTURES.glob("*.html")) + sorted(FEED_FIXTURES.glob("*.csv"))
    files += sorted(FEED_FIXTURES.glob("*.json"))
    return [
        native,
        (shared_dir / FOIA_CSV).read_bytes(),
        (shared_dir / RECENT_FILINGS).read_bytes(),
        *(path.read_bytes() for path in files),
    ]


@st.composite
def mangled(draw: st.DrawFn, documents: list[bytes]) -> bytes:
    body = bytearray(draw(st.sampled_from(documents)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not body:
            break
        start = draw(st.integers(min_value=0, max_value=len(body) - 1))
        end = draw(st.integers(min_value=start, max_value=min(len(body), start + 200)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "repeat"]))
        noise = draw(st.binary(max_size=40) | st.sampled_from(_TOKENS))
        if action == "delete":
            del body[start:end]
        elif action == "insert":
            body[start:start] = noise
        elif action == "replace":
            body[start:end] = noise
        elif action == "truncate":
            del body[start:]
        else:
            body[start:start] = body[start:end]
    return bytes(body)


# Fragments that push parsers down unusual paths.
_TOKENS = [
    b"null",
    b"-1",
    b"1e400",
    b"99999999999999999999",
    b'"all"',
    b"[]",
    b"{}",
    b'"',
    b",",
    b"\n",
    b"\x00",
    b"<b>",
    b"</div>",
    b"<b>Tally Type:</b> Run-off",
    b"<b>Ballot Type:</b> UD",
    b"<b>Votes Against</b>: ",
    b"Data is not available",
    b"Request Rejected",
    b"Displaying 1 - 20 of",
    b"Self Determination",
    b"Revised",
    b"02/30/2022",
    b"31 Smarch 2020",
    b"Y",
    b"\xff\xfe",
]


@pytest.mark.parametrize("fmt", list(FeedFormat))
@FUZZ
@given(body=st.binary(max_size=2_000))
def test_random_bytes_parse_or_fail_cleanly(fmt: FeedFormat, body: bytes) -> None:
    try:
        result = parse(fmt, body, CTX)
    except ParseError as exc:
        assert str(exc)
    else:
        assert isinstance(result, ParseResult)


@pytest.mark.parametrize("fmt", list(FeedFormat))
@FUZZ
@given(data=st.data())
def test_mangled_real_documents_parse_or_fail_cleanly(
    shared_dir: Path, fmt: FeedFormat, data: st.DataObject
) -> None:
    body = data.draw(mangled(samples(shared_dir)))
    try:
        result = parse(fmt, body, CTX)
    except ParseError as exc:
        assert str(exc)
    else:
        assert isinstance(result, ParseResult)
        for parsed in result.tallies:
            assert len(parsed.tally.choices) >= 1
            assert all(choice.votes >= 0 for choice in parsed.tally.choices)
