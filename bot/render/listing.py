"""The `/elections` answer: one page of election ids, names and latest status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.models import Election, Tally
from bot.render.body import Embed, EmbedFooter, MessageBody, fit_limits
from bot.render.format import inert, number, round_label, sanitize, score, status_label
from bot.render.messages import COLOUR_COUNTING, allowed_mentions

PER_PAGE = 10
_NAME_MAX = 80  # a listing line stays on one line on a phone


@dataclass(frozen=True, slots=True)
class ElectionEntry:
    """One election and its latest published tally (None before any count)."""

    election: Election
    latest: Tally | None = None


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    """How many pages `total` entries fill; at least one, so an empty list has a page."""
    return max(1, -(-total // max(1, per_page)))


def render_elections_page(
    entries: Sequence[ElectionEntry],
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    query: str | None = None,
) -> MessageBody:
    """Page `page` (1-based, clamped) of `entries`, in the order given."""
    pages = page_count(len(entries), per_page)
    page = min(max(1, page), pages)
    start = (page - 1) * max(1, per_page)
    shown = entries[start : start + max(1, per_page)]
    title = "Elections"
    if query:
        title += f" matching “{sanitize(query, _NAME_MAX)}”"
    if shown:
        description = "\n".join(_line(entry) for entry in shown)
    elif query:
        description = f"No election matches “{sanitize(query, _NAME_MAX)}”."
    else:
        description = "No elections are followed yet."
    footer = f"Page {page} of {pages} · {number(len(entries))} elections"
    embed = Embed(
        title=title,
        description=description,
        color=COLOUR_COUNTING,
        footer=EmbedFooter(text=inert(footer)),
    )
    body = MessageBody(content="", embeds=[embed], allowed_mentions=allowed_mentions(None))
    return fit_limits(body)


def _line(entry: ElectionEntry) -> str:
    election, latest = entry.election, entry.latest
    line = "`" + election.id.replace("`", "'") + "`"  # inside code, escapes would show
    if election.name:
        line += f" **{sanitize(election.name, _NAME_MAX)}**"
    if latest is None:
        return line + " — no tally yet"
    votes = tuple(c.votes for c in latest.choices)
    state = f"{round_label(latest.round)}, {status_label(latest.status).lower()}"
    return line + f" — {state}: {score(votes)}"
