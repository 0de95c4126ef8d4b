"""Election lookups for the commands: ids and aliases to elections, closest suggestions,
autocomplete choices, and the store reads behind /status, /elections and /history."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.core.models import DEFAULT_LANGUAGE, Election, Tally
from bot.discord.cogs.errors import UnknownElection, UserError, code
from bot.render.body import MessageBody
from bot.render.i18n import translator
from bot.render.listing import PER_PAGE, ElectionEntry, page_count, render_elections_page
from bot.render.messages import render_status
from bot.render.said import Listed, said
from bot.store import ALL_ELECTIONS, UnitOfWork

MAX_CHOICES = 25  # Discord's limit on autocomplete choices
CHOICE_TEXT_MAX = 100  # and on a choice's name and value
SUGGESTIONS = 5
_CUTOFF = 0.6  # difflib ratio below which a key is not "close"

HistoryPoints = dict[str, list[tuple[datetime, Tally]]]


async def resolve(uow: UnitOfWork, text: str) -> Election:
    """The election whose id or alias is `text`, else the one election of that exact name
    (case-insensitive: typed without picking from the list), else UnknownElection with the
    closest ids."""
    if not text.strip():
        raise UnknownElection(text, [])
    election = await uow.elections.get(text)
    if election is None:
        wanted = text.strip().casefold()
        named = [e for e in await uow.elections.search(text) if (e.name or "").casefold() == wanted]
        if len(named) == 1:
            return named[0]
        raise UnknownElection(text, await suggest(uow, text))
    return election


async def resolve_target(uow: UnitOfWork, text: str) -> str:
    """An election id for a subscription: an id, an alias, or `all`."""
    if text.strip().lower() == ALL_ELECTIONS:
        return ALL_ELECTIONS
    return (await resolve(uow, text)).id


async def suggest(uow: UnitOfWork, text: str, limit: int = SUGGESTIONS) -> list[str]:
    """The ids closest to `text`: those containing it first (the store's search), then the
    closest by spelling over ids, aliases and names (difflib)."""
    needle = text.strip().lower()
    if not needle:
        return []
    found = [e.id for e in await uow.elections.search(needle, limit)]
    if len(found) < limit:
        found.extend(closest(needle, await uow.elections.list_all(), limit))
    return list(dict.fromkeys(found))[:limit]


def closest(text: str, elections: Iterable[Election], limit: int = SUGGESTIONS) -> list[str]:
    """Ids of the elections whose id, alias or name is spelled closest to `text`."""
    keys: dict[str, str] = {}
    for election in elections:
        for key in (election.id, *election.aliases, (election.name or "").lower()):
            if key:
                keys.setdefault(key, election.id)
    matches = difflib.get_close_matches(text.lower(), list(keys), n=limit * 3, cutoff=_CUTOFF)
    return list(dict.fromkeys(keys[m] for m in matches))[:limit]


def choice_label(election: Election) -> str:
    """What an autocomplete choice shows: the id, and the name when there is one."""
    label = election.id
    if election.name:
        label += f" — {election.name}"
    return label if len(label) <= CHOICE_TEXT_MAX else label[: CHOICE_TEXT_MAX - 1] + "…"


async def election_choices(
    uow: UnitOfWork, current: str, *, with_all: bool = False, language: str = DEFAULT_LANGUAGE
) -> list[tuple[str, str]]:
    """Autocomplete (label, id) pairs for what was typed: ids, aliases, names and case
    numbers (≤ 25); `all` first when subscriptions may take it (labelled in `language`)."""
    pairs: list[tuple[str, str]] = []
    needle = current.strip().lower()
    if with_all and ALL_ELECTIONS.startswith(needle):
        label = translator(language).pgettext("choice", "all — every election")
        pairs.append((label, ALL_ELECTIONS))
    for election in await uow.elections.search(needle, MAX_CHOICES - len(pairs)):
        if len(election.id) <= CHOICE_TEXT_MAX:
            pairs.append((choice_label(election), election.id))
    return pairs[:MAX_CHOICES]


async def published_tallies(uow: UnitOfWork, election_id: str) -> list[Tally]:
    """Every published round of an election, first published first."""
    return [p.tally for p in await uow.published.rounds(election_id)]


async def round_choices(uow: UnitOfWork, election_text: str, current: str) -> list[str]:
    """Autocomplete for a `round` option: the published rounds of the chosen election,
    latest first, containing what was typed."""
    found = await uow.elections.get(election_text) if election_text.strip() else None
    if found is None:
        return []
    needle = current.strip().lower()
    rounds = [t.round for t in reversed(await published_tallies(uow, found.id))]
    return [r for r in rounds if needle in r][:MAX_CHOICES]


def pick_round(tallies: Sequence[Tally], round_: str | None) -> str | None:
    """`round_` normalised, checked against the published rounds (None: the latest)."""
    if round_ is None or not round_.strip():
        return None
    wanted = round_.strip().lower()
    known = [t.round for t in tallies]
    if wanted not in known:
        if known:
            listed = Listed(tuple(code(r) for r in known))
            message = said(
                "There is no published round {round}. Rounds: {rounds}.",
                round=code(wanted, 40),
                rounds=listed,
            )
        else:
            message = said(
                "There is no published round {round}: nothing is published yet.",
                round=code(wanted, 40),
            )
        raise UserError(message)
    return wanted


async def status_body(
    uow: UnitOfWork,
    text: str,
    round_: str | None,
    now: datetime,
    language: str = DEFAULT_LANGUAGE,
) -> MessageBody:
    """The /status answer in `language`, from the store only: the latest round (or
    `round_`) in full, earlier rounds summarised."""
    election = await resolve(uow, text)
    tallies = await published_tallies(uow, election.id)
    chosen = pick_round(tallies, round_)
    return render_status(election, tallies, now, round_=chosen, language=language)


def matches(election: Election, needle: str) -> int | None:
    """How well an election matches a /elections filter (lower is better), None if not."""
    fields = [election.id, *election.aliases]
    if needle in fields:
        return 0
    if any(f.startswith(needle) for f in fields):
        return 1
    texts = [*fields, (election.name or "").lower(), (election.case_number or "").lower()]
    if any(needle in t for t in texts):
        return 2
    return None


async def listing_body(
    uow: UnitOfWork, query: str | None, page: int, language: str = DEFAULT_LANGUAGE
) -> MessageBody:
    """One page of /elections in `language`, filtered by id, alias, name or case number;
    only the shown page's elections are looked up for their latest tally."""
    elections = await uow.elections.list_all()
    needle = (query or "").strip().lower()
    if needle:
        ranked = [(matches(e, needle), e.id, e) for e in elections]
        elections = [e for rank, _, e in sorted(r for r in ranked if r[0] is not None)]
    page = min(max(1, page), page_count(len(elections), PER_PAGE))
    start = (page - 1) * PER_PAGE
    entries = [ElectionEntry(e) for e in elections]
    for index in range(start, min(start + PER_PAGE, len(entries))):
        tallies = await published_tallies(uow, entries[index].election.id)
        entries[index] = ElectionEntry(entries[index].election, tallies[-1] if tallies else None)
    return render_elections_page(
        entries, page=page, per_page=PER_PAGE, query=needle or None, language=language
    )


async def history_points(uow: UnitOfWork, election_id: str) -> HistoryPoints:
    """Each published round's reports over time, for the chart: the source's own time when
    it gives one, else when the bot saw the report."""
    series = await uow.tallies.history(election_id)
    return {
        round_: [(item.tally.updated_at or item.seen_at, item.tally) for item in items]
        for round_, items in series.items()
    }
