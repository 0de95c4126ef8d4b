"""bench/web.py at a tiny size, so it cannot rot unnoticed: it runs its real path and
produces every figure (no timing target is asserted here: that is the bench's job)."""

from __future__ import annotations

from bench import web


async def test_the_web_bench_measures_sse_delay_and_feed_answers() -> None:
    figures = await web.measure(elections=20, changes=2, streams=3)
    names = [f.name for f in figures]
    assert names == [
        "Web: published change → SSE event at every client, p95",
        "Web: /feed.json of 20 elections, first answer after a change",
        "Web: /feed.json of 20 elections, cached, p95",
        "Web: /feed.json of 20 elections, 304 Not Modified, p95",
    ]
    assert all(f.value > 0 and f.key == "web" for f in figures)
    assert [f.target for f in figures] == [1.0, None, 50.0, 2.0]
