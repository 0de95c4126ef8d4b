"""Message body shapes (the JSON a sender posts) and `fit_limits`, which makes any body fit
Discord's limits by truncating text with an ellipsis and dropping the last fields first."""

from __future__ import annotations

import copy
from typing import NotRequired, TypedDict

ELLIPSIS = "…"

CONTENT_MAX = 2000
EMBEDS_MAX = 10
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256
EMBED_TOTAL_MAX = 6000  # all embeds of one message together
URL_MAX = 2048
EMPTY_FIELD = "—"  # Discord refuses empty field names and values


class EmbedField(TypedDict):
    name: str
    value: str
    inline: bool


class EmbedFooter(TypedDict):
    text: str


class EmbedAuthor(TypedDict):
    name: str
    url: NotRequired[str]


class Embed(TypedDict, total=False):
    """The subset of Discord's embed object that posts use; every key optional."""

    title: str
    description: str
    url: str
    color: int
    timestamp: str
    author: EmbedAuthor
    fields: list[EmbedField]
    footer: EmbedFooter


class AllowedMentions(TypedDict):
    parse: list[str]
    roles: NotRequired[list[str]]


class MessageBody(TypedDict):
    """What a sender posts (without nonce/enforce_nonce, which vary per delivery)."""

    content: str
    embeds: list[Embed]
    allowed_mentions: AllowedMentions


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return text[: limit - 1].rstrip() + ELLIPSIS


def embed_length(embed: Embed) -> int:
    """The characters Discord counts towards the 6,000 limit of an embed."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    if "footer" in embed:
        total += len(embed["footer"]["text"])
    if "author" in embed:
        total += len(embed["author"]["name"])
    return total


def total_embed_length(body: MessageBody) -> int:
    return sum(embed_length(e) for e in body["embeds"])


def _fit_field(field: EmbedField) -> EmbedField:
    return EmbedField(
        name=truncate(field["name"], FIELD_NAME_MAX) or EMPTY_FIELD,
        value=truncate(field["value"], FIELD_VALUE_MAX) or EMPTY_FIELD,
        inline=field["inline"],
    )


def _fit_embed(embed: Embed, owned: bool) -> Embed:
    """Each piece of one embed within its own limit (in place when `owned`)."""
    fitted = embed if owned else copy.deepcopy(embed)
    if "title" in fitted:
        fitted["title"] = truncate(fitted["title"], TITLE_MAX)
    if "description" in fitted:
        fitted["description"] = truncate(fitted["description"], DESCRIPTION_MAX)
    if "fields" in fitted:
        fitted["fields"] = [_fit_field(f) for f in fitted["fields"][:FIELDS_MAX]]
    if "footer" in fitted:
        fitted["footer"]["text"] = truncate(fitted["footer"]["text"], FOOTER_MAX)
    if "author" in fitted:
        fitted["author"]["name"] = truncate(fitted["author"]["name"], AUTHOR_NAME_MAX)
        if len(fitted["author"].get("url", "")) > URL_MAX:
            del fitted["author"]["url"]
    if len(fitted.get("url", "")) > URL_MAX:
        del fitted["url"]
    return fitted


def _shrink_once(embed: Embed, excess: int) -> bool:
    """Take up to `excess` characters off the least important part of one embed: its last
    field, then the description, footer, author, title. False when nothing is left."""
    if embed.get("fields"):
        embed["fields"].pop()
        return True
    if embed.get("description"):
        embed["description"] = _cut(embed["description"], excess)
        return True
    if embed.get("footer", {}).get("text"):
        embed["footer"]["text"] = _cut(embed["footer"]["text"], excess)
        return True
    if "author" in embed:
        del embed["author"]
        return True
    if embed.get("title"):
        embed["title"] = _cut(embed["title"], excess)
        return True
    return False


def _cut(text: str, excess: int) -> str:
    return truncate(text, max(0, len(text) - excess))


def fit_limits(body: MessageBody, *, owned: bool = False) -> MessageBody:
    """A copy of `body` within every Discord limit: content 2,000; 10 embeds; title 256;
    description 4,096; 25 fields; field name 256 and value 1,024; footer 2,048; author
    256; 6,000 characters over all embeds. Text is cut with an ellipsis; when the total is
    over, the last fields go first (renderers put the least important last), then text
    of the last embed is shortened, then later embeds go. `owned`: the caller has just
    built `body` and shares none of it, so it is fitted in place (no copy: renders stay cheap).
    """
    embeds = [_fit_embed(e, owned) for e in body["embeds"][:EMBEDS_MAX]]
    mentions = body["allowed_mentions"]
    fitted = MessageBody(
        content=truncate(body["content"], CONTENT_MAX),
        embeds=embeds,
        allowed_mentions=mentions if owned else copy.deepcopy(mentions),
    )
    while (excess := total_embed_length(fitted) - EMBED_TOTAL_MAX) > 0:
        if not _shrink_once(embeds[-1], excess):
            embeds.pop()
    for embed in embeds:
        _drop_empty(embed)
    return fitted


def _drop_empty(embed: Embed) -> None:
    """Discord refuses empty strings where it wants text: leave such keys out."""
    if not embed.get("title", True):
        del embed["title"]
    if not embed.get("description", True):
        del embed["description"]
    if "footer" in embed and not embed["footer"]["text"]:
        del embed["footer"]
    if "author" in embed and not embed["author"]["name"]:
        del embed["author"]
