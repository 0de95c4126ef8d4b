"""What the page shows of an election, as plain values: figures formatted by Babel for the
page's language, sentences through the page's translator, nothing escaped (the templates
escape). Computed from the store's Election and Tally values with the rules of core.

Local to the web edge until the renderer's neutral view model (bot/render/view.py) lands;
then `election_view` and `listing_line` become thin adapters over it and the templates keep
their names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from babel import Locale
from babel.numbers import parse_pattern

from bot.core.models import Choice, Election, SourceKind, Status, Tally
from bot.core.rules import OutcomeKind, Summary, is_single_union, summarize
from bot.render.format import round_label, status_label
from bot.render.format import short_name as default_short_name
from bot.store import Published
from bot.web.i18n import LOCALES

Translate = Callable[[str], str]

NLRB_CASE_URL = "https://www.nlrb.gov/case/"
# After these, a tally no longer stands as a result: never call it a win or a loss.
_SET_ASIDE = frozenset({Status.RERUN_ORDERED, Status.WITHDRAWN, Status.DISMISSED})
_NO_UNION = "no union"
_MEMO_LIMIT = 50_000


class Words:
    """The page's language: its translator and Babel's formats for its locale.

    Babel's patterns are parsed once here, and numbers remembered (a page of 5,000
    elections formats tens of thousands of them): make one per language and keep it.
    """

    def __init__(self, language: str, gettext: Translate) -> None:
        self.language = language
        self.locale = LOCALES.get(language, LOCALES["en"])
        self._ = gettext
        locale = Locale.parse(self.locale)
        self._babel = locale
        self._decimal = locale.decimal_formats[None]
        self._share = parse_pattern("#,##0.#%")
        self._whole = parse_pattern("#,##0%")
        self._date = locale.date_formats["medium"]
        self._time = locale.time_formats["short"]
        self._datetime = str(locale.datetime_formats["medium"])
        self._numbers: dict[int, str] = {}
        self._moments: dict[int, str] = {}

    def number(self, value: int) -> str:
        text = self._numbers.get(value)
        if text is None:
            if len(self._numbers) > _MEMO_LIMIT:
                self._numbers.clear()
            text = self._numbers[value] = self._decimal.apply(value, self._babel)
        return text

    def share(self, fraction: float) -> str:
        """A share as a percent with at most one decimal ("55.5%")."""
        return str(self._share.apply(fraction, self._babel))

    def whole_percent(self, percent: int) -> str:
        return str(self._whole.apply(percent / 100, self._babel))

    def moment(self, when: datetime) -> str:
        """A time in UTC, as the locale writes it ("Apr 1, 2022, 12:05 PM UTC")."""
        utc = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        minute = int(utc.timestamp() // 60)  # what the text shows: one per minute
        text = self._moments.get(minute)
        if text is None:
            if len(self._moments) > _MEMO_LIMIT:
                self._moments.clear()
            date = self._date.apply(utc, self._babel)
            clock = self._time.apply(utc, self._babel)
            both = self._datetime.replace("{1}", date).replace("{0}", clock)
            text = self._moments[minute] = self._("%(time)s UTC") % {"time": both}
        return text

    def choice_name(self, choice: Choice) -> str:
        """A choice as the source names it; the no-union choice in the page's language."""
        if choice.against and " ".join(choice.name.casefold().split()) == _NO_UNION:
            return self._("No union")
        return choice.name


@dataclass(frozen=True, slots=True)
class ChoiceRow:
    name: str
    votes: str
    share: str  # of the valid votes; "–" before any
    against: bool
    leading: bool


@dataclass(frozen=True, slots=True)
class Fact:
    """One labelled figure; `key` names it for the page's markup (data-fact)."""

    key: str
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class RoundView:
    round: str
    title: str  # "Initial tally"
    status: str  # "Count paused"
    state: str  # where the count stands, one sentence
    warning: str | None  # the challenged ballots could change it
    what_it_takes: str | None
    choices: tuple[ChoiceRow, ...]
    facts: tuple[Fact, ...]
    note: str | None
    score: str  # "Amazon Labor Union 1,518 – No union 1,154"
    result: str | None  # a decided result, or that it depends on challenged ballots
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


