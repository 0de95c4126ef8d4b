"""Answers built from cached bodies: entity tags and Last-Modified, 304 on either
conditional GET (If-None-Match first, as RFC 9110 says), gzip when the client takes it
(the compressed form is cached with the body), and the headers every answer carries."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web

from bot.web.state import Body

# Only the page's own origin (DESIGN §12): no inline script, no asset from another host.
PAGE_POLICY = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
# An SVG opened on its own: its inline styles, nothing else (no script at all).
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
GZIP_MIN_BYTES = 1400  # one packet: smaller bodies gain nothing


def http_date(moment: datetime) -> str:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return format_datetime(aware, usegmt=True)


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def not_modified(request: web.Request, etag: str, modified_at: datetime | None) -> bool:
    """Whether the client's copy is current: If-None-Match when sent (weak comparison,
    the gzip form's tag included), else If-Modified-Since (to the second)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        return "*" in tags or etag in tags or _gzip_tag(etag) in tags
    since = request.if_modified_since
    if since is None or modified_at is None:
        return False
    aware = modified_at.replace(tzinfo=UTC) if modified_at.tzinfo is None else modified_at
    return aware.replace(microsecond=0) <= since


def _gzip_tag(etag: str) -> str:
    return etag[:-1] + '-gz"'


def _accepts_gzip(request: web.Request) -> bool:
    for item in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() == "gzip":
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def cached(
    request: web.Request,
    body: Body,
    content_type: str,
    *,
    headers: dict[str, str] | None = None,
    vary: str = "Accept-Encoding",
) -> web.Response:
    """A 200 with `body` (gzipped when the client takes it), or a 304."""
    extra = {"Cache-Control": "no-cache", "Vary": vary, **(headers or {})}
    if body.modified_at is not None:
        extra["Last-Modified"] = http_date(body.modified_at)
    gzipped = _accepts_gzip(request) and len(body.content) >= GZIP_MIN_BYTES
    extra["ETag"] = _gzip_tag(body.etag) if gzipped else body.etag
    if not_modified(request, body.etag, body.modified_at):
        return web.Response(status=304, headers=extra)
    if gzipped:
        extra["Content-Encoding"] = "gzip"
        return web.Response(body=body.gzipped(), headers={**extra, "Content-Type": content_type})
    return web.Response(body=body.content, headers={**extra, "Content-Type": content_type})
