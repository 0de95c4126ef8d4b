"""/report: read the `counts` text, build a feed v1 election from the published ballot and
validate it with the native parser exactly as a feed's, as a tally of the `report` source.

`counts` syntax: the votes of each choice in ballot order (the order /status shows),
separated by spaces, dashes, slashes or semicolons; a number may carry thousands commas.
`1518 1154`, `1518-1154` and `1,518–1,154` all say the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.core.models import Choice, DeclaredBallot, Election, SourceKind, Status, Tally
from bot.core.plan import REPORT_SOURCE
from bot.discord.cogs.errors import UserError, code
from bot.feeds.base import FeedFormat, ParseContext, ParsedTally, ParseError, Problem
from bot.feeds.parsers import parse
from bot.render.i18n import Translator
from bot.render.labels import choice_name, round_text, status_label
from bot.render.rich import Code, Text, feed, fill, join, plain, strong
from bot.render.said import Said, npsaid, nsaid, psaid, said

_SEPARATORS = re.compile(r"[\s\-–—/;|]+")
_COUNT = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)$")
# A minus sign: a hyphen (or U+2212) that starts a number, not one between two numbers.
_NEGATIVE = re.compile(r"(?:^|[\s/;|])[-−]([0-9][0-9,]*)")
MAX_DIGITS = 9  # 999,999,999 votes: more than any ballot, and int() stays cheap
_NAME_MAX = 60
MAX_PROBLEMS = 5


@dataclass(frozen=True, slots=True)
class ReportInput:
    """What the reporter typed, options left out being None."""

    counts: str
    challenged: int | None = None
    void: int | None = None
    status: Status | None = None
    round: str | None = None


def _choice(choice: Choice) -> Callable[[Translator], Text]:
    """A choice's name as the reader's language shows it ("Sin sindicato")."""
    return lambda t: choice_name(t, replace(choice, name=choice.name[:_NAME_MAX]))


def how_to(ballot: Sequence[Choice]) -> Said:
    """The syntax, with this ballot's order."""
    names = [_choice(choice) for choice in ballot]

    def order(t: Translator) -> Text:
        # The choices in ballot order, as the ballot lists them (no words of its own).
        return join([strong(name(t)) for name in names], ", ")

    example = " ".join(str(1000 + 100 * i) for i in range(len(ballot))) or "1518 1154"
    return said(
        "Write the votes in ballot order ({order}), separated by spaces or dashes, e.g. {example}.",
        order=order,
        example=Code(example),
    )


def _refused(problem: Said, ballot: Sequence[Choice]) -> UserError:
    """A counts problem, followed by how to write them."""
    return UserError(said("{problem} {how}", problem=problem, how=how_to(ballot)))


def parse_counts(text: str, ballot: Sequence[Choice]) -> list[int]:
    """The votes of each choice, in ballot order; UserError saying how when unreadable:
    a negative number (`-5 3` is not 5–3), digits other than 0–9, a number too large."""
    negative = _NEGATIVE.search(text)
    if negative is not None:
        shown = code("-" + negative.group(1), 31)
        problem = said("{count} is a negative number: votes cannot be below 0.", count=shown)
        raise _refused(problem, ballot)
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    for token in tokens:
        shown = code(token, 30)
        if any(char.isdigit() and not char.isascii() for char in token):
            raise _refused(said("{count} uses digits other than 0–9.", count=shown), ballot)
        if not _COUNT.match(token):
            raise _refused(said("{count} is not a number of votes.", count=shown), ballot)
        if len(token.replace(",", "")) > MAX_DIGITS:
            long = code(token[:30] + ("…" if len(token) > 30 else ""), 31)
            raise UserError(
                said(
                    "{count} is too large for a count of votes (at most {most}).",
                    count=long,
                    most=10**MAX_DIGITS - 1,
                )
            )
    if len(tokens) != len(ballot):
        problem = nsaid(
            "You gave {given} count but the ballot has {choices} choices.",
            "You gave {given} counts but the ballot has {choices} choices.",
            len(tokens),
            given=len(tokens),
            choices=len(ballot),
        )
        raise _refused(problem, ballot)
    return [int(token.replace(",", "")) for token in tokens]


def document(
    election: Election,
    ballot: Tally,
    same_round: Tally | None,
    round_: str,
    votes: Sequence[int],
    given: ReportInput,
    now: datetime,
) -> dict[str, Any]:
    """A feed v1 document with one election: the ballot's choices with the new votes; what
    the reporter left out is taken from the same round's published tally."""
    item: dict[str, Any] = {
        "id": election.id,
        "round": round_,
        "status": (given.status or Status.COUNTING).value,
        "choices": [
            {"name": choice.name, "votes": votes[i], "against": choice.against}
            for i, choice in enumerate(ballot.choices)
        ],
    }
    if election.name:
        item["name"] = election.name
    for key, value, previous in (
        ("challenged", given.challenged, same_round.challenged if same_round else None),
        ("void", given.void, same_round.void if same_round else None),
    ):
        chosen = value if value is not None else previous
        if chosen is not None:
            item[key] = chosen
    if same_round is not None:
        # Eligible voters and ballots cast belong to the round (DESIGN §3).
        for key, known in (
            ("eligible_voters", same_round.eligible_voters),
            ("ballots_cast", same_round.ballots_cast),
        ):
            if known is not None:
                item[key] = known
    return {"feed_version": 1, "updated_at": now.isoformat(), "elections": [item]}


