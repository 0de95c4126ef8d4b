"""Golden files (DESIGN §10): each parser sample has its expected `check-feed --output jsonl`
beside it (`NAME.expected.jsonl`; for the shared samples, read in place, under
tests/fixtures/nlrb/). After a reviewed change of output, rewrite them with
`TALLYBOT_UPDATE_GOLDEN=1 pytest tests/feeds/test_golden.py` and review the diff."""

from __future__ import annotations

import difflib
import io
import os
from pathlib import Path

import pytest

from bot.cli.check_feed import check_feed
from bot.feeds.base import FeedFormat
from tests.conftest import FIXTURES
from tests.feeds.conftest import FEED_FIXTURES, FOIA_CSV

OURS: dict[str, FeedFormat] = {
    "native_counting.json": FeedFormat.NATIVE,
    "native_slips.json": FeedFormat.NATIVE,
    "nlrb_case_bessemer.html": FeedFormat.NLRB_CASE,
    "nlrb_case_certified_example.html": FeedFormat.NLRB_CASE,
    "nlrb_case_jfk8.html": FeedFormat.NLRB_CASE,
    "nlrb_case_no_tally.html": FeedFormat.NLRB_CASE,
    "nlrb_export_sample.csv": FeedFormat.NLRB_CSV,
    "nlrb_results_listing.html": FeedFormat.NLRB_RESULTS,
    "sheet_counting.csv": FeedFormat.SHEET_CSV,
    "sheet_no_union_column.csv": FeedFormat.SHEET_CSV,
    "sheet_slips.csv": FeedFormat.SHEET_CSV,
}
SHARED: dict[str, FeedFormat] = {FOIA_CSV: FeedFormat.NLRB_CSV}
SHARED_GOLDEN = FIXTURES / "nlrb"


def golden_of(sample: Path, folder: Path) -> Path:
    return folder / f"{sample.stem}.expected.jsonl"


def read_golden(golden: Path, output: str) -> list[str]:
    if os.environ.get("TALLYBOT_UPDATE_GOLDEN"):
        golden.write_text(output, encoding="utf-8")
    return golden.read_text(encoding="utf-8").splitlines(keepends=True)


async def compare(sample: Path, fmt: FeedFormat, golden: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = await check_feed(str(sample), fmt, output="jsonl", stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    expected = read_golden(golden, out.getvalue())
    got = out.getvalue().splitlines(keepends=True)
    diff = "".join(difflib.unified_diff(expected, got, str(golden), "check-feed"))
    assert got == expected, diff


@pytest.mark.parametrize(("name", "fmt"), OURS.items())
async def test_our_samples_give_their_golden_output(name: str, fmt: FeedFormat) -> None:
    sample = FEED_FIXTURES / name
    await compare(sample, fmt, golden_of(sample, FEED_FIXTURES))


@pytest.mark.parametrize(("name", "fmt"), SHARED.items())
async def test_the_shared_samples_give_their_golden_output(
    shared_dir: Path, name: str, fmt: FeedFormat
) -> None:
    sample = shared_dir / name
    await compare(sample, fmt, golden_of(sample, SHARED_GOLDEN))


def test_every_sample_has_a_golden_file_and_every_golden_file_a_sample() -> None:
    goldens = {path.name for path in FEED_FIXTURES.glob("*.expected.jsonl")}
    assert goldens == {golden_of(FEED_FIXTURES / name, FEED_FIXTURES).name for name in OURS}
    samples = {
        path.name
        for path in FEED_FIXTURES.iterdir()
        if path.suffix in (".json", ".csv", ".html") and not path.name.endswith(".jsonl")
    }
    failing = {"nlrb_firewall.html", "nlrb_maintenance.html", "nlrb_results_no_count.html"}
    assert samples - failing == set(OURS)  # the failing ones are tested as failures
