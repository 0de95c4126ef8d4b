"""Posts and `/status` answers for one election: one embed each, within Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from bot.core.models import EVENT_PRECEDENCE, Change, Election, Event, Status, Tally
from bot.core.rules import OutcomeKind, Summary, summarize
from bot.render.body import (
    CONTENT_MAX,
    URL_MAX,
    AllowedMentions,
    Embed,
    EmbedAuthor,
    EmbedField,
    EmbedFooter,
    MessageBody,
    fit_limits,
    truncate,
)
from bot.render.format import (
    NAME_MAX,
    NOTE_MAX,
    bar,
    discord_timestamp,
    fraction_percent,
    inert,
    iso_timestamp,
    number,
    percent,
    round_label,
    sanitize,
    score,
    short_name,
    status_label,
)
from bot.render.phrases import (
    challenged_warning,
    headline,
    may_call_result,
    round_summary,
    source_text,
    state_sentence,
    votes_of,
    what_it_takes_sentence,
)

NLRB_CASE_URL = "https://www.nlrb.gov/case/"

COLOUR_SCHEDULED = 0x95A5A6
COLOUR_COUNTING = 0x3498DB
COLOUR_PAUSED = 0xF1C40F
COLOUR_WIN = 0x2ECC71
COLOUR_LOSS = 0xE74C3C
COLOUR_UNDECIDED = 0xE67E22
COLOUR_CORRECTION = 0x9B59B6
COLOUR_CLOSED = 0x7F8C8D

MAX_CHOICE_LINES = 20  # NLRB ballots have a handful; more would crowd the post out

_CLOSED = frozenset({Status.RERUN_ORDERED, Status.WITHDRAWN, Status.DISMISSED})


@dataclass(frozen=True, slots=True, kw_only=True)
class PostView:
    """Everything a post about one (election, round) shows; `now` only stamps the time
    when the tally carries none."""

    election: Election
    tally: Tally  # the published tally now
    events: tuple[Event, ...] = ()
    earlier: tuple[Tally, ...] = ()  # other published rounds, summarised one line each
    mention_role_id: int | None = None
    now: datetime
    previous: Tally | None = None  # tells "count resumed" from a plain status change

    @classmethod
    def from_change(
        cls,
        election: Election,
        change: Change,
        *,
        now: datetime,
        earlier: tuple[Tally, ...] = (),
        mention_role_id: int | None = None,
    ) -> PostView:
        return cls(
            election=election,
            tally=change.current,
            events=change.events,
            earlier=earlier,
            mention_role_id=mention_role_id,
            now=now,
            previous=change.previous,
        )


def allowed_mentions(role_id: int | None) -> AllowedMentions:
    """Nothing may ping except the subscription's own role."""
    if role_id is None:
        return AllowedMentions(parse=[])
    return AllowedMentions(parse=[], roles=[str(role_id)])


def election_link(election: Election, tally: Tally | None = None) -> str | None:
    """The NLRB case page when there is a case number, else the election's or tally's URL."""
    if election.case_number:
        return NLRB_CASE_URL + quote(election.case_number.strip().upper(), safe="-")
    for url in (election.url, tally.url if tally else None):
        if url and _is_plain_url(url):
            return url
    return None


def _is_plain_url(url: str) -> bool:
    """An http(s) URL that Discord takes as an embed link."""
    plain = not any(ch.isspace() for ch in url) and len(url) <= URL_MAX
    return plain and url.startswith(("https://", "http://"))


def colour(tally: Tally, summary: Summary, events: tuple[Event, ...] = ()) -> int:
    """The embed colour for the state of the count."""
    if Event.CORRECTION in events:
        return COLOUR_CORRECTION
    if tally.status in _CLOSED:
        return COLOUR_CLOSED
    if tally.status in (Status.SCHEDULED, Status.VOTING):
        return COLOUR_SCHEDULED
    if may_call_result(tally, summary):
        if summary.outcome.kind is OutcomeKind.UNION_WINS:
            return COLOUR_WIN
        if summary.outcome.kind is OutcomeKind.NO_REPRESENTATIVE:
            return COLOUR_LOSS
        return COLOUR_UNDECIDED
    if tally.status.is_final_or_later or summary.challenges_determinative:
        return COLOUR_UNDECIDED
    if tally.status is Status.PAUSED:
        return COLOUR_PAUSED
    return COLOUR_COUNTING


def render_post(post: PostView) -> MessageBody:
    """The message for one post: a short content line (the role mention first when the
    subscription has one) and one embed titled by the highest-precedence event."""
    tally = post.tally
    summary = summarize(tally)
    title = f"{sanitize(short_name(post.election))}: " + headline(
        post.events, tally, summary, post.previous
    )
    embed = tally_embed(
        post.election, tally, summary, title=title, earlier=post.earlier, now=post.now
    )
    embed["color"] = colour(tally, summary, post.events)
    content = title
    title_event = min(post.events, key=EVENT_PRECEDENCE.index) if post.events else None
    if title_event is not Event.COUNT_UPDATED and tally.choices:
        content += " · " + score(votes_of(tally))
    if tally.source_kind.is_unofficial:
        content += " · unofficial"
    if post.mention_role_id is not None:
        content = f"<@&{post.mention_role_id}> {content}"
    body = MessageBody(
        content=content,
        embeds=[embed],
        allowed_mentions=allowed_mentions(post.mention_role_id),
    )
    return fit_limits(body)


