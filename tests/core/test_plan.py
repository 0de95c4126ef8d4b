"""The planner: precedence, first sight, one post per election, fan-out, coalescing, live."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import DeliveryMode, Event, Level, SourceKind, Status, SubscriptionMode, Tally
from bot.core.plan import (
    REPORT_SOURCE,
    OpenDelivery,
    Plan,
    PlanInput,
    RoundState,
    SourceRanking,
    Subscriber,
    plan,
)
from tests.core.factories import single

NOW = datetime(2022, 4, 1, 12, tzinfo=UTC)
KEY = ("e", "initial")
RANKING = SourceRanking(official=("nlrb",), unofficial=("watchers", "sheet"))
E = Event


def src(tally: Tally, source: str, kind: SourceKind = SourceKind.NATIVE) -> Tally:
    from dataclasses import replace

    return replace(tally, source=source, source_kind=kind)


def run(
    latest: Mapping[str, Tally],
    published: Tally | None = None,
    *,
    subscribers: Sequence[Subscriber] = (),
    open_deliveries: Sequence[OpenDelivery] = (),
    live: frozenset[tuple[str, str, str]] = frozenset(),
    silent: bool = False,
    declared: frozenset[str] = frozenset(),
    started: bool = False,
) -> Plan:
    return plan(
        PlanInput(
            keys=[KEY],
            latest={KEY: dict(latest)},
            before={KEY: RoundState(published, started)} if published else {},
            published_rounds={"e": [published] if published else []},
            ranking=RANKING,
            now=NOW,
            silent=silent,
            declared=declared,
            subscribers=subscribers,
            open_deliveries=open_deliveries,
            live_messages=live,
        )
    )


def winner(result: Plan) -> Tally:
    [update] = result.published
    return update.tally


def test_an_official_tally_wins_over_any_unofficial_count() -> None:
    official = src(single(10, 20, status=Status.FINAL), "nlrb", SourceKind.OFFICIAL)
    native = src(single(500, 100), "watchers")
    assert winner(run({"nlrb": official, "watchers": native})) == official


def test_among_unofficial_sources_the_most_ballots_counted_wins() -> None:
    feed = src(single(1518, 1154), "watchers")
    report = src(single(1600, 1200), REPORT_SOURCE, SourceKind.REPORT)
    assert winner(run({"watchers": feed, REPORT_SOURCE: report})) == report


def test_on_equal_counts_config_order_then_report_last() -> None:
    first = src(single(100, 90), "watchers")
    second = src(single(90, 100), "sheet")
    report = src(single(95, 95), REPORT_SOURCE, SourceKind.REPORT)
    assert winner(run({REPORT_SOURCE: report, "sheet": second, "watchers": first})) == first
    assert winner(run({REPORT_SOURCE: report, "sheet": second})) == second
    unknown = src(single(100, 90), "gone-from-config")
    assert winner(run({REPORT_SOURCE: report, "gone-from-config": unknown})) == unknown


def test_a_lagging_source_never_publishes_or_corrects() -> None:
    ahead = src(single(1600, 1200), REPORT_SOURCE, SourceKind.REPORT)
    lagging = src(single(1518, 1154), "watchers")
    result = run({"watchers": lagging, REPORT_SOURCE: ahead}, published=ahead)
    assert result.published == () and result.posts == ()


def test_a_source_that_lowers_its_own_tally_corrects_it() -> None:
    before = src(single(1600, 1200), REPORT_SOURCE, SourceKind.REPORT)
    lowered = src(single(1590, 1200), REPORT_SOURCE, SourceKind.REPORT)
    other = src(single(1500, 1100), "watchers")
    result = run({REPORT_SOURCE: lowered, "watchers": other}, published=before)
    assert winner(result) == lowered
    assert E.CORRECTION in result.posts[0].events


def test_first_sight_is_silent_except_for_declared_elections() -> None:
    tally = src(single(100, 90), "watchers")
    quiet = run({"watchers": tally}, silent=True)
    assert winner(quiet) == tally and quiet.posts == ()
    assert any("first sight" in note for note in quiet.notes)
    loud = run({"watchers": tally}, silent=True, declared=frozenset({"e"}))
    assert [p.events for p in loud.posts] == [(E.COUNT_STARTED, E.COUNT_UPDATED)]


def test_a_post_carries_its_previous_tally_and_none_for_a_new_round() -> None:
    first = run({"watchers": src(single(100, 90), "watchers")})
    assert first.posts[0].previous is None
    before = src(single(100, 90), "watchers")
    after = src(single(150, 120), "watchers")
    second = run({"watchers": after}, published=before, started=True)
    assert second.posts[0].previous == before and second.posts[0].tally == after


def test_one_post_per_election_per_poll_the_last_round_speaks() -> None:
    initial = src(single(71, 80, 56, status=Status.FINAL), "nlrb", SourceKind.OFFICIAL)
    revised = src(
        Tally("e", "revised", initial.choices, status=Status.FINAL), "nlrb", SourceKind.OFFICIAL
    )
    result = plan(
        PlanInput(
            keys=[("e", "initial"), ("e", "revised")],
            latest={("e", "initial"): {"nlrb": initial}, ("e", "revised"): {"nlrb": revised}},
            before={},
            published_rounds={},
            ranking=RANKING,
            now=NOW,
        )
    )
    assert len(result.published) == 2
    [post] = result.posts
    assert post.round == "revised" and E.ROUND_OPENED in post.events
    assert [t.round for t in post.other_rounds] == ["initial"]


def sub(target: str, election: str = "e", **kwargs: object) -> Subscriber:
    return Subscriber(target, election, **kwargs)  # type: ignore[arg-type]


def test_fan_out_follows_levels_and_one_delivery_per_target() -> None:
    before = src(single(100, 90), "watchers")
    update = src(single(150, 120), "watchers")  # only count_updated
    subscribers = [
        sub("channel:1"),
        sub("channel:1", "all", level=Level.FINAL),  # the specific one speaks first
        sub("channel:2", level=Level.MAJOR),
        sub("dm:3", "all"),
        sub("console", "all"),
    ]
    result = run({"watchers": update}, before, subscribers=subscribers, started=True)
    targets = [(d.target, d.mode) for d in result.deliveries]
    assert targets == [
        ("channel:1", DeliveryMode.POST),
        ("dm:3", DeliveryMode.POST),
        ("console", DeliveryMode.POST),
    ]
    assert [d.seq for d in result.deliveries] == [0, 1, 2]
    assert any("level major skips" in note for note in result.notes)


def open_post(events: tuple[Event, ...], queued: bool = True, id_: int = 7) -> OpenDelivery:
    return OpenDelivery(id_, "channel:1", "e", "initial", DeliveryMode.POST, events, queued)


def test_a_count_update_coalesces_into_a_queued_count_update() -> None:
    before = src(single(100, 90), "watchers")
    after = src(single(150, 120), "watchers")
    queued = open_post((E.COUNT_UPDATED,))
    result = run(
        {"watchers": after}, before, subscribers=[sub("channel:1")], open_deliveries=[queued]
    )
    assert result.deliveries == ()
    [merge] = result.merges
    assert (merge.delivery_id, merge.new_nonce, merge.events) == (7, True, (E.COUNT_UPDATED,))


def test_nothing_merges_into_a_delivery_in_flight_or_with_other_events() -> None:
    before = src(single(100, 90), "watchers")
    after = src(single(150, 120), "watchers")
    for blocker in (open_post((E.COUNT_UPDATED,), queued=False), open_post((E.LEAD_CHANGED,))):
        result = run(
            {"watchers": after}, before, subscribers=[sub("channel:1")], open_deliveries=[blocker]
        )
        assert result.merges == () and len(result.deliveries) == 1


def live_sub(**kwargs: object) -> Subscriber:
    return sub("channel:1", mode=SubscriptionMode.LIVE, mention_role_id=55, **kwargs)


def test_live_mode_creates_then_edits_silently() -> None:
    before = src(single(100, 90), "watchers")
    after = src(single(150, 120), "watchers")
    created = run({"watchers": after}, before, subscribers=[live_sub()])
    [create] = created.deliveries
    assert (create.mode, create.mention_role_id) == (DeliveryMode.LIVE_CREATE, None)
    edited = run(
        {"watchers": after},
        before,
        subscribers=[live_sub()],
        live=frozenset({("channel:1", "e", "initial")}),
    )
    [edit] = edited.deliveries
    assert (edit.mode, edit.mention_role_id) == (DeliveryMode.LIVE_EDIT, None)


def test_live_mode_also_posts_what_passes_final_and_that_post_pings() -> None:
    before = src(single(2600, 2100, 67, 17), "watchers")
    final = src(single(2654, 2131, 67, 17, status=Status.FINAL), "watchers")
    result = run(
        {"watchers": final},
        before,
        subscribers=[live_sub()],
        live=frozenset({("channel:1", "e", "initial")}),
    )
    modes = [(d.mode, d.mention_role_id) for d in result.deliveries]
    assert modes == [(DeliveryMode.LIVE_EDIT, None), (DeliveryMode.POST, 55)]


def test_a_queued_edit_is_replaced_and_a_queued_creation_keeps_its_nonce() -> None:
    before = src(single(100, 90), "watchers")
    after = src(single(150, 120), "watchers")
    live = frozenset({("channel:1", "e", "initial")})
    edit = OpenDelivery(
        8, "channel:1", "e", "initial", DeliveryMode.LIVE_EDIT, (E.COUNT_UPDATED,), True
    )
    result = run(
        {"watchers": after}, before, subscribers=[live_sub()], open_deliveries=[edit], live=live
    )
    assert result.deliveries == () and result.merges[0].delivery_id == 8
    create = OpenDelivery(
        9, "channel:1", "e", "initial", DeliveryMode.LIVE_CREATE, (E.COUNT_STARTED,), True
    )
    result = run({"watchers": after}, before, subscribers=[live_sub()], open_deliveries=[create])
    [merge] = result.merges
    assert (merge.delivery_id, merge.new_nonce) == (9, False)


def test_dms_are_always_posts_even_in_live_mode() -> None:
    before = src(single(100, 90), "watchers")
    after = src(single(150, 120), "watchers")
    result = run({"watchers": after}, before, subscribers=[sub("dm:4", mode=SubscriptionMode.LIVE)])
    assert [d.mode for d in result.deliveries] == [DeliveryMode.POST]


counts = st.integers(0, 3000)


@given(counts, counts, counts, counts)
def test_an_unchanged_latest_never_changes_the_published_state(
    a: int, b: int, c: int, d: int
) -> None:
    published = src(single(a, b), "watchers")
    other = src(single(c, d), "sheet")
    chosen = RANKING.pick({"watchers": published, "sheet": other})
    assert chosen is not None
    result = run(
        {"watchers": published, "sheet": other}, published=chosen, subscribers=[sub("dm:1")]
    )
    assert result.published == () and result.posts == () and result.deliveries == ()
