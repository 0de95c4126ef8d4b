"""The neutral view model: everything a post, a live message or a /status answer shows, as
translated structured values without any markup. Built once per (post, language, mode);
the Discord, text and HTML adapters each write it their own way (DESIGN §2, §5, §13).

Writing an adapter (`messages.py` for Discord, `text.py` for text; the web page's HTML):
walk each `Text` (see `rich.py`): `Plain` is our own words, `Feed` words from a feed to
escape, `Code` an id, `Strong` emphasis, `Moment` a time (Discord: `<t:…>`; elsewhere the
view's `Translator.date_time`/`time`, in UTC), `Link` an anchor. `tone` picks a colour,
`Figure.alert` a warning mark, `ChoiceLine.fraction` a bar. Numbers are already written
for the language (Babel); an adapter never formats one itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote

from bot.core.models import EVENT_PRECEDENCE, Election, Event, Post, Status, Tally
from bot.core.rules import OutcomeKind, Summary, complete, summarize
from bot.render.i18n import Translator, translator
from bot.render.labels import choice_name, round_text, score, short_name, status_label
from bot.render.moved import Moved, moved_for_live, moved_for_post
from bot.render.phrases import (
    SET_ASIDE,
    determinative_line,
    may_call_result,
    post_title,
    result_of_round,
    result_phrase,
    round_summary,
    source_text,
    state_sentence,
    status_title,
    what_it_takes_sentence,
)
from bot.render.rich import Link, Moment, Text, feed, fill, join, plain

NLRB_CASE_URL = "https://www.nlrb.gov/case/"
URL_MAX = 2048
MAX_CHOICE_LINES = 20  # NLRB ballots have a handful; more would crowd the post out
SHORT_NAME_MAX = 100
NOTE_MAX = 300
ELECTION_NAME_MAX = 100


class RenderMode(StrEnum):
    """`post`: one message per change, titled by its events; `live`: the live scoreboard
    message of a round, titled by its state and showing its last change (DESIGN §5)."""

    POST = "post"
    LIVE = "live"


class Tone(StrEnum):
    """The state of the count in one word (an embed colour, a CSS class)."""

    SCHEDULED = "scheduled"
    COUNTING = "counting"
    PAUSED = "paused"
    WIN = "win"
    LOSS = "loss"
    UNDECIDED = "undecided"
    CORRECTION = "correction"
    CLOSED = "closed"


class FigureKey(StrEnum):
    MARGIN = "margin"
    CHALLENGED = "challenged"
    REMAINING = "remaining"
    VOID = "void"
    VALID = "valid"
    COUNTED = "counted"
    BALLOTS_CAST = "ballots_cast"
    ELIGIBLE = "eligible_voters"
    TURNOUT = "turnout"
    CASE = "case"


@dataclass(frozen=True, slots=True)
class Figure:
    """One labelled figure ("Margin: 364"); `alert` marks determinative challenged ballots."""

    key: FigureKey
    label: str
    value: Text
    alert: bool = False


@dataclass(frozen=True, slots=True)
class ChoiceLine:
    """One choice in ballot order, its votes and share of the valid votes."""

    name: Text
    votes: int
    votes_text: str
    share: str
    fraction: float
    against: bool
    leading: bool  # ahead of every other choice (no one leads a tie)


@dataclass(frozen=True, slots=True, kw_only=True)
class View:
    """A post, live message or /status answer of one (election, round), ready to write."""

    language: str
    mode: RenderMode
    election_id: str
    round: str
    title: Text
    event: Event | None  # the event that names a post; None for state titles
    tone: Tone
    heading: Text  # "Initial tally · Count paused · Amazon JFK8 (Staten Island, NY)"
    status: Status
    state: Text  # where the count stands, in a sentence or two
    outcome: Text | None  # the result, only when decided (DESIGN §3)
    result: Text | None  # the outcome; for a finished count, what it still waits on
    complete: bool
    determinative: Text | None  # the challenged ballots could still change it
    what_it_takes: Text | None
    choices: tuple[ChoiceLine, ...]
    more_choices: Text | None
    score: str  # "1,518–1,154"
    moved: Moved | None  # since the post's previous state (a live message: its last change)
    figures: tuple[Figure, ...]
    updated_at: datetime | None
    updated: Text | None  # "Updated <moment>"
    note: Text | None
    source: Text  # "Source: ALU count watchers (unofficial)"
    source_name: Text  # "ALU count watchers (unofficial)"
    unofficial: bool
    unofficial_mark: str  # the word the content line ends with when unofficial
    link: str | None  # the NLRB case page, else the election's own URL
    page: Link | None  # the bot's public page of the election, when configured
    other_rounds_label: str
    other_rounds: tuple[Text, ...]
    live_note: Text | None  # live messages: that the message follows the count


def election_link(election: Election, tally: Tally | None = None) -> str | None:
    """The NLRB case page when there is a case number, else the election's or tally's URL."""
    if election.case_number and election.case_number.strip():
        return NLRB_CASE_URL + quote(election.case_number.strip().upper(), safe="-")
    for url in (election.url, tally.url if tally else None):
        if url and is_plain_url(url):
            return url
    return None


def is_plain_url(url: str) -> bool:
    """An http(s) URL without spaces that fits where a link goes."""
    plain_ = not any(ch.isspace() for ch in url) and len(url) <= URL_MAX
    return plain_ and url.startswith(("https://", "http://"))


def page_url(public_url: str, election_id: str, language: str) -> str:
    """The election's page on the bot's web server (DESIGN §12), in the post's language."""
    url = public_url.rstrip("/") + "/e/" + quote(election_id, safe="")
    return url if language == "en" else url + "?lang=" + language


