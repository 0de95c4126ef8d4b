"""/report: read the `counts` text, build a feed v1 election from the published ballot and
validate it with the native parser exactly as a feed's, as a tally of the `report` source.

`counts` syntax: the votes of each choice in ballot order (the order /status shows),
separated by spaces, dashes, slashes or semicolons; a number may carry thousands commas.
`1518 1154`, `1518-1154` and `1,518–1,154` all say the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.core.models import DeclaredBallot, Election, SourceKind, Status, Tally
from bot.core.plan import REPORT_SOURCE
from bot.discord.cogs.errors import UserError
from bot.feeds.base import FeedFormat, ParseContext, ParsedTally, ParseError, Problem
from bot.feeds.parsers import parse
from bot.render.format import number, round_label, sanitize, status_label

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


def how_to(ballot: Sequence[str]) -> str:
    """The syntax, with this ballot's order."""
    order = ", ".join(f"**{sanitize(name, _NAME_MAX)}**" for name in ballot)
    example = " ".join(str(1000 + 100 * i) for i in range(len(ballot))) or "1518 1154"
    return (
        f"Write the votes in ballot order ({order}), separated by spaces or dashes, "
        f"e.g. `{example}`."
    )


def parse_counts(text: str, ballot: Sequence[str]) -> list[int]:
    """The votes of each choice, in ballot order; UserError saying how when unreadable:
    a negative number (`-5 3` is not 5–3), digits other than 0–9, a number too large."""
    negative = _NEGATIVE.search(text)
    if negative is not None:
        shown = negative.group(1)[:30]
        raise UserError(
            f"`-{shown}` is a negative number: votes cannot be below 0. {how_to(ballot)}"
        )
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    for token in tokens:
        shown = token.replace("`", "'")[:30]
        if any(char.isdigit() and not char.isascii() for char in token):
            raise UserError(f"`{shown}` uses digits other than 0–9. {how_to(ballot)}")
        if not _COUNT.match(token):
            raise UserError(f"`{shown}` is not a number of votes. {how_to(ballot)}")
        if len(token.replace(",", "")) > MAX_DIGITS:
            raise UserError(
                f"`{shown}{'…' if len(token) > 30 else ''}` is too large for a count of votes "
                f"(at most {number(10**MAX_DIGITS - 1)})."
            )
    if len(tokens) != len(ballot):
        raise UserError(
            f"You gave {len(tokens)} count(s) but the ballot has {len(ballot)} choices. "
            + how_to(ballot)
        )
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


def problems_text(problems: Sequence[Problem]) -> str:
    lines = []
    for problem in problems[:MAX_PROBLEMS]:
        error = re.sub(r"^elections\[\d+\]:\s*", "", problem.error)
        error = re.sub(r"\s*\((election|row) skipped\)$", "", error)  # the report is refused
        where = f"`{problem.field}`: " if problem.field else ""
        lines.append(f"- {where}{sanitize(error, 200)}")
    return "\n".join(lines)


def validate(doc: dict[str, Any], election: Election) -> ParsedTally:
    """The document through the native parser, as a feed's would go; the tally becomes the
    `report` source's, and keeps the stored election (a report says nothing new about it)."""
    try:
        result = parse(
            FeedFormat.NATIVE, json.dumps(doc).encode(), ParseContext(source_id=REPORT_SOURCE)
        )
    except ParseError as exc:
        raise UserError(f"That report is not valid: {exc}") from None
    if result.problems or len(result.tallies) != 1:
        raise UserError("That report is not valid:\n" + problems_text(result.problems))
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
            f"`{election.id}` has no published tally yet, so I don't know its ballot. "
            "A feed has to describe it first, or the operator can declare its choices "
            "in the config."
        )
    fallback = published[-1].round if published else declared.round if declared else "initial"
    round_ = (given.round or "").strip().lower() or fallback
    same_round = next((t for t in published if t.round == round_), None)
    if same_round is None and declared is not None and declared.round == round_:
        same_round = _declared_tally(declared)  # its eligible voters and ballots cast
    ballot = same_round or (published[-1] if published else _declared_tally(declared))
    votes = parse_counts(given.counts, [c.name for c in ballot.choices])
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


def recorded_text(election: Election, tally: Tally, posts: int, publisher: str | None) -> str:
    """The confirmation: what was recorded, echoed with the choice names, and what it did."""
    votes = " · ".join(
        f"{sanitize(c.name, _NAME_MAX)} **{number(c.votes)}**" for c in tally.choices
    )
    extras = [f"{number(tally.challenged or 0)} challenged", f"{number(tally.void or 0)} void"]
    text = (
        f"Recorded for `{election.id}` ({round_label(tally.round)}, "
        f"{status_label(tally.status).lower()}): {votes} · {' · '.join(extras)}."
    )
    if publisher is not None and publisher != REPORT_SOURCE:
        text += (
            f"\nThe feed `{publisher}` publishes this round: it is the NLRB's, or it has "
            "counted as many ballots as this report or more, so nothing was posted."
        )
    else:
        text += f"\n{number(posts)} post(s) queued."
    return text