def election_view(election: Election, rounds: Sequence[Published], words: Words) -> ElectionView:
    """The page of one election: its latest round in full, the earlier ones in brief."""
    views = [round_view(p.tally, p.updated_at, words) for p in rounds]
    short = election.short_name or default_short_name(election)
    case = (election.case_number or "").strip().upper() or None
    place = ", ".join(p for p in (election.employer, election.location) if p) or None
    latest = views[-1] if views else None
    return ElectionView(
        id=election.id,
        title=election.name or short,
        short_name=short,
        case_number=case,
        case_url=NLRB_CASE_URL + case if case else None,
        place=place,
        latest=latest,
        earlier=tuple(reversed(views[:-1])),
        chart_alt=_chart_alt(short, latest, words),
    )


def round_view(tally: Tally, published_at: datetime | None, words: Words) -> RoundView:
    """Every figure of one round, formatted."""
    _ = words._
    summary = summarize(tally)
    when = tally.updated_at or published_at
    choices = tuple(
        ChoiceRow(
            name=words.choice_name(c),
            votes=words.number(c.votes),
            share=words.share(c.votes / summary.valid) if summary.valid else "–",
            against=c.against,
            leading=c.name == summary.leader,
        )
        for c in tally.choices
    )
    return RoundView(
        round=tally.round,
        title=_(round_label(tally.round)),
        status=_(status_label(tally.status)),
        state=state_sentence(tally, summary, words),
        warning=challenged_warning(tally, summary, words),
        what_it_takes=what_it_takes(summary, words),
        choices=choices,
        facts=_facts(tally, summary, words, when),
        note=tally.note,
        score=" – ".join(f"{row.name} {row.votes}" for row in choices) or _("no votes"),
        result=_result(tally, summary, words),
        updated_iso=when.astimezone(UTC).isoformat() if when else None,
        updated=words.moment(when) if when else None,
    )


def _facts(tally: Tally, summary: Summary, words: Words, when: datetime | None) -> tuple[Fact, ...]:
    _, n = words._, words.number
    unknown = _("not known")
    facts = [Fact("status", _("Status"), _(status_label(tally.status)))]
    if summary.valid:
        if summary.leader is None:
            margin = _("%(margin)s (tied)") % {"margin": n(0)}
        else:
            leader = next(c for c in tally.choices if c.name == summary.leader)
            margin = _("%(margin)s, %(leader)s ahead") % {
                "margin": n(summary.margin),
                "leader": words.choice_name(leader),
            }
        facts.append(Fact("margin", _("Margin"), margin))
    facts += [
        Fact("valid", _("Valid votes"), n(summary.valid)),
        Fact("challenged", _("Challenged ballots"), n(tally.challenged or 0)),
        Fact("void", _("Void ballots"), n(tally.void or 0)),
        Fact(
            "remaining",
            _("Ballots left to count"),
            unknown if summary.remaining is None else n(summary.remaining),
        ),
    ]
    if tally.ballots_cast is not None:
        facts.append(Fact("ballots_cast", _("Ballots cast"), n(tally.ballots_cast)))
    if tally.eligible_voters is not None:
        facts.append(Fact("eligible", _("Eligible voters"), n(tally.eligible_voters)))
    turnout = unknown if summary.turnout is None else words.share(summary.turnout)
    facts.append(Fact("turnout", _("Turnout"), turnout))
    facts.append(Fact("source", _("Source"), source_text(tally, words)))
    if when is not None:
        facts.append(Fact("updated", _("Updated"), words.moment(when)))
    return tuple(facts)


def may_call_result(tally: Tally, summary: Summary) -> bool:
    """Only a decided outcome of a tally that still stands is written as a result."""
    return summary.decided and tally.status not in _SET_ASIDE


def outcome_text(tally: Tally, summary: Summary, words: Words) -> str:
    """The outcome in a few words; callers check `may_call_result` first."""
    _ = words._
    outcome, single = summary.outcome, is_single_union(tally.choices)
    if outcome.kind is OutcomeKind.UNION_WINS:
        if single:
            return _("The union wins")
        return _("%(name)s wins") % {"name": outcome.winner or _("A union")}
    if outcome.kind is OutcomeKind.NO_REPRESENTATIVE:
        return _("The union loses") if single else _("No union is chosen")
    if outcome.kind is OutcomeKind.RUNOFF and outcome.runoff:
        first, second = outcome.runoff
        return _("Run-off between %(first)s and %(second)s") % {"first": first, "second": second}
    return _("Tie: the NLRB decides")