def render_status(
    election: Election,
    tallies: Sequence[Tally],
    now: datetime,
    *,
    round_: str | None = None,
) -> MessageBody:
    """The `/status` answer: one round in full (the latest, last in `tallies`, unless
    `round_` names another), the other rounds summarised one line each."""
    if not tallies:
        embed = Embed(
            title=f"{sanitize(short_name(election))}: no published tally yet",
            description=_name_line(election) or "Nothing has been counted for it yet.",
            color=COLOUR_SCHEDULED,
        )
        link = election_link(election)
        if link:
            embed["url"] = link
        return fit_limits(
            MessageBody(content="", embeds=[embed], allowed_mentions=allowed_mentions(None))
        )
    shown = next((t for t in tallies if t.round == round_), tallies[-1])
    earlier = tuple(t for t in tallies if t is not shown)
    summary = summarize(shown)
    title = f"{sanitize(short_name(election))}: " + headline((), shown, summary, None)
    embed = tally_embed(election, shown, summary, title=title, earlier=earlier, now=now)
    embed["color"] = colour(shown, summary)
    body = MessageBody(content="", embeds=[embed], allowed_mentions=allowed_mentions(None))
    return fit_limits(body)


def tally_embed(
    election: Election,
    tally: Tally,
    summary: Summary,
    *,
    title: str,
    earlier: Sequence[Tally] = (),
    now: datetime,
) -> Embed:
    """The embed of one round: state, choices with bars, warnings, fields, source."""
    moment = tally.updated_at or now
    author = f"{round_label(tally.round)} · {status_label(tally.status)}"
    if election.name:
        author += f" · {truncate(election.name, NAME_MAX)}"
    embed = Embed(
        title=title,
        description=_description(tally, summary, moment),
        author=EmbedAuthor(name=inert(author)),
        fields=_fields(election, tally, summary, earlier),
        footer=EmbedFooter(text=inert("Source: " + source_text(tally))),
        timestamp=iso_timestamp(moment),
    )
    link = election_link(election, tally)
    if link:
        embed["url"] = link
        embed["author"]["url"] = link
    return embed


def _name_line(election: Election) -> str:
    return f"**{sanitize(election.name, NAME_MAX)}**" if election.name else ""


def _description(tally: Tally, summary: Summary, moment: datetime) -> str:
    lines = [state_sentence(tally, summary)]
    for line in (challenged_warning(tally, summary), what_it_takes_sentence(summary)):
        if line:
            lines.append(line)
    if tally.choices:
        lines.append("")
        lines.extend(_choice_lines(tally, summary.valid))
    lines.append("")
    lines.append(f"Updated {discord_timestamp(moment)}")
    if tally.note:
        lines.append(f"Note: {sanitize(tally.note, NOTE_MAX)}")
    return "\n".join(lines)


def _choice_lines(tally: Tally, valid: int) -> list[str]:
    """Ballot order, so a choice keeps its place from one post to the next."""
    lines = []
    for choice in tally.choices[:MAX_CHOICE_LINES]:
        share = choice.votes / valid if valid else 0.0
        lines.append(
            f"`{bar(share)}` **{sanitize(choice.name, NAME_MAX)}** {number(choice.votes)}"
            f" ({percent(choice.votes, valid)})"
        )
    hidden = len(tally.choices) - MAX_CHOICE_LINES
    if hidden > 0:
        lines.append(f"… and {number(hidden)} more choices")
    return lines


def _fields(
    election: Election, tally: Tally, summary: Summary, earlier: Sequence[Tally]
) -> list[EmbedField]:
    """Most important first: `fit_limits` drops from the end."""
    fields: list[EmbedField] = []

    def add(name: str, value: str, inline: bool = True) -> None:
        fields.append(EmbedField(name=name, value=value, inline=inline))

    if summary.valid > 0:
        add("Margin", "tied" if summary.leader is None else number(summary.margin))
    if tally.challenged is not None:
        value = number(tally.challenged)
        if summary.challenges_determinative and tally.challenged:
            value += " ⚠️ determinative"
        add("Challenged", value)
    if summary.remaining is not None:
        add("Remaining", number(summary.remaining))
    if tally.void is not None:
        add("Void", number(tally.void))
    add("Valid votes", number(summary.valid))
    counted = summary.valid + (tally.void or 0) + (tally.challenged or 0)
    add("Counted", number(counted))
    if tally.ballots_cast is not None:
        add("Ballots cast", number(tally.ballots_cast))
    if tally.eligible_voters is not None:
        add("Eligible", number(tally.eligible_voters))
    if summary.turnout is not None:
        add("Turnout", fraction_percent(summary.turnout))
    if election.case_number:
        case = sanitize(election.case_number, NAME_MAX)
        link = election_link(election, tally)
        add("Case", f"[{case}]({link})" if link else case)
    if earlier:
        lines = [round_summary(t, summarize(t)) for t in earlier]
        add("Earlier rounds", "\n".join(lines), inline=False)
    return fields


def with_mention(body: MessageBody, role_id: int | None) -> MessageBody:
    """A copy of `body` that pings `role_id` (and nothing else): the mention opens the
    content and is the only role allowed_mentions lets through. Cheap: one body serves a
    whole fan-out, and each subscription adds its own role."""
    if role_id is None:
        return body
    content = f"<@&{role_id}> {body['content']}".strip()
    return MessageBody(
        content=truncate(content, CONTENT_MAX),
        embeds=body["embeds"],
        allowed_mentions=allowed_mentions(role_id),
    )
