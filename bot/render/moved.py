"""What moved between the tally a post was computed from and the tally it carries (DESIGN §5,
"every post says what moved"): per choice, challenged and void; old → new on a correction.
Choices are paired with `bot.core.diff.match_choices`, so sources that name the options
differently ("No union" / "Votes against", a union in capitals) still match."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.diff import match_choices
from bot.core.models import Choice, Tally
from bot.core.rules import is_single_union
from bot.render.i18n import Translator
from bot.render.labels import choice_name, status_label
from bot.render.rich import Moment, Text, TimeStyle, fill, join, plain

SEPARATOR = " · "
MAX_ITEMS = 8  # a ballot of many choices: the line names the first ones and counts the rest


class MovementKind(StrEnum):
    CHOICE = "choice"
    CHALLENGED = "challenged"
    VOID = "void"


@dataclass(frozen=True, slots=True)
class Movement:
    """One figure that moved: `text` is "Amazon Labor Union +692" (or "… 2,210 → 2,201")."""

    kind: MovementKind
    old: int
    new: int
    text: Text
    name: Text = ()  # the choice's display name; empty for challenged and void


@dataclass(frozen=True, slots=True)
class Moved:
    """What moved, as one sentence (`line`) and item by item."""

    line: Text
    items: tuple[Movement, ...]
    correction: bool


def paired_choices(previous: Tally, current: Tally) -> list[tuple[Choice, int, int]]:
    """(choice, old votes, new votes) for every option on either side, in the current
    ballot's order, then options that are gone (named as they were)."""
    old, new = previous.choices, current.choices
    if is_single_union(old) and is_single_union(new):
        # Matched by role (the union, "no union"), in the current ballot's order.
        pairs = match_choices(old, new)
        return [(c, before, after) for c, (before, after) in zip(new, pairs, strict=True)]
    result: list[tuple[Choice, int, int]] = []
    unmatched = list(old)
    for choice in new:
        twin = next((o for o in unmatched if _same_option(o, choice)), None)
        if twin is not None:
            unmatched.remove(twin)
        result.append((choice, twin.votes if twin else 0, choice.votes))
    result.extend((gone, gone.votes, 0) for gone in unmatched)
    return result


def _same_option(old: Choice, new: Choice) -> bool:
    """`match_choices` pairs the two into one (old, new) pair only when they are one option."""
    return len(match_choices((old,), (new,))) == 1


def movements(
    t: Translator, previous: Tally, current: Tally, *, correction: bool
) -> tuple[Movement, ...]:
    """Every figure that differs, with its text for the language."""
    items: list[Movement] = []
    for choice, before, after in paired_choices(previous, current):
        if before != after:
            name = choice_name(t, choice)
            if correction:
                template = t.pgettext("moved", "{name} {old} → {new}")
            else:
                template = t.pgettext("moved", "{name} {change}")
            text = _filled(t, template, before, after, name=name)
            items.append(Movement(MovementKind.CHOICE, before, after, text, name))
    for kind, before, after in (
        (MovementKind.CHALLENGED, previous.challenged or 0, current.challenged or 0),
        (MovementKind.VOID, previous.void or 0, current.void or 0),
    ):
        if before == after:
            continue
        if kind is MovementKind.CHALLENGED:
            template = (
                t.pgettext("moved", "challenged {old} → {new}")
                if correction
                else t.pgettext("moved", "challenged {change}")
            )
        else:
            template = (
                t.pgettext("moved", "void {old} → {new}")
                if correction
                else t.pgettext("moved", "void {change}")
            )
        items.append(Movement(kind, before, after, _filled(t, template, before, after)))
    return tuple(items)


def _filled(t: Translator, template: str, before: int, after: int, **names: Text) -> Text:
    values = {
        "old": t.number(before),
        "new": t.number(after),
        "change": t.signed(after - before),
    }
    return fill(template, **values, **names)


def _changes(t: Translator, items: tuple[Movement, ...]) -> Text:
    """The items joined, at most MAX_ITEMS of them and a count of the others."""
    changes = join((item.text for item in items[:MAX_ITEMS]), SEPARATOR)
    hidden = len(items) - MAX_ITEMS
    if hidden <= 0:
        return changes
    template = t.ngettext("{changes} · and {count} more", "{changes} · and {count} more", hidden)
    return fill(template, changes=changes, count=t.number(hidden))


def moved_for_post(
    t: Translator, previous: Tally | None, current: Tally, *, correction: bool
) -> Moved | None:
    """ "Since the last post: Amazon Labor Union +692 · No union +635"; None for the
    first post of a round (there is no earlier state: the figures say it all)."""
    if previous is None:
        return None
    items = movements(t, previous, current, correction=correction)
    if not items:
        line = plain(t.gettext("Counts unchanged since the last post."))
        return Moved(line, items, correction)
    changes = _changes(t, items)
    if correction:
        template = t.gettext("Corrected since the last post: {changes}")
    else:
        template = t.gettext("Since the last post: {changes}")
    return Moved(fill(template, changes=changes), items, correction)


def moved_for_live(
    t: Translator,
    previous: Tally | None,
    current: Tally,
    *,
    correction: bool,
    at: datetime | None,
) -> Moved | None:
    """The live message's last change: "Last batch: ALU +692 · No union +635, 14:05", or
    the status it moved to when no figure moved ("Last change: Count paused, 14:05")."""
    if previous is None:
        return None
    items = movements(t, previous, current, correction=correction)
    if not items:
        if previous.status == current.status:
            return None
        status = status_label(t, current.status)
        if at is None:
            return Moved(fill(t.gettext("Last change: {status}"), status=status), items, False)
        template = t.gettext("Last change: {status}, {time}")
        line = fill(template, status=status, time=Moment(at, TimeStyle.TIME))
        return Moved(line, items, False)
    changes = _changes(t, items)
    if at is None:
        if correction:
            template = t.gettext("Last change, a correction: {changes}")
        else:
            template = t.gettext("Last batch: {changes}")
        return Moved(fill(template, changes=changes), items, correction)
    when = Moment(at, TimeStyle.TIME)
    if correction:
        template = t.gettext("Last change, a correction: {changes}, {time}")
    else:
        template = t.gettext("Last batch: {changes}, {time}")
    return Moved(fill(template, changes=changes, time=when), items, correction)
