"""Posts as plain text (dry run, demo): a Discord message body as a person reads it in
Discord (`render_text`), and the text adapter of the view model (`view_text`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.core.models import Election, Post
from bot.render.body import Embed, MessageBody
from bot.render.format import ZWSP, bar
from bot.render.i18n import translator
from bot.render.rich import Link, Moment, Text, TimeStyle, flatten
from bot.render.view import RenderMode, View, post_view

# One pass, so an escaped "\*" is read before "**" would be taken as bold markup.
_MARKUP = re.compile(r"\\([^\w\s])|\*\*|`|" + ZWSP)
_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::[tTdDfFR])?>")
_ROLE = re.compile(r"<@&(\d+)>")
_LINK = re.compile(r"\[([^\]\n]*)\]\((https?://[^)\s]+)\)")


def _plain(text: str) -> str:
    """Markdown and mention markup resolved the way a Discord client shows them."""
    text = _TIMESTAMP.sub(_readable_time, text)
    text = _ROLE.sub(r"@role:\1", text)
    text = _LINK.sub(r"\1 (\2)", text)
    return _MARKUP.sub(lambda m: m.group(1) or "", text)


def _readable_time(match: re.Match[str]) -> str:
    moment = datetime.fromtimestamp(int(match.group(1)), tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _embed_lines(embed: Embed) -> list[str]:
    lines: list[str] = []
    if "author" in embed:
        lines.append(embed["author"]["name"].replace(ZWSP, ""))
    if "title" in embed:
        lines.append(_plain(embed["title"]))
        lines.append("=" * min(len(lines[-1]), 72))
    if "url" in embed:
        lines.append(embed["url"])
    if "description" in embed:
        lines.append(_plain(embed["description"]))
    fields = embed.get("fields", [])
    if fields:
        lines.append("")
    for field in fields:
        value = _plain(field["value"])
        name = _plain(field["name"])
        if "\n" in value or not field["inline"]:
            lines.append(f"{name}:")
            lines.extend("  " + part for part in value.splitlines())
        else:
            lines.append(f"{name}: {value}")
    if "footer" in embed:
        lines.append("")
        lines.append(embed["footer"]["text"].replace(ZWSP, ""))
    return lines


def render_text(body: MessageBody) -> str:
    """The content line, then each embed: author, title, link, description, fields
    ("Name: value"), footer; markdown and markup resolved; ends without a newline."""
    parts: list[str] = []
    if body["content"]:
        parts.append(_plain(body["content"]))
    for embed in body["embeds"]:
        parts.append("\n".join(_embed_lines(embed)))
    return "\n\n".join(parts)


# --- the text adapter of the view model (dry run, demo) ----------------------------------


def words(text: Text, language: str) -> str:
    """Rich text as plain words: feed text as written, moments in UTC for the language."""
    t = translator(language)

    def moment(span: Moment) -> str:
        return t.time(span.at) if span.style is TimeStyle.TIME else t.date_time(span.at)

    return flatten(text, moment)


def _link_words(link: Link, language: str) -> str:
    return f"{words(link.label, language)}: {link.url}"


def view_text(view: View) -> str:
    """A view as a person would read it on a terminal: title, heading, the state, choices
    with their votes and shares, what moved, figures, other rounds, source; no markup."""
    lang = view.language
    title = words(view.title, lang)
    lines = [title, "=" * min(len(title), 72), words(view.heading, lang)]
    if view.link:
        lines.append(view.link)
    lines.append("")
    lines.append(words(view.state, lang))
    for text in (view.determinative, view.what_it_takes):
        if text:
            lines.append(words(text, lang))
    if view.choices:
        lines.append("")
        width = max(len(words(choice.name, lang)) for choice in view.choices)
        for choice in view.choices:
            name = words(choice.name, lang).ljust(width)
            lines.append(
                f"  {name}  {choice.votes_text:>9}  {choice.share:>6}  {bar(choice.fraction)}"
            )
        if view.more_choices:
            lines.append("  " + words(view.more_choices, lang))
    if view.moved:
        lines.append("")
        lines.append(words(view.moved.line, lang))
    if view.figures:
        lines.append("")
        lines.extend(f"{f.label}: {words(f.value, lang)}" for f in view.figures)
    if view.other_rounds:
        lines.append(f"{view.other_rounds_label}:")
        lines.extend("  " + words(line, lang) for line in view.other_rounds)
    lines.append("")
    for text in (view.updated, view.note, view.source, view.live_note):
        if text:
            lines.append(words(text, lang))
    if view.page:
        lines.append(_link_words(view.page, lang))
    return "\n".join(lines)


def render_post_text(
    election: Election,
    post: Post,
    *,
    language: str = "en",
    mode: RenderMode = RenderMode.POST,
    public_url: str | None = None,
) -> str:
    """One post (or live message) as text, from the same view as its Discord body."""
    view = post_view(election, post, language=language, mode=mode, public_url=public_url)
    return view_text(view)
