"""The Discord adapter: posts, live messages and `/status` answers as message bodies (one
embed each, within every limit), written from the view model. Feed text is made inert and
escaped here; `allowed_mentions` is always explicit and allows at most the given role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.models import Election, Event, Post, Tally
from bot.render.body import (
    CONTENT_MAX,
    AllowedMentions,
    Embed,
    EmbedAuthor,
    EmbedField,
    EmbedFooter,
    MessageBody,
    fit_limits,
    truncate,
)
from bot.render.format import bar, discord_timestamp, inert, iso_timestamp, sanitize
from bot.render.i18n import translator
from bot.render.labels import short_name
from bot.render.rich import Code, Feed, Link, Moment, Plain, Strong, Text, feed, fill
from bot.render.view import (
    SHORT_NAME_MAX,
    RenderMode,
    Tone,
    View,
    election_link,
    post_view,
    status_view,
)

COLOUR_SCHEDULED = 0x95A5A6
COLOUR_COUNTING = 0x3498DB
COLOUR_PAUSED = 0xF1C40F
COLOUR_WIN = 0x2ECC71
COLOUR_LOSS = 0xE74C3C
COLOUR_UNDECIDED = 0xE67E22
COLOUR_CORRECTION = 0x9B59B6
COLOUR_CLOSED = 0x7F8C8D

COLOURS: dict[Tone, int] = {
    Tone.SCHEDULED: COLOUR_SCHEDULED,
    Tone.COUNTING: COLOUR_COUNTING,
    Tone.PAUSED: COLOUR_PAUSED,
    Tone.WIN: COLOUR_WIN,
    Tone.LOSS: COLOUR_LOSS,
    Tone.UNDECIDED: COLOUR_UNDECIDED,
    Tone.CORRECTION: COLOUR_CORRECTION,
    Tone.CLOSED: COLOUR_CLOSED,
}
WARNING = "⚠️"
SEPARATOR = " · "


def allowed_mentions(role_id: int | None = None) -> AllowedMentions:
    """Nothing may ping except the subscription's own role."""
    if role_id is None:
        return AllowedMentions(parse=[])
    return AllowedMentions(parse=[], roles=[str(role_id)])


def markdown(text: Text) -> str:
    """Rich text for places that render markdown (content, title, description, fields):
    feed words escaped and made inert, emphasis bold, moments as Discord timestamps."""
    parts: list[str] = []
    for span in text:
        if isinstance(span, Plain):
            parts.append(span.text)
        elif isinstance(span, Feed):
            parts.append(sanitize(span.text))
        elif isinstance(span, Code):
            parts.append("`" + inert(span.text).replace("`", "'") + "`")  # no escapes in code
        elif isinstance(span, Strong):
            parts.append(f"**{markdown(span.content)}**")
        elif isinstance(span, Moment):
            parts.append(discord_timestamp(span.at, span.style.value))
        else:
            parts.append(_link(span))
    return "".join(parts)


def _link(link: Link) -> str:
    url = link.url.replace("(", "%28").replace(")", "%29")  # a bracket would end the link
    return f"[{markdown(link.label)}]({url})"


def flat(text: Text, language: str) -> str:
    """Rich text for places without markdown (embed author and footer): feed words inert,
    no emphasis, moments written out (timestamps do not render there)."""
    t = translator(language)
    parts: list[str] = []
    for span in text:
        if isinstance(span, Plain):
            parts.append(span.text)
        elif isinstance(span, Feed | Code):
            parts.append(inert(span.text))
        elif isinstance(span, Strong):
            parts.append(flat(span.content, language))
        elif isinstance(span, Moment):
            parts.append(t.date_time(span.at))
        else:
            parts.append(flat(span.label, language))
    return "".join(parts)


