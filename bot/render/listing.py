"""The `/elections` answer: one page of election ids, names and latest status, translated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.models import DEFAULT_LANGUAGE, Election, Tally
from bot.render.body import Embed, EmbedFooter, MessageBody, fit_limits
from bot.render.i18n import Translator, translator
from bot.render.labels import round_text, score, status_label
from bot.render.messages import COLOUR_COUNTING, allowed_mentions, flat, markdown
from bot.render.rich import Code, Text, feed, fill, plain, strong

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
    language: str = DEFAULT_LANGUAGE,
) -> MessageBody:
    """Page `page` (1-based, clamped) of `entries`, in the order given."""
    t = translator(language)
    pages = page_count(len(entries), per_page)
    page = min(max(1, page), pages)
    start = (page - 1) * max(1, per_page)
    shown = entries[start : start + max(1, per_page)]
    wanted = feed(query, _NAME_MAX) if query else ()
    if wanted:
        title = fill(t.gettext("Elections matching “{query}”"), query=wanted)
    else:
        title = plain(t.gettext("Elections"))
    if shown:
        description = "\n".join(_line(t, entry) for entry in shown)
    elif wanted:
        description = markdown(fill(t.gettext("No election matches “{query}”."), query=wanted))
    else:
        description = t.gettext("No elections are followed yet.")
    template = t.ngettext(
        "Page {page} of {pages} · {count} election",
        "Page {page} of {pages} · {count} elections",
        len(entries),
    )
    footer = fill(
        template, page=t.number(page), pages=t.number(pages), count=t.number(len(entries))
    )
    embed = Embed(
        title=markdown(title),
        description=description,
        color=COLOUR_COUNTING,
        footer=EmbedFooter(text=flat(footer, language)),
    )
    body = MessageBody(content="", embeds=[embed], allowed_mentions=allowed_mentions(None))
    return fit_limits(body)


def _line(t: Translator, entry: ElectionEntry) -> str:
    election, latest = entry.election, entry.latest
    ident = Code(election.id)
    name: Text = strong(feed(election.name, _NAME_MAX)) if election.name else ()
    if latest is None:
        if name:
            template = t.gettext("{id} {name} — no tally yet")
        else:
            template = t.gettext("{id} — no tally yet")
        return markdown(fill(template, id=ident, name=name))
    if name:
        template = t.gettext("{id} {name} — {round}, {status}: {score}")
    else:
        template = t.gettext("{id} — {round}, {status}: {score}")
    line = fill(
        template,
        id=ident,
        name=name,
        round=round_text(t, latest.round),
        status=status_label(t, latest.status).lower(),
        score=score(t, latest),
    )
    return markdown(line)
