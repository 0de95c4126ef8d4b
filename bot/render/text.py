"""A message body as plain text, as a person reads it in Discord (dry run, demo)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.render.body import Embed, MessageBody
from bot.render.format import ZWSP

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
