"""Short translated labels: statuses, rounds, scores, choice names as a language shows them.

Every label is a literal catalogue call (so the catalogue test finds it); feed words that
no catalogue knows (an unusual round name) stay marked as feed text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.models import Choice, Election, Status, Tally
from bot.render.i18n import Translator
from bot.render.rich import Text, feed, fill, flatten, join, plain

NAME_MAX = 100  # feed names are cut to this, so one long name cannot crowd a post out
SHORT_ID_MAX = 6  # ids this short are codes ("jfk8") and open titles upper-cased

_Label = Callable[[Translator], str]

_STATUS: dict[Status, _Label] = {
    Status.SCHEDULED: lambda t: t.pgettext("status", "Scheduled"),
    Status.VOTING: lambda t: t.pgettext("status", "Voting"),
    Status.COUNTING: lambda t: t.pgettext("status", "Counting"),
    Status.PAUSED: lambda t: t.pgettext("status", "Count paused"),
    Status.FINAL: lambda t: t.pgettext("status", "Count complete"),
    Status.CERTIFIED: lambda t: t.pgettext("status", "Certified"),
    Status.OBJECTIONS: lambda t: t.pgettext("status", "Objections filed"),
    Status.RERUN_ORDERED: lambda t: t.pgettext("status", "Rerun ordered"),
    Status.WITHDRAWN: lambda t: t.pgettext("status", "Petition withdrawn"),
    Status.DISMISSED: lambda t: t.pgettext("status", "Petition dismissed"),
}

_ROUNDS: dict[str, _Label] = {
    "initial": lambda t: t.pgettext("round", "Initial tally"),
    "revised": lambda t: t.pgettext("round", "Revised tally"),
    "rerun": lambda t: t.pgettext("round", "Rerun"),
    "runoff": lambda t: t.pgettext("round", "Run-off"),
}
_REVISED_ROUNDS: dict[str, _Label] = {
    "initial": lambda t: t.pgettext("round", "Revised tally"),
    "rerun": lambda t: t.pgettext("round", "Revised rerun"),
    "runoff": lambda t: t.pgettext("round", "Revised run-off"),
}

_FOLD = re.compile(r"[^\w]+")


def status_label(t: Translator, status: Status) -> str:
    """A status as a person says it ("Count paused", "Recuento en pausa")."""
    return _STATUS[status](t)


def round_text(t: Translator, round_: str) -> Text:
    """A round id as a person says it: initial -> "Initial tally", rerun-2 -> "Rerun 2",
    revised-rerun -> "Revised rerun", initial-sd -> "Initial tally (self-determination)".
    Words no catalogue knows are shown as the feed wrote them, capitalised."""
    tokens = [token for token in round_.lower().split("-") if token]
    self_determination = "sd" in tokens
    tokens = [token for token in tokens if token != "sd"]
    ordinal = tokens.pop() if len(tokens) > 1 and tokens[-1].isdigit() else None
    revised = len(tokens) > 1 and tokens[0] == "revised"
    if revised:
        tokens = tokens[1:]
    key = "-".join(tokens) or "initial"
    known = (_REVISED_ROUNDS if revised else _ROUNDS).get(key)
    if known is not None:
        text = plain(known(t))
    else:
        text = feed(" ".join(token.capitalize() for token in tokens), NAME_MAX)
        if revised:
            text = fill(t.pgettext("round", "{round}, revised"), round=text)
    if ordinal:
        text = fill(t.pgettext("round", "{round} {number}"), round=text, number=ordinal)
    if self_determination:
        text = fill(t.pgettext("round", "{round} (self-determination)"), round=text)
    return text


def round_label(t: Translator, round_: str) -> str:
    """`round_text` as one string (for places that take no markup)."""
    return flatten(round_text(t, round_), lambda moment: "")


def score(t: Translator, tally: Tally) -> str:
    """Votes in ballot order joined by en dashes: "1,518–1,154"."""
    if not tally.choices:
        return t.pgettext("score", "no votes")
    return "–".join(t.number(choice.votes) for choice in tally.choices)


def named_score(t: Translator, tally: Tally) -> Text:
    """Each choice with its votes, in ballot order: "Amazon Labor Union 1,518 – No union
    1,154" (the no-union choice as the language shows it)."""
    if not tally.choices:
        return plain(t.pgettext("score", "no votes"))
    template = t.pgettext("score", "{choice} {votes}")
    parts = [
        fill(template, choice=choice_name(t, c), votes=t.number(c.votes)) for c in tally.choices
    ]
    return join(parts, " – ")


def _folded(name: str) -> str:
    return _FOLD.sub(" ", name.casefold()).strip()


def choice_name(t: Translator, choice: Choice) -> Text:
    """A choice's name as the language shows it: as the source writes it, except the
    `against` choice named "no union", which other languages translate ("Sin sindicato");
    JSON keeps the source's name (DESIGN §13)."""
    if t.language != "en" and choice.against and _folded(choice.name) == "no union":
        return plain(t.pgettext("choice", "No union"))
    return feed(choice.name, NAME_MAX)


def name_in(t: Translator, tally: Tally, name: str) -> Text:
    """The display name of the choice called `name` in `tally` (a leader, a winner)."""
    for choice in tally.choices:
        if choice.name == name:
            return choice_name(t, choice)
    return feed(name, NAME_MAX)


def short_name(election: Election) -> str:
    """The name that opens titles: `short_name` when set, else the id upper-cased when it
    has at most 6 characters ("JFK8"), else the name, else the id (DESIGN §6)."""
    if election.short_name and election.short_name.strip():
        return election.short_name
    if len(election.id) <= SHORT_ID_MAX:
        return election.id.upper()
    return election.name or election.id
