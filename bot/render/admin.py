"""The `/subscriptions` and `/feeds` answers, translated: neutral rows in (the cogs build them
from the store and the scheduler), one embed out, within Discord's limits, pinging nobody."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from babel import Locale

from bot.core.models import DEFAULT_LANGUAGE, RESERVED_ID, Level, SubscriptionMode
from bot.render.body import Embed, EmbedField, EmbedFooter, MessageBody, fit_limits
from bot.render.i18n import Translator, translator
from bot.render.labels import round_label
from bot.render.messages import (
    COLOUR_COUNTING,
    COLOUR_LOSS,
    COLOUR_PAUSED,
    allowed_mentions,
    flat,
    markdown,
)
from bot.render.rich import Code, Link, Moment, Plain, Text, feed, fill, join, plain, strong

MAX_LISTED = 40  # lines of /subscriptions; the rest is counted
MAX_FEEDS = 25  # one field per feed, Discord's field limit
REASON_MAX = 200
ERROR_MAX = 300
WARNING, OK, WAITING, BULLET = "⚠️", "✅", "⏳", "•"


@dataclass(frozen=True, slots=True)
class LiveMessage:
    """A live message of a subscription: its round and the message's jump URL."""

    round: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionRow:
    """One subscription as /subscriptions lists it. `kind`: channel, webhook or dm."""

    kind: str
    target_id: int
    election_id: str  # an election id, or "all"
    level: Level
    mode: SubscriptionMode = SubscriptionMode.POST
    language: str | None = None
    mention_role_id: int | None = None
    static: bool = False
    disabled: bool = False
    disabled_reason: str | None = None
    disabled_at: datetime | None = None
    live_messages: tuple[LiveMessage, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedRow:
    """One configured feed's health. `polled`: the store holds a state for it."""

    feed_id: str
    format: str
    interval: str  # as the config writes it ("15s", "10m")
    polled: bool = False
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0
    next_attempt_at: datetime | None = None  # a backoff's next try
    next_poll: datetime | None = None  # the scheduler's next run
    tallies: int = 0
    problems: tuple[str, ...] = ()  # the last document's first problems, as the poller put them
    problem_count: int = 0

    @property
    def failing(self) -> bool:
        return self.failures > 0


def level_name(t: Translator, level: Level) -> str:
    return {
        Level.ALL: t.pgettext("level", "all"),
        Level.MAJOR: t.pgettext("level", "major"),
        Level.FINAL: t.pgettext("level", "final"),
    }[level]


def language_name(t: Translator, language: str) -> str:
    """A language named in the reader's language ("español", "inglés")."""
    return str(Locale.parse(language).get_display_name(t.locale) or language)


def target_text(t: Translator, row: SubscriptionRow) -> Text:
    if row.kind == "channel":
        return plain(f"<#{row.target_id}>")
    if row.kind == "webhook":
        return fill(t.pgettext("target", "webhook {id}"), id=Code(str(row.target_id)))
    return fill(t.pgettext("target", "DMs to {user}"), user=f"<@{row.target_id}>")


def subscription_line(t: Translator, row: SubscriptionRow) -> str:
    """One /subscriptions line: target, election, level, mode and the rest; a disabled one
    says when and why; a live one links its live messages."""
    if row.election_id == RESERVED_ID:
        election: Text = plain(t.pgettext("subscription", "every election"))
    else:
        election = (Code(row.election_id),)
    parts = [
        fill(
            t.pgettext("subscription", "{target} → {election} · level {level}"),
            target=target_text(t, row),
            election=election,
            level=level_name(t, row.level),
        )
    ]
    if row.mode is SubscriptionMode.LIVE:
        parts.append(plain(t.pgettext("subscription", "live message")))
    else:
        parts.append(plain(t.pgettext("subscription", "posts")))
    if row.language:
        parts.append(plain(language_name(t, row.language)))
    if row.mention_role_id is not None:
        role = f"<@&{row.mention_role_id}>"
        parts.append(fill(t.pgettext("subscription", "pings {role}"), role=role))
    if row.static:
        parts.append(plain(t.pgettext("subscription", "set in the config file")))
    lines = [markdown(join(parts, " · "))]
    if row.live_messages:
        links = [(Link(plain(round_label(t, m.round)), m.url),) for m in row.live_messages]
        template = t.pgettext("subscription", "Live messages: {links}")
        lines.append("  " + markdown(fill(template, links=join(links, ", "))))
    if row.disabled:
        reason = feed(row.disabled_reason or t.gettext("no reason recorded"), REASON_MAX)
        if row.disabled_at is not None:
            template = t.pgettext("subscription", "Disabled {when}: {reason}")
            text = fill(template, when=Moment(row.disabled_at), reason=reason)
        else:
            text = fill(t.pgettext("subscription", "Disabled: {reason}"), reason=reason)
        lines.append(f"  {WARNING} " + markdown(strong(text)))
    return "\n".join(lines)


def render_subscriptions(
    rows: Sequence[SubscriptionRow], *, language: str = DEFAULT_LANGUAGE
) -> MessageBody:
    """The /subscriptions answer: every subscription of the server, disabled ones first."""
    t = translator(language)
    ordered = sorted(rows, key=lambda r: (not r.disabled, r.kind, r.target_id, r.election_id))
    disabled = sum(1 for r in rows if r.disabled)
    lines = [subscription_line(t, row) for row in ordered[:MAX_LISTED]]
    hidden = len(ordered) - MAX_LISTED
    if hidden > 0:
        template = t.ngettext("… and {count} more", "… and {count} more", hidden)
        lines.append(template.format(count=t.number(hidden)))
    if disabled:
        template = t.ngettext(
            "Subscriptions in this server: {count}, {disabled} disabled",
            "Subscriptions in this server: {count}, {disabled} disabled",
            disabled,
        )
    else:
        template = t.gettext("Subscriptions in this server: {count}")
    title = template.format(count=t.number(len(rows)), disabled=t.number(disabled))
    command = (Code("/" + (t.find("command name", "subscribe") or "subscribe")),)
    empty = fill(t.gettext("None yet. Use {command} to follow an election here."), command=command)
    footer = fill(
        t.gettext("A disabled subscription gets no posts: fix the cause, then {command} again."),
        command=command,
    )
    embed = Embed(
        title=title,
        description="\n".join(lines) or markdown(empty),
        color=COLOUR_PAUSED if disabled else COLOUR_COUNTING,
        footer=EmbedFooter(text=flat(footer, language)),
    )
    return fit_limits(MessageBody(content="", embeds=[embed], allowed_mentions=allowed_mentions()))


def _after(first: datetime | None, second: datetime | None) -> bool:
    """Whether `first` is known and later than `second` (or `second` is unknown)."""
    if first is None:
        return False
    return second is None or first.timestamp() > second.timestamp()


def feed_lines(t: Translator, row: FeedRow, now: datetime) -> list[Text]:
    """The lines of one feed's field."""
    if not row.polled:
        return [fill(t.gettext("{mark} not polled yet"), mark=WAITING), *_next(t, row, now)]
    lines: list[Text] = []
    if row.last_success_at is not None:
        template = t.gettext("{mark} last success {when}")
        lines.append(fill(template, mark=OK, when=Moment(row.last_success_at)))
    else:
        lines.append(plain(t.gettext("never fetched successfully")))
    if row.last_error is not None:
        error = feed(row.last_error, ERROR_MAX)
        when: Moment | Plain = (
            Moment(row.last_error_at) if row.last_error_at else Plain(t.gettext("earlier"))
        )
        if row.failures and _after(row.last_error_at, row.last_success_at):
            template = t.ngettext(
                "{mark} failing ({count} in a row), last {when}: {error}",
                "{mark} failing ({count} in a row), last {when}: {error}",
                row.failures,
            )
            values = {"mark": WARNING, "count": t.number(row.failures)}
            lines.append(fill(template, when=when, error=error, **values))
        else:
            template = t.gettext("last error {when} (recovered since): {error}")
            lines.append(fill(template, when=when, error=error))
    return lines + _problems(t, row) + _next(t, row, now)


def _problems(t: Translator, row: FeedRow) -> list[Text]:
    """The last document's problems: how many, and the first few."""
    if not row.problem_count:
        return []
    template = t.ngettext(
        "{mark} {count} problem in the last document:",
        "{mark} {count} problems in the last document:",
        row.problem_count,
    )
    lines: list[Text] = [fill(template, mark=WARNING, count=t.number(row.problem_count))]
    lines.extend(fill("- {problem}", problem=feed(p, ERROR_MAX)) for p in row.problems[:3])
    return lines


def _next(t: Translator, row: FeedRow, now: datetime) -> list[Text]:
    if row.next_attempt_at is not None and _after(row.next_attempt_at, now):
        lines = [fill(t.gettext("backing off: next try {when}"), when=Moment(row.next_attempt_at))]
    elif row.next_poll is not None:
        lines = [fill(t.gettext("next poll {when}"), when=Moment(row.next_poll))]
    else:
        lines = [plain(t.gettext("not scheduled (the pipeline is not running)"))]
    template = t.ngettext(
        "{count} tally held (election rounds)",
        "{count} tallies held (election rounds)",
        row.tallies,
    )
    return [*lines, fill(template, count=t.number(row.tallies))]


def render_feeds(
    feeds: Sequence[FeedRow],
    other_sources: Mapping[str, int],
    now: datetime,
    *,
    language: str = DEFAULT_LANGUAGE,
) -> MessageBody:
    """The /feeds answer; `other_sources` are sources holding tallies that are not
    configured feeds (`report`, feeds removed from config), with how many."""
    t = translator(language)
    fields = []
    for row in feeds[:MAX_FEEDS]:
        template = t.gettext("{mark} {feed} · {format} · every {interval}")
        name = fill(
            template,
            mark=WARNING if row.failing else BULLET,
            feed=feed(row.feed_id),
            format=row.format,
            interval=row.interval,
        )
        value = "\n".join(markdown(line) for line in feed_lines(t, row, now))
        fields.append(EmbedField(name=markdown(name), value=value, inline=False))
    failing = sum(1 for row in feeds if row.failing)
    template = t.ngettext(
        "{count} feed configured, {failing} failing.",
        "{count} feeds configured, {failing} failing.",
        len(feeds),
    )
    lines = [template.format(count=t.number(len(feeds)), failing=t.number(failing))]
    if len(feeds) > MAX_FEEDS:
        lines.append(
            t.gettext("Only the first {count} are shown.").format(count=t.number(MAX_FEEDS))
        )
    if other_sources:
        held = [
            fill(t.gettext("{source} ({count})"), source=Code(s), count=t.number(n))
            for s, n in sorted(other_sources.items())
        ]
        text = fill(
            t.gettext("Other sources holding tallies: {sources}."), sources=join(held, ", ")
        )
        lines.append(markdown(text))
    colour = COLOUR_COUNTING
    if failing:
        colour = COLOUR_LOSS if failing == len(feeds) else COLOUR_PAUSED
    embed = Embed(
        title=t.gettext("Feed health"), description="\n".join(lines), color=colour, fields=fields
    )
    return fit_limits(MessageBody(content="", embeds=[embed], allowed_mentions=allowed_mentions()))