def tone(tally: Tally, summary: Summary, events: tuple[Event, ...] = ()) -> Tone:
    """The state of the count in one word."""
    if Event.CORRECTION in events:
        return Tone.CORRECTION
    if tally.status in SET_ASIDE:
        return Tone.CLOSED
    if tally.status in (Status.SCHEDULED, Status.VOTING):
        return Tone.SCHEDULED
    if may_call_result(tally, summary):
        if summary.outcome.kind is OutcomeKind.UNION_WINS:
            return Tone.WIN
        if summary.outcome.kind is OutcomeKind.NO_REPRESENTATIVE:
            return Tone.LOSS
        return Tone.UNDECIDED
    if complete(tally) or summary.challenges_determinative:
        return Tone.UNDECIDED
    if tally.status is Status.PAUSED:
        return Tone.PAUSED
    return Tone.COUNTING


def post_view(
    election: Election,
    post: Post,
    *,
    language: str = "en",
    mode: RenderMode = RenderMode.POST,
    public_url: str | None = None,
) -> View:
    """The view of one post (or coalesced span) in one language and mode."""
    t = translator(language)
    tally = post.tally
    summary = summarize(tally)
    name = feed(short_name(election), SHORT_NAME_MAX)
    correction = Event.CORRECTION in post.events
    moment = tally.updated_at or post.planned_at
    if mode is RenderMode.LIVE:
        title = status_title(t, name, tally, summary)
        moved = moved_for_live(t, post.previous, tally, correction=correction, at=moment)
        event = None
    else:
        title = post_title(t, name, post.events, tally, summary, post.previous)
        moved = moved_for_post(t, post.previous, tally, correction=correction)
        event = min(post.events, key=EVENT_PRECEDENCE.index) if post.events else None
    return _view(
        t,
        election,
        tally,
        summary,
        mode=mode,
        title=title,
        event=event,
        tone_=tone(tally, summary, post.events),
        moved=moved,
        others=post.other_rounds,
        moment=moment,
        public_url=public_url,
    )


def status_view(
    election: Election,
    tallies: Sequence[Tally],
    now: datetime,
    *,
    round_: str | None = None,
    language: str = "en",
    public_url: str | None = None,
) -> View | None:
    """The /status view: one round in full (the latest, last in `tallies`, unless `round_`
    names another), the others summarised; None when nothing is published."""
    if not tallies:
        return None
    t = translator(language)
    shown = next((tally for tally in tallies if tally.round == round_), tallies[-1])
    summary = summarize(shown)
    name = feed(short_name(election), SHORT_NAME_MAX)
    return _view(
        t,
        election,
        shown,
        summary,
        mode=RenderMode.POST,
        title=status_title(t, name, shown, summary),
        event=None,
        tone_=tone(shown, summary),
        moved=None,
        others=tuple(tally for tally in tallies if tally is not shown),
        moment=shown.updated_at or now,
        public_url=public_url,
    )


