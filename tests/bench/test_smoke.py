"""The benchmarks at tiny sizes, so they cannot rot unnoticed: each runs its real path and
produces a number. No timing target is asserted here (that is `make bench`'s job)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench import bigfeed, fanout, latency, live, memory, pollcost, report, storage, web
from bench.common import Figure, GrowthPoint, percentile
from bench.documents import csv_feed, native_feed, sheet_feed
from bench.suite import growth_points
from bot.feeds.base import FeedFormat, ParseContext
from bot.feeds.parsers import parse


def test_generated_feeds_parse_cleanly_with_every_election() -> None:
    documents = [(FeedFormat.NATIVE, native_feed(30, 3)), (FeedFormat.NLRB_CSV, csv_feed(30, 3))]
    sheet = bigfeed.known_format(bigfeed.SHEET_CSV)
    if sheet is not None:
        documents.append((sheet, sheet_feed(30, 3)))
    for fmt, body in documents:
        result = parse(fmt, body, ParseContext(source_id="smoke"))
        assert len(result.tallies) == 30 and result.problems == ()


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.5
    assert percentile([5.0], 95) == 5.0
    assert math.isnan(percentile([], 50))


async def test_latency_bench_times_changes_through_the_runtime() -> None:
    [figure] = await latency.measure(changes=2)
    assert 0 < figure.extra["p50_s"] <= figure.value <= figure.extra["max_s"]
    assert figure.target == 1.5


async def test_poll_cost_bench_measures_304_and_same_hash_polls() -> None:
    figures = await pollcost.measure(elections=20, polls=5)
    assert [f.name for f in figures] == [
        "Unchanged poll CPU, 304 Not Modified",
        "Unchanged poll CPU, 200, same hash",
    ]
    assert all(f.value > 0 and f.extra["wall_ms"] > 0 for f in figures)


async def test_big_feed_bench_splits_each_format_into_parse_and_store() -> None:
    figures = await bigfeed.measure(elections=20, repeats=1)
    assert [f.name for f in figures] == [
        "Big feed ingest, native",
        "Big feed ingest, nlrb-csv",
        "Big feed ingest, sheet-csv",
    ]
    for figure in figures:
        if bigfeed.known_format(figure.name.rsplit(" ", 1)[-1]) is None:
            assert math.isnan(figure.value) and "not measured" in figure.detail
            continue
        assert 0 < figure.extra["parse_ms"] < figure.value
        assert 0 < figure.extra["store_ms"] < figure.value
        assert "10 posts queued" in figure.detail


@pytest.mark.e2e
async def test_fan_out_bench_delivers_through_the_double_and_times_status(
    shared_dir: Path,
) -> None:
    figures = await fanout.measure(channels=3)
    ratio, rejected, renders, status = figures
    assert ratio.value > 0 and ratio.extra["total_s"] > 0
    assert rejected.value >= 0
    assert renders.extra == {"renders": 1, "posts": 1}  # one post, three channels
    assert status.extra["p50_ms"] > 0
    points = growth_points("fanout", 1.0, figures)
    assert {p.figure for p in points} == {
        "Fan-out, poll → last message",
        "/status p99 during the fan-out",
    }


@pytest.mark.e2e
async def test_pacing_what_if_runs_the_fan_out_at_the_rate_given(shared_dir: Path) -> None:
    figures = await fanout.measure(channels=2, status=False, requests_per_second=47)
    assert figures[0].key == "pacing"
    assert all(", paced at 47/s" in figure.name for figure in figures)
    assert "paced at 47 requests/s" in figures[0].detail


@pytest.mark.e2e
async def test_memory_bench_measures_a_fresh_bot_process(shared_dir: Path) -> None:
    [figure] = await memory.measure(elections=20, subscriptions=4)
    assert figure.value >= figure.extra["after_imports_mb"] > 0
    assert figure.extra["delivered"] == 4
    assert figure.extra["renders"] == 4  # 10 posts changed, 4 channels follow one each


@pytest.mark.e2e
async def test_live_bench_follows_a_count_in_live_messages(shared_dir: Path) -> None:
    duration, created, stale, rejected = await live.measure(channels=3, batches=3)
    assert created.value == 3 and created.met  # one live message per channel, then edits
    assert stale.value == 0 and stale.met  # each shows the last batch at the end
    assert rejected.target == 0
    assert duration.value > 0 and duration.target is not None
    assert duration.extra["after_last"] >= 3  # every message was edited after the last batch


async def test_storage_bench_prunes_everything_it_sent() -> None:
    figures = await storage.measure(posts=30, warmup=10)  # PostgreSQL too, when configured
    assert figures[0].name.startswith("Storage, SQLite")
    for figure in figures:
        assert figure.extra["rows_left"] == 0
        assert figure.extra["before_bytes"] > 0 and figure.extra["after_bytes"] > 0


async def test_web_bench_measures_sse_delay_and_feed_answers() -> None:
    figures = await web.measure(elections=20, changes=2, streams=3)
    assert [f.name for f in figures] == [
        "Web: published change → SSE event at every client, p95",
        "Web: /feed.json of 20 elections, first answer after a change",
        "Web: /feed.json of 20 elections, cached, p95",
        "Web: /feed.json of 20 elections, 304 Not Modified, p95",
    ]
    assert all(f.value > 0 and f.key == "web" for f in figures)
    assert [f.target for f in figures] == [1.0, None, 50.0, 2.0]


def test_report_has_a_row_and_a_command_per_figure() -> None:
    figures = [
        Figure("latency", "Detection latency p95", 1.2, "s", 1.5),
        Figure("bigfeed", "Big feed ingest, native", 150.0, "ms", 100.0, detail="parse 60 ms"),
        Figure("fanout", "429s received", 0, ""),
    ]
    growth = [
        GrowthPoint("Big feed ingest, native", scale, f"{n} el.", ms, "ms")
        for scale, n, ms in ((1.0, 5000, 150.0), (4.0, 20000, 600.0))
    ]
    text = report.render(figures, growth, 61.0, "1× is 5,000 elections")
    assert (
        "| 1 | Detection latency p95 | 1.20 s | ≤ 1.5 s | 0.80 ✅ | `python -m bench latency` |"
        in text
    )
    assert "1.50 ❌ miss" in text and "`python -m bench bigfeed`" in text
    assert "| 1.00 |" in text  # linear growth from 1× to 4×


def test_report_says_what_was_not_measured_and_judges_exact_targets() -> None:
    figures = [
        Figure("bigfeed", "Big feed ingest, sheet-csv", math.nan, "ms", 100.0),
        Figure("live", "Live mode: messages created", 100, "", 100, exact=True),
        Figure("live", "Live mode: 429s received", 2, "", 0, exact=True),
    ]
    text = report.render(figures, [], 1.0, "")
    assert "| — | ≤ 100 ms | — (not measured) |" in text
    assert "| 100 | = 100 | ✅ |" in text
    assert "| 2 | = 0 | ❌ miss |" in text
