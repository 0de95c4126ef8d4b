"""The Prometheus metrics of DESIGN §12, on a registry the composition root makes and passes
in (never prometheus_client's global one: two bots in one test process stay apart)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# The label values the pipeline uses; other values work, these are created at 0 up front so
# that a rate() or an absent() alert has a series from the first scrape.
POLL_RESULTS = ("stored", "unchanged", "skipped", "failed", "rejected")  # the poller's outcomes
DELIVERY_KINDS = ("channel", "webhook", "dm", "console")  # the target's kind
DELIVERY_RESULTS = ("sent", "retried", "failed")  # failed: for good (403/404: disabled)
# Planned → sent: from well under a second (woken at once) to minutes (a big fan-out paced
# at 45/s, retries after a 5xx).
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)


class Metrics:
    """Every tallybot metric, registered on `registry`.

    The pipeline updates them through the methods below (or the metric objects directly);
    `/metrics` serves `registry` (bot/web/health.py).
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.polls = Counter(
            "tallybot_polls",
            "Feed polls, by feed and result (stored, unchanged, skipped, failed, rejected).",
            ["feed", "result"],
            registry=registry,
        )
        self.feed_problems = Counter(
            "tallybot_feed_problems",
            "Problems found in fetched feed documents (skipped elections, bad values).",
            ["feed"],
            registry=registry,
        )
        self.posts_planned = Counter(
            "tallybot_posts_planned", "Posts the planner stored.", registry=registry
        )
        self.deliveries = Counter(
            "tallybot_deliveries",
            "Delivery attempts, by target kind and result (sent, retried, failed).",
            ["kind", "result"],
            registry=registry,
        )
        self.delivery_latency = Histogram(
            "tallybot_delivery_latency_seconds",
            "Seconds from a post being planned to its delivery being sent.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.deliveries_queued = Gauge(
            "tallybot_deliveries_queued", "Deliveries waiting to be sent.", registry=registry
        )
        self.discord_429 = Counter(
            "tallybot_discord_429", "429 answers from Discord (any bucket).", registry=registry
        )
        self.live_edits = Counter(
            "tallybot_live_edits", "Live messages edited in place.", registry=registry
        )
        self.leader = Gauge(
            "tallybot_leader",
            "1 while this process leads (polls the feeds), else 0.",
            registry=registry,
        )
        self.processes_alive = Gauge(
            "tallybot_processes_alive",
            "Processes with a recent heartbeat, this one included (they share the rate budget).",
            registry=registry,
        )
        for kind in DELIVERY_KINDS:
            for result in DELIVERY_RESULTS:
                self.deliveries.labels(kind=kind, result=result)
        self.processes_alive.set(1)

    def known_feeds(self, feed_ids: Iterable[str]) -> None:
        """Create every feed's series at 0 (call at start with the config's feeds)."""
        for feed in feed_ids:
            self.feed_problems.labels(feed=feed)
            for result in POLL_RESULTS:
                self.polls.labels(feed=feed, result=result)

    def poll(self, feed: str, result: str, problems: int = 0) -> None:
        """One poll of `feed` ended with `result`, finding `problems` new problems."""
        self.polls.labels(feed=feed, result=result).inc()
        if problems:
            self.feed_problems.labels(feed=feed).inc(problems)

    def delivery(self, kind: str, result: str, latency_s: float | None = None) -> None:
        """One delivery attempt; `latency_s` (planned → sent) when it was sent."""
        self.deliveries.labels(kind=kind, result=result).inc()
        if latency_s is not None:
            self.delivery_latency.observe(max(0.0, latency_s))

    def set_leader(self, leading: bool) -> None:
        self.leader.set(1 if leading else 0)
