"""One masking function for every URL printed or logged (DESIGN §4 Secrets)."""

from __future__ import annotations

import io
import logging

import pytest

from bot.core.masking import MaskingFormatter, mask_secrets, mask_url


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            "http://user:PASS@host.example/feed?apikey=KEY&format=json",
            "http://****:****@host.example/feed?apikey=****&format=****",
        ),
        ("https://TOKEN@host.example/feed", "https://****@host.example/feed"),
        (
            "postgresql+asyncpg://app@db.example:5432/tally?password=PGPASS&sslmode=require",
            "postgresql+asyncpg://****@db.example:5432/tally?password=****&sslmode=****",
        ),
        (
            "https://discord.com/api/webhooks/123456/WEBHOOKTOKEN",
            "https://discord.com/api/webhooks/123456/****",
        ),
        (
            "http://127.0.0.1:9/api/v10/webhooks/42/INTERACTIONTOKEN/messages/@original",
            "http://127.0.0.1:9/api/v10/webhooks/42/****/messages/@original",
        ),
        ("https://host.example/feed#SECRETFRAGMENT", "https://host.example/feed#****"),
        ("https://host.example/feed?BARETOKEN", "https://host.example/feed?****"),
        ("https://host.example/feed?empty=&a=1", "https://host.example/feed?empty=&a=****"),
        # A password holding "/", "?", "#" or "@" (SQLAlchemy reads it up to the last "@").
        ("postgresql://u:pa/ss@db/tally", "postgresql://****:****@db/tally"),
        ("postgresql://u:p?a#ss@db/tally", "postgresql://****:****@db/tally"),
        ("https://a@b:c@host/x", "https://****:****@host/x"),
        ("file:///srv/feed.json?token=abc", "file:///srv/feed.json?token=****"),
    ],
)
def test_secrets_in_urls_are_masked(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///data/tallybot.db",
        "sqlite+aiosqlite:///:memory:",
        "https://www.nlrb.gov/case/29-RC-288020",
        "http://[::1]:8080/feed.json",
        "https://discord.com/api/v10/users/@me",
        "http://host:8080/users/@me",
        "file:///srv/feeds/tally.json",
        "not a url at all",
        "",
    ],
)
def test_urls_without_secrets_are_unchanged(url: str) -> None:
    assert mask_url(url) == url


def test_free_text_has_every_url_and_password_pair_masked() -> None:
    text = (
        "(sqlite3.IntegrityError) disk full [SQL: INSERT INTO subscriptions ...] "
        "[parameters: ('https://discord.com/api/webhooks/1/WHTOKEN', 'postgres://u:DBPASS@db/x')] "
        "connect failed: password=DSNPASS host=db; "
        "logged in as MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz12"
    )
    masked = mask_secrets(text)
    for secret in ("WHTOKEN", "DBPASS", "DSNPASS", "MTIzNDU2Nzg5MDEyMzQ1Njc4"):
        assert secret not in masked
    assert "INSERT INTO subscriptions" in masked
    assert "https://discord.com/api/webhooks/1/****" in masked
    assert mask_secrets("password authentication failed") == "password authentication failed"


def test_the_log_formatter_masks_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingFormatter("%(message)s"))
    logger = logging.getLogger("tests.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("feed at %s failed", "http://u:ARGPASS@h/f?k=ARGKEY")
        try:
            raise RuntimeError("write failed: https://discord.com/api/webhooks/9/TBTOKEN")
        except RuntimeError:
            logger.exception("start failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "feed at http://****:****@h/f?k=**** failed" in output
    assert "RuntimeError" in output and "/webhooks/9/****" in output
    for secret in ("ARGPASS", "ARGKEY", "TBTOKEN"):
        assert secret not in output


def test_urls_inside_free_text_are_masked_up_to_their_end() -> None:
    text = "cannot open postgresql://app:pa55@db:5432/x (refused); see https://h/f?k=v."
    shown = mask_secrets(text)
    assert "pa55" not in shown and "k=v" not in shown
    assert shown.startswith(
        "cannot open postgresql://****:****@db:5432/x (refused); see https://h/f"
    )
