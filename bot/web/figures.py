"""What the page shows of an election, in the shape its templates take: an adapter over the
renderer's neutral view model (bot/render/view.py), so the page says what a post says, in
the same words and with the same figures. Sentences arrive as escaped HTML
(bot/render/html.py); labels and numbers as plain strings the templates escape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from markupsafe import Markup

from bot.core.models import Election
from bot.core.rules import summarize
from bot.render.charts import chart_alt
from bot.render.html import capitalised, html
from bot.render.i18n import translator
from bot.render.labels import named_score, round_label, short_name, status_label
from bot.render.phrases import listing_line as line_of
from bot.render.view import FigureKey, View, election_link, status_view
from bot.store import Published

# The page names a few figures its own way (its markup's data-fact, which scripts read).
_FACT_KEYS = {FigureKey.ELIGIBLE: "eligible"}
_NOT_ON_THE_PAGE = {FigureKey.CASE}  # the page's heading links the case already


@dataclass(frozen=True, slots=True)
class ChoiceRow:
    name: Markup
    votes: str
    share: str  # of the valid votes
    against: bool
    leading: bool


@dataclass(frozen=True, slots=True)
class Fact:
    """One labelled figure; `key` names it for the page's markup (data-fact)."""

    key: str
    label: str
    value: Markup


@dataclass(frozen=True, slots=True)
class RoundView:
    round: str
    title: str  # "Initial tally"
    status: str  # "Count paused"
    state: Markup  # where the count stands, a sentence or two
    warning: Markup | None  # the challenged ballots could change it
    what_it_takes: Markup | None
    choices: tuple[ChoiceRow, ...]
    facts: tuple[Fact, ...]
    challenged: str  # the challenged ballots, "" when the source does not say
    note: Markup | None
    score: Markup  # "Amazon Labor Union 1,518 – No union 1,154"
    result: Markup | None  # what the round came to, when it came to something
    updated_iso: str | None
    updated: str | None


@dataclass(frozen=True, slots=True)
class ElectionView:
    id: str
    title: str  # the name, else the short name
    short_name: str
    case_number: str | None
    case_url: str | None
    place: str | None  # employer and location
    latest: RoundView | None
    earlier: tuple[RoundView, ...]  # newest first
    chart_alt: str


def election_view(
    election: Election, rounds: Sequence[Published], language: str, now: datetime
) -> ElectionView:
    """The page of one election: its latest round in full, the earlier ones in brief."""
    tallies = [p.tally for p in rounds]
    views = []
    for published in rounds:
        moment = published.updated_at or now
        view = status_view(
            election, tallies, moment, round_=published.tally.round, language=language
        )
        assert view is not None  # `tallies` holds this round
        views.append(round_view(view, published))
    short = short_name(election)
    case = (election.case_number or "").strip().upper() or None
    place = ", ".join(p for p in (election.employer, election.location) if p) or None
    latest = views[-1] if views else None
    return ElectionView(
        id=election.id,
        title=election.name or short,
        short_name=short,
        case_number=case,
        case_url=election_link(election) if case else None,
        place=place,
        latest=latest,
        earlier=tuple(reversed(views[:-1])),
        chart_alt=chart_alt(election, tallies[-1] if tallies else None, language=language),
    )


def round_view(view: View, published: Published) -> RoundView:
    """Every figure of one round, from its view."""
    lang, tally = view.language, published.tally
    t = translator(lang)
    status = status_label(t, view.status)
    facts = [Fact("status", t.pgettext("figure", "Status"), Markup.escape(status))]
    for figure in view.figures:
        if figure.key not in _NOT_ON_THE_PAGE:
            key = _FACT_KEYS.get(figure.key, figure.key.value)
            facts.append(Fact(key, figure.label, html(figure.value, lang)))
    facts.append(Fact("source", t.pgettext("figure", "Source"), html(view.source_name, lang)))
    when = view.updated_at
    if when is not None:
        facts.append(
            Fact("updated", t.pgettext("figure", "Updated"), Markup.escape(t.date_time(when)))
        )
    return RoundView(
        round=view.round,
        title=round_label(t, view.round),
        status=status,
        state=html(view.state, lang),
        warning=html(view.determinative, lang) or None,
        what_it_takes=html(view.what_it_takes, lang) or None,
        choices=tuple(
            ChoiceRow(html(c.name, lang), c.votes_text, c.share, c.against, c.leading)
            for c in view.choices
        ),
        facts=tuple(facts),
        challenged="" if tally.challenged is None else t.number(tally.challenged),
        note=html(view.note, lang) or None,
        score=html(named_score(t, tally), lang),
        result=html(capitalised(view.result), lang) if view.result else None,
        updated_iso=when.astimezone(UTC).isoformat() if when else None,
        updated=t.date_time(when) if when else None,
    )


def listing_line(latest: Published | None, language: str) -> Markup:
    """The latest round's figures in one line, for the list of every election."""
    t = translator(language)
    if latest is None:
        return Markup.escape(t.pgettext("listing", "No tally yet"))
    tally = latest.tally
    return html(line_of(t, tally, summarize(tally)), language)
