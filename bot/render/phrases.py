"""The sentences of a post, translated: its title by event precedence, the outcome (only when
decided, DESIGN §3), the state of the count, what it takes, the challenged-ballots line, the
source, and one-line summaries of other rounds."""

from __future__ import annotations

from bot.core.models import EVENT_PRECEDENCE, Event, SourceKind, Status, Tally
from bot.core.rules import OutcomeKind, Summary, complete, is_single_union
from bot.render.i18n import Translator
from bot.render.labels import name_in, named_score, round_text, score, status_label
from bot.render.rich import Plain, Text, feed, fill, join, plain, strong

SOURCE_MAX = 200

# After these, a tally no longer stands as a result: never call it a win or a loss.
SET_ASIDE = frozenset({Status.RERUN_ORDERED, Status.WITHDRAWN, Status.DISMISSED})


def may_call_result(tally: Tally, summary: Summary) -> bool:
    """Whether the outcome may be written as a result ("wins", "loses"): only a decided
    outcome of a tally that still stands."""
    return summary.decided and tally.status not in SET_ASIDE


def result_phrase(t: Translator, tally: Tally, summary: Summary) -> Text:
    """The decided outcome in a few words ("union wins", "run-off between A and B").
    Callers check `may_call_result` first."""
    outcome = summary.outcome
    single = is_single_union(tally.choices)
    if outcome.kind is OutcomeKind.UNION_WINS and outcome.winner:
        if single:
            return plain(t.pgettext("result", "union wins"))
        return fill(t.pgettext("result", "{winner} wins"), winner=name_in(t, tally, outcome.winner))
    if outcome.kind is OutcomeKind.NO_REPRESENTATIVE:
        if single:
            return plain(t.pgettext("result", "union loses"))
        return plain(t.pgettext("result", "no representative"))
    if outcome.kind is OutcomeKind.RUNOFF and outcome.runoff:
        first, second = (name_in(t, tally, name) for name in outcome.runoff)
        template = t.pgettext("result", "run-off between {first} and {second}")
        return fill(template, first=first, second=second)
    return plain(t.pgettext("result", "tie — the NLRB decides"))


def result_or_pending(t: Translator, tally: Tally, summary: Summary) -> Text:
    """For a finished count: the result when decided, else what it still waits on."""
    if may_call_result(tally, summary):
        return result_phrase(t, tally, summary)
    if summary.challenges_determinative:
        return plain(t.pgettext("result", "result depends on challenged ballots"))
    return plain(t.pgettext("result", "result not yet decided"))


def result_of_round(t: Translator, tally: Tally, summary: Summary) -> Text | None:
    """What a round came to, for a summary line or table: for a finished count the result
    or what it waits on; else the outcome when already decided; else None. A round set
    aside (rerun ordered, withdrawn) has none."""
    if _has_result(tally):
        return result_or_pending(t, tally, summary)
    if may_call_result(tally, summary):
        return result_phrase(t, tally, summary)
    return None


def _has_result(tally: Tally) -> bool:
    return tally.status.is_final_or_later and tally.status not in SET_ASIDE


def status_title(t: Translator, name: Text, tally: Tally, summary: Summary) -> Text:
    """A title from the state alone (/status, live messages, posts without events)."""
    status = tally.status
    if status is Status.FINAL or (complete(tally) and not status.is_final_or_later):
        template = t.pgettext("title", "{name}: count complete — {result}")
    elif status is Status.CERTIFIED:
        template = t.pgettext("title", "{name}: certified — {result}")
    elif status is Status.OBJECTIONS:
        template = t.pgettext("title", "{name}: objections filed — {result}")
    else:
        template = {
            Status.SCHEDULED: t.pgettext("title", "{name}: election scheduled"),
            Status.VOTING: t.pgettext("title", "{name}: voting open"),
            Status.COUNTING: t.pgettext("title", "{name}: counting"),
            Status.PAUSED: t.pgettext("title", "{name}: count paused"),
            Status.RERUN_ORDERED: t.pgettext("title", "{name}: rerun ordered"),
            Status.WITHDRAWN: t.pgettext("title", "{name}: petition withdrawn"),
            Status.DISMISSED: t.pgettext("title", "{name}: petition dismissed"),
        }[status]
        return fill(template, name=name)
    return fill(template, name=name, result=result_or_pending(t, tally, summary))


