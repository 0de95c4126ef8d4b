"""One masking function for every URL printed or logged (DESIGN §4 Secrets)."""

from __future__ import annotations

import pytest

from bot.core.masking import mask_secrets, mask_url


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("http://user:PASS@host/feed?apikey=KEY", "http://user:****@host/feed?apikey=****"),
        (
            "postgresql://u@db/x?password=hunter2&sslmode=require",
            "postgresql://****@db/x?password=****&sslmode=****",
        ),
        (
            "https://discord.com/api/webhooks/123/s3cr3t",
            "https://discord.com/api/webhooks/123/****",
        ),
        ("https://example.org/tally.json", "https://example.org/tally.json"),
        ("sqlite+aiosqlite:///data/x.db", "sqlite+aiosqlite:///data/x.db"),
        ("file:///srv/feed.json?token=abc", "file:///srv/feed.json?token=****"),
    ],
)
def test_every_secret_of_a_url_is_masked(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_urls_inside_free_text_are_masked() -> None:
    text = "cannot open postgresql://app:pa55@db:5432/x (refused); see https://h/f?k=v."
    shown = mask_secrets(text)
    assert "pa55" not in shown and "k=v" not in shown
    assert shown.startswith("cannot open postgresql://app:****@db:5432/x (refused)")
