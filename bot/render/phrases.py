"""The words of a post: its headline by event precedence, the outcome (only when decided),
the state of the count, what it takes, the source, and one-line round summaries."""

from __future__ import annotations

from bot.core.models import EVENT_PRECEDENCE, Event, SourceKind, Status, Tally
from bot.core.rules import OutcomeKind, Summary, is_single_union
from bot.render.body import truncate
from bot.render.format import (
    NAME_MAX,
    SOURCE_MAX,
    number,
    percent,
    round_label,
    sanitize,
    score,
    status_label,
)

# After these, a tally no longer stands as a result: never call it a win or a loss.
_SET_ASIDE = frozenset({Status.RERUN_ORDERED, Status.WITHDRAWN, Status.DISMISSED})

_STATUS_HEADLINES: dict[Status, str] = {
    Status.SCHEDULED: "election scheduled",
    Status.VOTING: "voting open",
    Status.COUNTING: "counting",
    Status.PAUSED: "count paused",
    Status.FINAL: "count complete",
    Status.CERTIFIED: "certified",
    Status.OBJECTIONS: "objections filed",
    Status.RERUN_ORDERED: "rerun ordered",
    Status.WITHDRAWN: "petition withdrawn",
    Status.DISMISSED: "petition dismissed",
}

DEPENDS_ON_CHALLENGED = "result depends on challenged ballots"


def votes_of(tally: Tally) -> tuple[int, ...]:
    return tuple(c.votes for c in tally.choices)


def may_call_result(tally: Tally, summary: Summary) -> bool:
    """Whether the outcome may be written as a result ("wins", "loses"): only a decided
    outcome of a tally that still stands."""
    return summary.decided and tally.status not in _SET_ASIDE


def outcome_phrase(tally: Tally, summary: Summary) -> str:
    """The decided outcome in a few words ("union wins", "union loses", "run-off between
    A and B"). Callers check `may_call_result` first."""
    outcome = summary.outcome
    single = is_single_union(tally.choices)
    if outcome.kind is OutcomeKind.UNION_WINS:
        return "union wins" if single else f"{sanitize(outcome.winner or 'a union', NAME_MAX)} wins"
    if outcome.kind is OutcomeKind.NO_REPRESENTATIVE:
        return "union loses" if single else "no union chosen"
    if outcome.kind is OutcomeKind.RUNOFF and outcome.runoff:
        first, second = (sanitize(name, NAME_MAX) for name in outcome.runoff)
        return f"run-off between {first} and {second}"
    return "tie — the NLRB decides"


def result_or_pending(tally: Tally, summary: Summary) -> str:
    """For a complete count: the result when decided, else that it depends on challenges."""
    if may_call_result(tally, summary):
        return outcome_phrase(tally, summary)
    if summary.challenges_determinative:
        return DEPENDS_ON_CHALLENGED
    return "result not yet decided"


def status_headline(tally: Tally, summary: Summary) -> str:
    """A headline from the status alone (for /status and posts without events)."""
    text = _STATUS_HEADLINES[tally.status]
    if tally.status.is_final_or_later and tally.status not in _SET_ASIDE:
        text += " — " + result_or_pending(tally, summary)
    return text


def headline(
    events: tuple[Event, ...], tally: Tally, summary: Summary, previous: Tally | None
) -> str:
    """The title of a post after "JFK8: ", named by its highest-precedence event."""
    if not events:
        return status_headline(tally, summary)
    event = min(events, key=EVENT_PRECEDENCE.index)
    if event is Event.CORRECTION:
        return "correction"
    if event is Event.COUNT_FINAL:
        return "count complete — " + result_or_pending(tally, summary)
    if event is Event.OUTCOME_DECIDED:
        if may_call_result(tally, summary):
            return "outcome decided — " + outcome_phrase(tally, summary)
        return status_headline(tally, summary)
    if event is Event.CHALLENGES_DETERMINATIVE:
        if summary.challenges_determinative:
            return "challenged ballots could decide it"
        return "challenged ballots can no longer decide it"
    if event is Event.LEAD_CHANGED:
        return _lead_headline(tally, summary)
    if event is Event.ROUND_OPENED:
        return "new round — " + round_label(tally.round).lower()
    if event is Event.COUNT_STARTED:
        return "count started"
    if event is Event.STATUS_CHANGED:
        return _status_change_headline(tally, summary, previous)
    return "new count: " + score(votes_of(tally))