def _result(tally: Tally, summary: Summary, words: Words) -> str | None:
    if tally.status in _SET_ASIDE:
        return None
    if may_call_result(tally, summary) and summary.valid:
        return outcome_text(tally, summary, words)
    if tally.status.is_final_or_later and summary.challenges_determinative:
        return words._("Count complete: the result depends on the challenged ballots")
    return None


def state_sentence(tally: Tally, summary: Summary, words: Words) -> str:
    """One sentence saying where the count stands."""
    _ = words._
    if tally.status in _SET_ASIDE:
        return _(status_label(tally.status)) + "."
    if may_call_result(tally, summary) and summary.valid:
        text = outcome_text(tally, summary, words)
        winner = summary.outcome.winner
        if summary.outcome.kind is OutcomeKind.UNION_WINS and winner:
            votes = next(c.votes for c in tally.choices if c.name == winner)
            text = _("%(outcome)s with %(share)s of the valid votes.") % {
                "outcome": text,
                "share": words.share(votes / summary.valid),
            }
        else:
            text += "."
        if not tally.status.is_final_or_later:
            text += " " + _("The ballots left cannot change it.")
        return text
    if summary.valid == 0:
        sentence = _("No votes counted yet.")
    elif summary.leader is None:
        sentence = _("Tied.")
    else:
        leader = next(c for c in tally.choices if c.name == summary.leader)
        sentence = _("%(leader)s leads by %(margin)s.") % {
            "leader": words.choice_name(leader),
            "margin": words.number(summary.margin),
        }
    if tally.status.is_final_or_later:
        return _("Count complete.") + " " + sentence
    return sentence


def challenged_warning(tally: Tally, summary: Summary, words: Words) -> str | None:
    """A line when the challenged ballots could still change the outcome (§5): a result in
    doubt once the count is complete, a caution during it."""
    if not summary.challenges_determinative or tally.status in _SET_ASIDE:
        return None
    values = {"challenged": words.number(tally.challenged or 0)}
    if tally.status.is_final_or_later or summary.remaining == 0:
        return words._("The %(challenged)s challenged ballots can change the result.") % values
    return words._("The %(challenged)s challenged ballots exceed the current margin.") % values


def what_it_takes(summary: Summary, words: Words) -> str | None:
    """ "The union needs 42% of the 2,197 ballots left.", or that it no longer can."""
    need = summary.what_it_takes
    if need is None:
        return None
    values = {
        "percent": words.whole_percent(need.percent),
        "left": words.number(need.remaining),
        "needed": words.number(need.ballots_needed),
    }
    if need.possible:
        return words._("The union needs %(percent)s of the %(left)s ballots left.") % values
    return (
        words._("The union can no longer win on the %(left)s ballots left (it needs %(needed)s).")
        % values
    )


def source_text(tally: Tally, words: Words) -> str:
    """Where the numbers come from, marked unofficial unless the NLRB published them."""
    _ = words._
    if tally.source_label:
        label = tally.source_label[:200]
    elif tally.source_kind is SourceKind.OFFICIAL:
        return _("NLRB (official)")
    elif tally.source_kind is SourceKind.REPORT:
        label = _("reported in Discord")
    else:
        label = _("feed %(feed)s") % {"feed": tally.source} if tally.source else _("hand-fed")
    if tally.source_kind.is_unofficial and "unofficial" not in label.casefold():
        label = _("%(source)s (unofficial)") % {"source": label}
    return label


def listing_line(latest: Published | None, words: Words) -> str:
    """The latest round's figures in one line, for the list of every election: round,
    status, votes, and the result when there is one (only what the line shows is made)."""
    if latest is None:
        return words._("No tally yet")
    tally = latest.tally
    summary = summarize(tally)
    score = " – ".join(f"{words.choice_name(c)} {words.number(c.votes)}" for c in tally.choices)
    parts = [words._(round_label(tally.round)), words._(status_label(tally.status))]
    parts.append(score or words._("no votes"))
    if summary.challenges_determinative and tally.challenged:
        challenged = words.number(tally.challenged)
        parts.append(words._("%(challenged)s challenged") % {"challenged": challenged})
    result = _result(tally, summary, words)
    if result:
        parts.append(result)
    return " · ".join(parts)


def _chart_alt(short: str, latest: RoundView | None, words: Words) -> str:
    _ = words._
    if latest is None:
        return _("Chart of the count of %(election)s: no counts yet.") % {"election": short}
    return _("Chart of the count of %(election)s over time, round by round. Latest: %(score)s.") % {
        "election": short,
        "score": latest.score,
    }
