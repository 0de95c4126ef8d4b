"""Precedence and first sight, on values (DESIGN §4)."""

from __future__ import annotations

from bot.core.models import Choice, Event, SourceKind, Status, Tally
from bot.services.publish import (
    REPORT_SOURCE,
    RoundState,
    SourceRanking,
    pick_published,
    plan_publications,
)

RANKING = SourceRanking.from_feeds(
    [
        ("organizers", SourceKind.NATIVE),
        ("nlrb", SourceKind.OFFICIAL),
        ("backup", SourceKind.NATIVE),
    ]
)
KEY = ("jfk8", "initial")


def tally(
    union: int, against: int, source: str, status: Status = Status.COUNTING, **kw: object
) -> Tally:
    choices = (Choice("Amazon Labor Union", union), Choice("No union", against, True))
    return Tally("jfk8", choices=choices, status=status, source=source, **kw)  # type: ignore[arg-type]


def plan(
    latest: dict[str, Tally],
    before: RoundState | None = None,
    *,
    silent: bool = False,
    declared: frozenset[str] = frozenset(),
    with_rounds: frozenset[str] = frozenset(),
    keys: list[tuple[str, str]] | None = None,
):  # type: ignore[no-untyped-def]
    return plan_publications(
        keys or [KEY],
        {KEY: latest},
        {KEY: before} if before else {},
        ranking=RANKING,
        silent=silent,
        declared=declared,
        elections_with_rounds=with_rounds,
    )


def test_official_beats_native_in_any_config_order() -> None:
    assert RANKING.order == ("nlrb", "organizers", "backup")
    latest = {"organizers": tally(5, 3, "organizers"), "nlrb": tally(6, 3, "nlrb")}
    assert pick_published(latest, RANKING) == latest["nlrb"]


def test_native_feeds_rank_in_config_order_and_report_last() -> None:
    latest = {"backup": tally(1, 0, "backup"), REPORT_SOURCE: tally(9, 0, REPORT_SOURCE)}
    assert pick_published(latest, RANKING) == latest["backup"]
    latest["organizers"] = tally(2, 0, "organizers")
    assert pick_published(latest, RANKING) == latest["organizers"]
    assert RANKING.rank("removed-feed") < RANKING.rank(REPORT_SOURCE)


def test_first_sight_is_silent_but_stored() -> None:
    [only] = plan({"organizers": tally(5, 3, "organizers")}, silent=True)
    assert only.change is None
    assert only.tally.choices[0].votes == 5


def test_declared_elections_post_even_from_a_first_document() -> None:
    [only] = plan(
        {"organizers": tally(5, 3, "organizers")}, silent=True, declared=frozenset({"jfk8"})
    )
    assert only.change is not None and Event.COUNT_STARTED in only.change.events


def test_a_new_round_after_baseline_posts_and_opens_a_round() -> None:
    [only] = plan({"nlrb": tally(875, 993, "nlrb", Status.FINAL)}, with_rounds=frozenset({"jfk8"}))
    assert only.change is not None
    assert only.change.events[0] is Event.ROUND_OPENED
    assert Event.COUNT_FINAL in only.change.events


def test_a_lagging_lower_source_changes_nothing() -> None:
    official = tally(2654, 2131, "nlrb", Status.FINAL)
    before = RoundState(official, True)
    assert plan({"nlrb": official, "organizers": tally(2000, 1900, "organizers")}, before) == []


def test_official_taking_over_with_same_counts_posts_nothing() -> None:
    native = tally(2654, 2131, "organizers", Status.FINAL)
    official = tally(2654, 2131, "nlrb", Status.FINAL, source_kind=SourceKind.OFFICIAL)
    [only] = plan({"nlrb": official, "organizers": native}, RoundState(native, True))
    assert only.change is None and only.tally.source == "nlrb"


def test_count_started_is_not_repeated() -> None:
    before = RoundState(tally(0, 0, "organizers", Status.SCHEDULED), True)
    [only] = plan({"organizers": tally(3, 1, "organizers")}, before)
    assert only.change is not None and Event.COUNT_STARTED not in only.change.events


def test_one_post_per_election_per_poll() -> None:
    initial, revised = ("suffolk", "initial"), ("suffolk", "revised")
    first = Tally(
        "suffolk", "initial", (Choice("U", 71), Choice("No", 80, True)), status=Status.FINAL
    )
    second = Tally(
        "suffolk", "revised", (Choice("U", 96), Choice("No", 96, True)), status=Status.FINAL
    )
    plans = plan_publications(
        [initial, revised],
        {initial: {"nlrb": first}, revised: {"nlrb": second}},
        {},
        ranking=RANKING,
        silent=False,
        declared=frozenset(),
        elections_with_rounds=frozenset(),
    )
    assert [p.change is not None for p in plans] == [False, True]
    assert plans[1].change is not None and plans[1].change.events[0] is Event.ROUND_OPENED