def problems_text(problems: Sequence[Problem]) -> Text:
    """The validation's first problems, one line each (the parser's own words)."""
    lines = []
    for problem in problems[:MAX_PROBLEMS]:
        error = re.sub(r"^elections\[\d+\]:\s*", "", problem.error)
        error = re.sub(r"\s*\((election|row) skipped\)$", "", error)  # the report is refused
        if problem.field:
            line = fill("- {field}: {error}", field=Code(problem.field), error=feed(error, 200))
        else:
            line = fill("- {error}", error=feed(error, 200))
        lines.append(line)
    return join(lines, "\n")


def invalid(problems: Sequence[Problem]) -> UserError:
    """The refusal of a report the validation found problems in."""
    return UserError(
        said("That report is not valid:\n{problems}", problems=problems_text(problems))
    )


def validate(doc: dict[str, Any], election: Election) -> ParsedTally:
    """The document through the native parser, as a feed's would go; the tally becomes the
    `report` source's, and keeps the stored election (a report says nothing new about it)."""
    try:
        result = parse(
            FeedFormat.NATIVE, json.dumps(doc).encode(), ParseContext(source_id=REPORT_SOURCE)
        )
    except ParseError as exc:
        reason = feed(str(exc), 300)
        raise UserError(said("That report is not valid: {reason}", reason=reason)) from None
    if result.problems or len(result.tallies) != 1:
        raise invalid(result.problems)
    tally = replace(result.tallies[0].tally, source=REPORT_SOURCE, source_kind=SourceKind.REPORT)
    return ParsedTally(tally, election)


def build_report(
    election: Election,
    published: Sequence[Tally],
    given: ReportInput,
    now: datetime,
    declared: DeclaredBallot | None = None,
) -> ParsedTally:
    """The validated `report` tally for `given`, on the ballot of the named round (or of the
    latest published round, for the latest round or a new one); before anything is
    published, on the ballot config declares (DESIGN §4, declared ballots)."""
    if not published and (declared is None or not declared.choices):
        raise UserError(
            said(
                "{election} has no published tally yet, so I don't know its ballot. A feed "
                "has to describe it first, or the operator can declare its choices in the "
                "config.",
                election=Code(election.id),
            )
        )
    fallback = published[-1].round if published else declared.round if declared else "initial"
    round_ = (given.round or "").strip().lower() or fallback
    same_round = next((t for t in published if t.round == round_), None)
    if same_round is None and declared is not None and declared.round == round_:
        same_round = _declared_tally(declared)  # its eligible voters and ballots cast
    ballot = same_round or (published[-1] if published else _declared_tally(declared))
    votes = parse_counts(given.counts, ballot.choices)
    return validate(document(election, ballot, same_round, round_, votes, given, now), election)


def _declared_tally(declared: DeclaredBallot | None) -> Tally:
    assert declared is not None
    return Tally(
        declared.election_id,
        declared.round,
        declared.choices,
        eligible_voters=declared.eligible_voters,
        ballots_cast=declared.ballots_cast,
    )


def recorded_text(election: Election, tally: Tally, posts: int, publisher: str | None) -> Said:
    """The confirmation: what was recorded, echoed with the choice names, and what it did."""
    choices = tally.choices

    def votes(t: Translator) -> Text:
        template = t.pgettext("score", "{choice} {votes}")
        shown = [
            fill(template, choice=_choice(c)(t), votes=strong(t.number(c.votes))) for c in choices
        ]
        return join(shown, " · ")

    challenged, void = tally.challenged or 0, tally.void or 0
    recorded = psaid(
        "report",
        "Recorded for {election} ({round}, {status}): {votes} · {challenged} · {void}.",
        election=Code(election.id),
        round=lambda t: round_text(t, tally.round),
        status=lambda t: plain(status_label(t, tally.status).lower()),
        votes=votes,
        challenged=npsaid(
            "report", "{count} challenged", "{count} challenged", challenged, count=challenged
        ),
        void=npsaid("report", "{count} void", "{count} void", void, count=void),
    )
    if publisher is not None and publisher != REPORT_SOURCE:
        then = said(
            "The feed {feed} publishes this round: it is the NLRB's, or it has counted as many "
            "ballots as this report or more, so nothing was posted.",
            feed=Code(publisher),
        )
    else:
        then = nsaid("{count} post queued.", "{count} posts queued.", posts, count=posts)
    return said("{recorded}\n{then}", recorded=recorded, then=then)
