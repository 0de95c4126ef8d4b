"""docs/feed-format.md matches the parser: its example parses without a problem, and every
key its tables name is a key of feed v1 (and the reverse)."""

from __future__ import annotations

import re

from bot.feeds.base import ParseContext
from bot.feeds.parsers.native import parse_native
from bot.feeds.parsers.native_models import DOCUMENT_KEYS, ELECTION_KEYS
from tests.conftest import REPO_ROOT

DOC = (REPO_ROOT / "docs" / "feed-format.md").read_text(encoding="utf-8")


def test_the_example_parses_without_a_problem() -> None:
    example = DOC.split("```json", 1)[1].split("```", 1)[0]
    result = parse_native(example.encode(), ParseContext("docs"))
    assert result.problems == ()
    assert [p.tally.election_id for p in result.tallies] == ["jfk8"]


def test_the_tables_name_every_key_and_only_keys() -> None:
    document = DOC.split("## The document", 1)[1].split("## A tally", 1)[0]
    tally = DOC.split("## A tally", 1)[1].split("\n## ", 1)[0]

    def keys(section: str) -> set[str]:
        rows = re.findall(r"^\| (.+?) \|", section, flags=re.MULTILINE)
        return {key for row in rows for key in re.findall(r"`([a-z_]+)`", row)}

    assert keys(document) == set(DOCUMENT_KEYS)
    assert keys(tally) == set(ELECTION_KEYS)
