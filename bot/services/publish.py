"""Decide what one poll publishes and posts: source precedence and first sight (DESIGN §4),
on values only, so the rules are testable without a database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.diff import diff, has_started
from bot.core.models import Change, SourceKind, Tally

REPORT_SOURCE = "report"

Key = tuple[str, str]  # (election id, round)


@dataclass(frozen=True, slots=True)
class SourceRanking:
    """Precedence of sources: official feeds, then native feeds in config order, then /report.

    Lower rank wins. Unknown sources (a feed removed from config) rank after every known one
    but before /report, so their old tallies never beat a live feed.
    """

    order: tuple[str, ...]

    @staticmethod
    def from_feeds(feeds: Iterable[tuple[str, SourceKind]]) -> SourceRanking:
        listed = list(feeds)
        official = [fid for fid, kind in listed if kind is SourceKind.OFFICIAL]
        native = [fid for fid, kind in listed if kind is not SourceKind.OFFICIAL]
        return SourceRanking(tuple(official + native))

    def rank(self, source: str) -> int:
        if source == REPORT_SOURCE:
            return len(self.order) + 1
        try:
            return self.order.index(source)
        except ValueError:
            return len(self.order)


def pick_published(candidates: Mapping[str, Tally], ranking: SourceRanking) -> Tally | None:
    """The tally of the highest-precedence source that has this (election, round)."""
    if not candidates:
        return None
    best = min(candidates, key=ranking.rank)
    return candidates[best]


@dataclass(frozen=True, slots=True)
class RoundState:
    """What the store knows of an (election, round) before this poll."""

    published: Tally | None
    count_started_posted: bool


@dataclass(frozen=True, slots=True)
class Publication:
    """The new published tally of a round, and the change to post (None: stay silent)."""

    tally: Tally
    change: Change | None
    count_started_posted: bool


def plan_publications(
    keys: Sequence[Key],
    latest_by_source: Mapping[Key, Mapping[str, Tally]],
    before: Mapping[Key, RoundState],
    *,
    ranking: SourceRanking,
    silent: bool,
    declared: frozenset[str],
    elections_with_rounds: frozenset[str],
) -> list[Publication]:
    """For each touched round: the new published tally and what to post.

    `silent` is the feed's first-sight baseline: store, post nothing, except for elections
    declared in config, which are known from the start. `elections_with_rounds` lists the
    elections that already had a published round before this poll (for `round_opened`).
    """
    plans: list[Publication] = []
    opened: set[str] = set()
    for key in keys:
        election_id, _round = key
        winner = pick_published(latest_by_source.get(key, {}), ranking)
        if winner is None:
            continue
        state = before.get(key, RoundState(None, False))
        if state.published is not None and state.published == winner:
            continue
        is_new_round = state.published is None
        opens = is_new_round and (election_id in elections_with_rounds or election_id in opened)
        change = diff(
            state.published,
            winner,
            opens_round=opens,
            already_started=state.count_started_posted
            or (state.published is not None and has_started(state.published)),
        )
        if is_new_round:
            opened.add(election_id)
        quiet = silent and election_id not in declared
        started = state.count_started_posted or has_started(winner)
        plans.append(Publication(winner, None if quiet else change, started))
    return _one_post_per_election(plans)


def _one_post_per_election(plans: list[Publication]) -> list[Publication]:
    """One poll of one election yields at most one post: when several of its rounds changed
    at once (a case page showing an initial and a revised tally), the last round in the
    document's order speaks; the others are stored silently."""
    last: dict[str, int] = {}
    for index, plan in enumerate(plans):
        if plan.change is not None:
            last[plan.tally.election_id] = index
    return [
        plan
        if plan.change is None or last[plan.tally.election_id] == index
        else Publication(plan.tally, None, plan.count_started_posted)
        for index, plan in enumerate(plans)
    ]
