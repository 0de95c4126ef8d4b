"""One way to print a URL: every secret it may carry masked (DESIGN §4 Secrets).

Secrets in URLs are userinfo (a password, and a user name that may be a token), every query
value (`?apikey=…`, `?password=…`) and Discord webhook tokens (`/webhooks/ID/TOKEN`).
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

MASK = "****"
_WEBHOOK = re.compile(r"(/webhooks/\d+/)[^/?#\s]+")
# A URL inside free text: a scheme, then anything up to whitespace or a closing quote.
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def mask_url(url: str) -> str:
    """`url` with its password, user name, query values and webhook token replaced by ****.

    A URL that cannot be split is masked whole rather than shown."""
    try:
        parts = urlsplit(url)
        netloc = _mask_netloc(parts)
    except ValueError:
        return MASK
    query = "&".join(_mask_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    path = _WEBHOOK.sub(r"\1" + MASK, parts.path)
    if (netloc, path, query) == (parts.netloc, parts.path, parts.query):
        return url
    masked = urlunsplit((parts.scheme, netloc, path, query, parts.fragment))
    if url.startswith(f"{parts.scheme}://") and not masked.startswith(f"{parts.scheme}://"):
        masked = masked.replace(f"{parts.scheme}:", f"{parts.scheme}://", 1)
    return masked


def mask_secrets(text: str) -> str:
    """Free text (an exception message, a log line) with every URL in it masked."""
    return _URL_IN_TEXT.sub(lambda match: mask_url(match.group(0)), text)


def _mask_netloc(parts: SplitResult) -> str:
    netloc = parts.netloc
    if "@" not in netloc:
        return netloc
    userinfo, _, hostport = netloc.rpartition("@")
    user, has_password, _password = userinfo.partition(":")
    # A user name alone may be the secret (a token as userinfo): masked too.
    return f"{user}:{MASK}@{hostport}" if has_password else f"{MASK}@{hostport}"


def _mask_pair(pair: str) -> str:
    key, has_value, _value = pair.partition("=")
    return f"{key}={MASK}" if has_value else key