def _lead_headline(tally: Tally, summary: Summary) -> str:
    if summary.leader is None:
        return "tied"
    if is_single_union(tally.choices):
        leader = next(c for c in tally.choices if c.name == summary.leader)
        return "no union takes the lead" if leader.against else "union takes the lead"
    return f"{sanitize(summary.leader, NAME_MAX)} takes the lead"


def _status_change_headline(tally: Tally, summary: Summary, previous: Tally | None) -> str:
    if tally.status is Status.COUNTING:
        was_paused = previous is None or previous.status is Status.PAUSED
        return "count resumed" if was_paused else "counting"
    return status_headline(tally, summary)


def state_sentence(tally: Tally, summary: Summary) -> str:
    """The one sentence that says where the count stands, in markdown."""
    if tally.status in _SET_ASIDE:
        return f"**{status_label(tally.status)}.**"
    if may_call_result(tally, summary) and summary.valid > 0:
        text = _result_sentence(tally, summary)
        if not tally.status.is_final_or_later:
            text += " The ballots left cannot change it."
        return text
    prefix = "**Count complete.** " if tally.status.is_final_or_later else ""
    if summary.valid == 0:
        return prefix + "No votes counted yet."
    if summary.leader is None:
        return prefix + "**Tied.**"
    return prefix + f"**{sanitize(summary.leader, NAME_MAX)}** leads by {number(summary.margin)}."


def _result_sentence(tally: Tally, summary: Summary) -> str:
    outcome = summary.outcome
    if outcome.kind is OutcomeKind.UNION_WINS and outcome.winner:
        votes = next(c.votes for c in tally.choices if c.name == outcome.winner)
        share = percent(votes, summary.valid)
        return f"**{sanitize(outcome.winner, NAME_MAX)} wins** with {share} of the valid votes."
    if outcome.kind is OutcomeKind.NO_REPRESENTATIVE:
        if is_single_union(tally.choices):
            return f"**The union loses**, {score(votes_of(tally))}."
        return "**No union is chosen.**"
    return f"**{outcome_phrase(tally, summary).capitalize()}.**"


def challenged_warning(tally: Tally, summary: Summary) -> str | None:
    """A warning line when the challenged ballots can still change the outcome."""
    if not summary.challenges_determinative or tally.status in _SET_ASIDE:
        return None
    if tally.challenged:
        return f"⚠️ **The {number(tally.challenged)} challenged ballots can change the result.**"
    return "⚠️ **Challenged ballots can change the result.**"


def what_it_takes_sentence(summary: Summary) -> str | None:
    """ "The union needs 42% of the 2,197 ballots left", or that it no longer can."""
    need = summary.what_it_takes
    if need is None:
        return None
    left = number(need.remaining)
    if need.possible:
        return f"The union needs {need.percent}% of the {left} ballots left."
    return (
        f"The union can no longer win on the {left} ballots left alone "
        f"(it needs {number(need.ballots_needed)})."
    )


def source_text(tally: Tally) -> str:
    """Where the numbers come from, marked unofficial unless the NLRB published them."""
    if tally.source_label:
        label = tally.source_label
    elif not tally.source_kind.is_unofficial:
        label = "NLRB (official)"
    elif tally.source_kind is SourceKind.REPORT:
        label = "reported in Discord"
    else:
        label = f"feed {tally.source}" if tally.source else "hand-fed count"
    label = truncate(label, SOURCE_MAX)
    if tally.source_kind.is_unofficial and "unofficial" not in label.casefold():
        label += " (unofficial)"
    return label


def round_summary(tally: Tally, summary: Summary) -> str:
    """One line for an earlier round: "**Initial tally** (count complete): 738–1,798,
    505 challenged — union loses"."""
    line = f"**{round_label(tally.round)}** ({status_label(tally.status).lower()}): "
    line += score(votes_of(tally))
    if tally.challenged:
        line += f", {number(tally.challenged)} challenged"
    if tally.status.is_final_or_later and tally.status not in _SET_ASIDE:
        line += " — " + result_or_pending(tally, summary)
    elif may_call_result(tally, summary):
        line += " — " + outcome_phrase(tally, summary)
    return line
