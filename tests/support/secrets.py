"""Secrets the test suite gives its bot processes (a Discord token, a feed URL's password and
query key, a database password, a webhook token), and the check that none of them appears
in anything those processes print, stdout or stderr (DESIGN §4 Secrets, issue 12)."""

from __future__ import annotations

from collections.abc import Iterable

from yarl import URL

DISCORD_TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2.Gsecrt.discord-token-never-printed-7c1e"
FEED_PASSWORD = "feed-password-never-printed-41b9"
FEED_KEY = "feed-key-never-printed-9d02"
DATABASE_PASSWORD = "database-password-never-printed-e6a7"
WEBHOOK_TOKEN = "webhook-token-never-printed-30fd"
SECRETS = (DISCORD_TOKEN, FEED_PASSWORD, FEED_KEY, DATABASE_PASSWORD, WEBHOOK_TOKEN)
WEBHOOK_URL = f"https://discord.com/api/webhooks/123456789012345678/{WEBHOOK_TOKEN}"


def with_secrets(url: str) -> str:
    """An http(s) feed URL with a password and a secret query key added (feed servers in the
    tests ignore both); other URLs (file://) unchanged."""
    parsed = URL(url)
    if parsed.scheme not in ("http", "https"):
        return url
    return str(parsed.with_user("reader").with_password(FEED_PASSWORD).update_query(key=FEED_KEY))


def assert_no_secrets(*outputs: str | bytes, secrets: Iterable[str] = SECRETS) -> None:
    """Fail, quoting the line, when a given secret appears in what a bot process printed."""
    for output in outputs:
        text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
        for secret in secrets:
            if secret and secret in text:
                line = next(line for line in text.splitlines() if secret in line)
                raise AssertionError(f"a secret was printed: {line[:500]!r}")
