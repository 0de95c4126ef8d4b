"""Secrets out of everything printed or logged: one function masks a URL (userinfo, every query
value, the fragment, Discord webhook and interaction tokens), another every URL and
`password=…`-like pair inside free text such as an exception's message (DESIGN §4 Secrets)."""

from __future__ import annotations

import logging
import re

MASK = "****"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
# /webhooks/ID/TOKEN (also /api/v10/webhooks/…, and interaction follow-ups, which use the
# same path with the interaction token).
_WEBHOOK = re.compile(r"(/webhooks/[^/?#]+/)[^/?#]+")
# A URL in free text: a scheme, ://, then anything up to white space or a quote.
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s'\"<>`]+")
# key=value or key: value pairs outside URLs (libpq DSNs, driver messages, reprs).
_SECRET_PAIR = re.compile(
    r"(?i)\b(password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|auth)"
    r"(['\"]?\s*[=:]\s*['\"]?)([^\s&'\",;)}\]]+)"
)
# A Discord bot token: three base64url parts joined by dots.
_BOT_TOKEN = re.compile(r"\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}\b")


def mask_url(url: str) -> str:
    """`url` safe to print: userinfo, every query value (keys stay), the fragment and webhook
    tokens become ****. Text that is no URL comes back unchanged; this never raises."""
    scheme, sep, after = url.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        scheme, sep, after = "", "", url
    userinfo, remainder = _split_userinfo(after) if sep else ("", after)
    rest, hash_mark, fragment = remainder.partition("#")
    path, question, query = rest.partition("?")
    masked = f"{scheme}{sep}"
    if userinfo:
        masked += f"{MASK}:{MASK}@" if ":" in userinfo else f"{MASK}@"
    masked += _WEBHOOK.sub(lambda m: m.group(1) + MASK, path)
    if question:
        masked += "?" + _mask_query(query)
    if hash_mark:
        masked += "#" + (MASK if fragment else "")
    return masked


def _split_userinfo(after: str) -> tuple[str, str]:
    """(userinfo, the rest) of what follows `scheme://`; userinfo is "" when there is none.

    A password may hold "/", "?" or "#" (SQLAlchemy reads up to the "@"): an "@" after one of
    them still ends userinfo when a ":" before them is no port."""
    end = min((i for i in (after.find(c) for c in "/?#") if i >= 0), default=len(after))
    at = after.rfind("@", 0, end)
    if at >= 0:
        return after[:at], after[at + 1 :]
    at = after.find("@", end)
    if at < 0:
        return "", after
    colon = after.find(":", 0, end)
    if colon >= 0 and not after[colon + 1 : end].isdigit():
        return after[:at], after[at + 1 :]
    return "", after


def _mask_query(query: str) -> str:
    """Every value masked, keys kept; a bare item (no "=") may itself be a key: masked."""
    items = []
    for item in query.split("&"):
        key, equals, value = item.partition("=")
        if equals:
            items.append(f"{key}={MASK if value else ''}")
        else:
            items.append(MASK if key else "")
    return "&".join(items)


def mask_secrets(text: str) -> str:
    """Free text (an exception's message, a log line, a traceback) with every URL masked by
    `mask_url`, `password=…`-like pairs and Discord bot tokens masked."""
    if not text:
        return text
    masked = _URL_IN_TEXT.sub(lambda m: mask_url(m.group(0)), text)
    masked = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", masked)
    return _BOT_TOKEN.sub(MASK, masked)


class MaskingFormatter(logging.Formatter):
    """A log formatter whose output (message, arguments and traceback) went through
    `mask_secrets`: no log line shows a secret, whoever wrote it."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))