def _view(
    t: Translator,
    election: Election,
    tally: Tally,
    summary: Summary,
    *,
    mode: RenderMode,
    title: Text,
    event: Event | None,
    tone_: Tone,
    moved: Moved | None,
    others: Sequence[Tally],
    moment: datetime | None,
    public_url: str | None,
) -> View:
    status = status_label(t, tally.status)
    heading = [round_text(t, tally.round), plain(status)]
    if election.name:
        heading.append(feed(election.name, ELECTION_NAME_MAX))
    page = None
    if public_url:
        page = Link(plain(t.gettext("Results page")), page_url(public_url, election.id, t.language))
    return View(
        language=t.language,
        mode=mode,
        election_id=election.id,
        round=tally.round,
        title=title,
        event=event,
        tone=tone_,
        heading=join(heading, " · "),
        status=tally.status,
        state=state_sentence(t, tally, summary),
        outcome=result_phrase(t, tally, summary) if may_call_result(tally, summary) else None,
        result=result_of_round(t, tally, summary),
        complete=complete(tally),
        determinative=determinative_line(t, tally, summary),
        what_it_takes=what_it_takes_sentence(t, summary),
        choices=_choices(t, tally, summary),
        more_choices=_more_choices(t, tally),
        score=score(t, tally),
        moved=moved,
        figures=_figures(t, election, tally, summary),
        updated_at=moment,
        updated=fill(t.gettext("Updated {when}"), when=Moment(moment)) if moment else None,
        note=fill(t.gettext("Note: {note}"), note=feed(tally.note, NOTE_MAX))
        if tally.note and tally.note.strip()
        else None,
        source=fill(t.gettext("Source: {source}"), source=source_text(t, tally)),
        source_name=source_text(t, tally),
        unofficial=tally.source_kind.is_unofficial,
        unofficial_mark=t.pgettext("content", "unofficial"),
        link=election_link(election, tally),
        page=page,
        other_rounds_label=t.pgettext("figure", "Other rounds"),
        other_rounds=tuple(round_summary(t, other, summarize(other)) for other in others),
        live_note=_live_note(t, tally) if mode is RenderMode.LIVE else None,
    )


def _live_note(t: Translator, tally: Tally) -> Text:
    if complete(tally):
        return plain(t.gettext("Live message: the count is complete."))
    return plain(t.gettext("Live message: updated in place at every change."))


def _choices(t: Translator, tally: Tally, summary: Summary) -> tuple[ChoiceLine, ...]:
    """Ballot order, so a choice keeps its place from one post to the next."""
    valid = summary.valid
    return tuple(
        ChoiceLine(
            name=choice_name(t, choice),
            votes=choice.votes,
            votes_text=t.number(choice.votes),
            share=t.share_of(choice.votes, valid),
            fraction=choice.votes / valid if valid else 0.0,
            against=choice.against,
            leading=valid > 0 and choice.name == summary.leader,
        )
        for choice in tally.choices[:MAX_CHOICE_LINES]
    )


def _more_choices(t: Translator, tally: Tally) -> Text | None:
    hidden = len(tally.choices) - MAX_CHOICE_LINES
    if hidden <= 0:
        return None
    template = t.ngettext("… and {count} more choice", "… and {count} more choices", hidden)
    return fill(template, count=t.number(hidden))


def _figures(
    t: Translator, election: Election, tally: Tally, summary: Summary
) -> tuple[Figure, ...]:
    """Most important first: adapters short of room drop from the end."""
    figures: list[Figure] = []

    def add(key: FigureKey, label: str, value: Text, alert: bool = False) -> None:
        figures.append(Figure(key, label, value, alert))

    if summary.valid > 0:
        margin = (
            t.pgettext("figure", "tied") if summary.leader is None else t.number(summary.margin)
        )
        add(FigureKey.MARGIN, t.pgettext("figure", "Margin"), plain(margin))
    if tally.challenged is not None:
        alert = summary.challenges_determinative and tally.challenged > 0
        value = plain(t.number(tally.challenged))
        if alert:
            value = fill(t.pgettext("figure", "{count} (determinative)"), count=value)
        add(FigureKey.CHALLENGED, t.pgettext("figure", "Challenged"), value, alert)
    if summary.remaining is not None:
        add(
            FigureKey.REMAINING,
            t.pgettext("figure", "Remaining"),
            plain(t.number(summary.remaining)),
        )
    if tally.void is not None:
        add(FigureKey.VOID, t.pgettext("figure", "Void"), plain(t.number(tally.void)))
    add(FigureKey.VALID, t.pgettext("figure", "Valid votes"), plain(t.number(summary.valid)))
    counted = summary.valid + (tally.void or 0) + (tally.challenged or 0)
    add(FigureKey.COUNTED, t.pgettext("figure", "Counted"), plain(t.number(counted)))
    if tally.ballots_cast is not None:
        cast = t.number(tally.ballots_cast)
        add(FigureKey.BALLOTS_CAST, t.pgettext("figure", "Ballots cast"), plain(cast))
    if tally.eligible_voters is not None:
        eligible = t.number(tally.eligible_voters)
        add(FigureKey.ELIGIBLE, t.pgettext("figure", "Eligible voters"), plain(eligible))
    if summary.turnout is not None:
        add(FigureKey.TURNOUT, t.pgettext("figure", "Turnout"), plain(t.share(summary.turnout)))
    if election.case_number and election.case_number.strip():
        case = feed(election.case_number, ELECTION_NAME_MAX)
        link = election_link(election, tally)
        add(FigureKey.CASE, t.pgettext("figure", "Case"), (Link(case, link),) if link else case)
    return tuple(figures)