def post_title(
    t: Translator,
    name: Text,
    events: tuple[Event, ...],
    tally: Tally,
    summary: Summary,
    previous: Tally | None,
) -> Text:
    """The title of a post, named by its highest-precedence event (DESIGN §5)."""
    if not events:
        return status_title(t, name, tally, summary)
    event = min(events, key=EVENT_PRECEDENCE.index)
    if event is Event.CORRECTION:
        return fill(t.pgettext("title", "{name}: correction"), name=name)
    if event is Event.COUNT_FINAL:
        template = t.pgettext("title", "{name}: count complete — {result}")
        return fill(template, name=name, result=result_or_pending(t, tally, summary))
    if event is Event.OUTCOME_DECIDED and may_call_result(tally, summary):
        template = t.pgettext("title", "{name}: outcome decided — {result}")
        return fill(template, name=name, result=result_phrase(t, tally, summary))
    if event is Event.CHALLENGES_DETERMINATIVE:
        if summary.challenges_determinative:
            template = t.pgettext("title", "{name}: challenged ballots could decide it")
        else:
            template = t.pgettext("title", "{name}: challenged ballots can no longer decide it")
        return fill(template, name=name)
    if event is Event.LEAD_CHANGED:
        return _lead_title(t, name, tally, summary)
    if event is Event.ROUND_OPENED:
        template = t.pgettext("title", "{name}: new round — {round}")
        return fill(template, name=name, round=_lower(round_text(t, tally.round)))
    if event is Event.COUNT_STARTED:
        return fill(t.pgettext("title", "{name}: count started"), name=name)
    if event is Event.STATUS_CHANGED:
        if tally.status is Status.COUNTING and previous and previous.status is Status.PAUSED:
            return fill(t.pgettext("title", "{name}: count resumed"), name=name)
        return status_title(t, name, tally, summary)
    if event is Event.COUNT_UPDATED:
        template = t.pgettext("title", "{name}: new count: {score}")
        return fill(template, name=name, score=score(t, tally))
    if event is Event.NOTE_CHANGED:
        return fill(t.pgettext("title", "{name}: note updated"), name=name)
    return status_title(t, name, tally, summary)  # outcome decided, but set aside since


def _lower(text: Text) -> Text:
    """A round label inside a sentence ("new round — rerun"); feed words stay as written.
    Lower-casing is right for both languages we speak."""
    return tuple(Plain(span.text.lower()) if isinstance(span, Plain) else span for span in text)


def _lead_title(t: Translator, name: Text, tally: Tally, summary: Summary) -> Text:
    if summary.leader is None:
        return fill(t.pgettext("title", "{name}: tied"), name=name)
    if is_single_union(tally.choices):
        leader = next(c for c in tally.choices if c.name == summary.leader)
        if leader.against:
            return fill(t.pgettext("title", "{name}: no union takes the lead"), name=name)
        return fill(t.pgettext("title", "{name}: union takes the lead"), name=name)
    template = t.pgettext("title", "{name}: {choice} takes the lead")
    return fill(template, name=name, choice=name_in(t, tally, summary.leader))


def state_sentence(t: Translator, tally: Tally, summary: Summary) -> Text:
    """The sentences that say where the count stands: the result when decided, else who
    leads and by how much, saying first when the count is paused or complete."""
    if tally.status in SET_ASIDE:
        return strong(status_label(t, tally.status))
    sentences = []
    if complete(tally):
        sentences.append(strong(t.gettext("Count complete.")))
    elif tally.status is Status.PAUSED:
        sentences.append(strong(t.gettext("Count paused.")))
    if may_call_result(tally, summary) and summary.valid > 0:
        sentences.append(_result_sentence(t, tally, summary))
        if not complete(tally):
            sentences.append(plain(t.gettext("The ballots left cannot change it.")))
        return join(sentences, " ")
    if summary.valid == 0:
        sentences.append(plain(t.gettext("No votes counted yet.")))
    elif summary.leader is None:
        sentences.append(strong(t.gettext("Tied.")))
    else:
        template = t.ngettext(
            "{leader} leads by {margin} vote.", "{leader} leads by {margin} votes.", summary.margin
        )
        leader = strong(name_in(t, tally, summary.leader))
        sentences.append(fill(template, leader=leader, margin=t.number(summary.margin)))
    return join(sentences, " ")


def _result_sentence(t: Translator, tally: Tally, summary: Summary) -> Text:
    outcome = summary.outcome
    if outcome.kind is OutcomeKind.UNION_WINS and outcome.winner:
        votes = next(c.votes for c in tally.choices if c.name == outcome.winner)
        template = t.gettext("{winner} wins with {share} of the valid votes.")
        winner = name_in(t, tally, outcome.winner)
        return strong(fill(template, winner=winner, share=t.share_of(votes, summary.valid)))
    if outcome.kind is OutcomeKind.NO_REPRESENTATIVE:
        if is_single_union(tally.choices):
            return strong(fill(t.gettext("The union loses, {score}."), score=score(t, tally)))
        return strong(t.gettext("No union is chosen."))
    if outcome.kind is OutcomeKind.RUNOFF and outcome.runoff:
        first, second = (name_in(t, tally, name) for name in outcome.runoff)
        template = t.gettext("Run-off between {first} and {second}.")
        return strong(fill(template, first=first, second=second))
    return strong(t.gettext("Tie: the NLRB decides."))