def view_body(view: View) -> MessageBody:
    """The message of one view: a content line (title, score, "unofficial") and one embed.
    Never mentions anyone: `with_mention` adds the role per delivery."""
    title = markdown(view.title)
    content = title
    if view.event is not Event.COUNT_UPDATED and view.choices:
        content += SEPARATOR + view.score
    if view.unofficial:
        content += SEPARATOR + view.unofficial_mark
    embed = Embed(
        title=title,
        description=_description(view),
        color=COLOURS[view.tone],
        author=EmbedAuthor(name=flat(view.heading, view.language)),
        fields=_fields(view),
        footer=EmbedFooter(text=_footer(view)),
    )
    if view.updated_at is not None:
        embed["timestamp"] = iso_timestamp(view.updated_at)
    if view.link:
        embed["url"] = view.link
        embed["author"]["url"] = view.link
    body = MessageBody(content=content, embeds=[embed], allowed_mentions=allowed_mentions())
    return fit_limits(body, owned=True)


def _description(view: View) -> str:
    lines = [markdown(view.state)]
    if view.determinative:
        lines.append(f"{WARNING} {markdown(view.determinative)}")
    if view.what_it_takes:
        lines.append(markdown(view.what_it_takes))
    if view.moved:
        lines.append(markdown(view.moved.line))
    if view.choices:
        lines.append("")
        for choice in view.choices:
            name = markdown(choice.name)
            lines.append(
                f"`{bar(choice.fraction)}` **{name}** {choice.votes_text} ({choice.share})"
            )
        if view.more_choices:
            lines.append(markdown(view.more_choices))
    tail = [text for text in (view.updated, view.note) if text]
    if view.page:
        tail.append((view.page,))
    if tail:
        lines.append("")
        lines.extend(markdown(text) for text in tail)
    return "\n".join(lines)


def _fields(view: View) -> list[EmbedField]:
    """Figures, most important first (`fit_limits` drops from the end), other rounds last."""
    fields = []
    for figure in view.figures:
        value = markdown(figure.value) + (f" {WARNING}" if figure.alert else "")
        fields.append(EmbedField(name=figure.label, value=value, inline=True))
    if view.other_rounds:
        value = "\n".join(markdown(line) for line in view.other_rounds)
        fields.append(EmbedField(name=view.other_rounds_label, value=value, inline=False))
    return fields


def _footer(view: View) -> str:
    footer = flat(view.source, view.language)
    if view.live_note:
        footer += SEPARATOR + flat(view.live_note, view.language)
    return footer


def render_post(
    election: Election,
    post: Post,
    *,
    language: str = "en",
    mode: RenderMode = RenderMode.POST,
    public_url: str | None = None,
) -> MessageBody:
    """The body of one post (or coalesced span) in one language and mode: rendered once,
    shared by every delivery (`with_mention` adds a role per delivery). A LIVE body is the
    round's live scoreboard message; its edits never carry a mention."""
    view = post_view(election, post, language=language, mode=mode, public_url=public_url)
    return view_body(view)


def with_mention(body: MessageBody, role_id: int | None) -> MessageBody:
    """`body` mentioning `role_id` first in its content, which `allowed_mentions` then
    allows (and nothing else). Cheap: the embeds are shared, not copied, so treat bodies
    as read-only. No role: the body itself."""
    if role_id is None:
        return body
    mention = f"<@&{role_id}>"
    rest = body["content"]
    if rest:
        mention += " "
        rest = truncate(rest, CONTENT_MAX - len(mention))
    return MessageBody(
        content=mention + rest,
        embeds=body["embeds"],
        allowed_mentions=allowed_mentions(role_id),
    )


def render_status(
    election: Election,
    tallies: Sequence[Tally],
    now: datetime,
    *,
    round_: str | None = None,
    language: str = "en",
    public_url: str | None = None,
) -> MessageBody:
    """The `/status` answer: one round in full (the latest, last in `tallies`, unless
    `round_` names another), the other rounds summarised one line each."""
    view = status_view(
        election, tallies, now, round_=round_, language=language, public_url=public_url
    )
    if view is not None:
        return view_body(view)
    t = translator(language)
    name = feed(short_name(election), SHORT_NAME_MAX)
    title = fill(t.pgettext("title", "{name}: no published tally yet"), name=name)
    if election.name:
        description = f"**{sanitize(election.name, 100)}**"
    else:
        description = t.gettext("Nothing has been counted for it yet.")
    embed = Embed(title=markdown(title), description=description, color=COLOUR_SCHEDULED)
    link = election_link(election)
    if link:
        embed["url"] = link
    return fit_limits(MessageBody(content="", embeds=[embed], allowed_mentions=allowed_mentions()))