def determinative_line(t: Translator, tally: Tally, summary: Summary) -> Text | None:
    """When the challenged ballots can still change the outcome: on a complete count that
    they can change the result; during a count that they exceed the margin as it stands
    (shown, but no event: the flag moves with every batch, DESIGN §5)."""
    if not summary.challenges_determinative or tally.status in SET_ASIDE:
        return None
    count = tally.challenged or 0
    values = {"count": t.number(count), "margin": t.number(summary.margin)}
    if not count:
        return plain(t.gettext("Challenged ballots can change the result."))
    if complete(tally):
        template = t.ngettext(
            "The {count} challenged ballot can change the result.",
            "The {count} challenged ballots can change the result.",
            count,
        )
    elif count > summary.margin:
        template = t.ngettext(
            "The {count} challenged ballot exceeds the current margin of {margin}.",
            "The {count} challenged ballots exceed the current margin of {margin}.",
            count,
        )
    else:
        template = t.ngettext(
            "The {count} challenged ballot could change the result as it stands.",
            "The {count} challenged ballots could change the result as it stands.",
            count,
        )
    return strong(fill(template, **values))


def what_it_takes_sentence(t: Translator, summary: Summary) -> Text | None:
    """ "The union needs 42% of the 2,197 ballots left", or that it no longer can."""
    need = summary.what_it_takes
    if need is None:
        return None
    left = t.number(need.remaining)
    if need.possible:
        template = t.ngettext(
            "The union needs {percent} of the {remaining} ballot left.",
            "The union needs {percent} of the {remaining} ballots left.",
            need.remaining,
        )
        return fill(template, percent=t.whole_percent(need.percent), remaining=left)
    template = t.ngettext(
        "The union can no longer win on the {remaining} ballot left alone (it needs {needed}).",
        "The union can no longer win on the {remaining} ballots left alone (it needs {needed}).",
        need.remaining,
    )
    return fill(template, remaining=left, needed=t.number(need.ballots_needed))


def source_text(t: Translator, tally: Tally) -> Text:
    """Where the numbers come from, marked unofficial unless the NLRB published them."""
    if tally.source_label:
        label = feed(tally.source_label, SOURCE_MAX)
        said = tally.source_label.casefold()
        marked = "unofficial" in said or t.pgettext("source", "unofficial").casefold() in said
    elif not tally.source_kind.is_unofficial:
        return plain(t.pgettext("source", "NLRB (official)"))
    elif tally.source_kind is SourceKind.REPORT:
        label, marked = plain(t.pgettext("source", "reported in Discord")), False
    elif tally.source:
        template = t.pgettext("source", "feed {feed}")
        label, marked = fill(template, feed=feed(tally.source, SOURCE_MAX)), False
    else:
        label, marked = plain(t.pgettext("source", "hand-fed count")), False
    if tally.source_kind.is_unofficial and not marked:
        return fill(t.pgettext("source", "{source} (unofficial)"), source=label)
    return label


def round_summary(t: Translator, tally: Tally, summary: Summary) -> Text:
    """One line for another round: "Initial tally (count complete): 738–1,798, 505
    challenged — union loses"."""
    line = fill(
        t.gettext("{round} ({status}): {score}"),
        round=strong(round_text(t, tally.round)),
        status=status_label(t, tally.status).lower(),
        score=score(t, tally),
    )
    if tally.challenged:
        template = t.ngettext(
            "{line}, {count} challenged", "{line}, {count} challenged", tally.challenged
        )
        line = fill(template, line=line, count=t.number(tally.challenged))
    result = result_of_round(t, tally, summary)
    if result is None:
        return line
    return fill(t.gettext("{line} — {result}"), line=line, result=result)


def listing_line(t: Translator, tally: Tally, summary: Summary) -> Text:
    """A round in one line for a list of elections: "Initial tally · Count paused ·
    Amazon Labor Union 1,518 – No union 1,154", then the challenged ballots when they could
    decide it, and what the round came to."""
    parts = [
        round_text(t, tally.round),
        plain(status_label(t, tally.status)),
        named_score(t, tally),
    ]
    if summary.challenges_determinative and tally.challenged:
        template = t.ngettext("{count} challenged", "{count} challenged", tally.challenged)
        parts.append(fill(template, count=t.number(tally.challenged)))
    result = result_of_round(t, tally, summary)
    if result is not None:
        parts.append(result)
    return join(parts, " · ")
