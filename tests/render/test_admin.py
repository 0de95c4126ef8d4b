"""/subscriptions and /feeds bodies: what each line says, in both languages, within limits,
pinging nobody."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from bot.core.models import LANGUAGES, Level, SubscriptionMode
from bot.render.admin import (
    FeedRow,
    LiveMessage,
    SubscriptionRow,
    render_feeds,
    render_subscriptions,
)
from bot.render.i18n import translator

from .builders import NOW, num
from .openapi_util import MESSAGE_CREATE, load_spec, request_validator, validation_errors
from .test_limits import limit_problems

PINGS = re.compile(r"@(everyone|here)")


def row(**changes: object) -> SubscriptionRow:
    values: dict[str, object] = {
        "kind": "channel",
        "target_id": 111,
        "election_id": "jfk8",
        "level": Level.ALL,
    }
    values.update(changes)
    return SubscriptionRow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("language", LANGUAGES)
def test_subscriptions_say_mode_role_and_why_disabled(language: str) -> None:
    t = translator(language)
    rows = [
        row(),
        row(
            target_id=222,
            mode=SubscriptionMode.LIVE,
            mention_role_id=42,
            live_messages=(LiveMessage("initial", "https://discord.com/channels/1/222/333"),),
        ),
        row(
            kind="webhook",
            target_id=9,
            disabled=True,
            disabled_reason="@everyone 404",
            disabled_at=NOW,
        ),
    ]
    body = render_subscriptions(rows, language=language)
    embed = body["embeds"][0]
    lines = embed["description"].split("\n")
    assert t.pgettext("subscription", "Disabled {when}: {reason}").split(" ")[0] in lines[1]
    assert "9" in lines[0]  # disabled first
    assert "<#222>" in embed["description"] and "<@&42>" in embed["description"]
    assert t.pgettext("subscription", "live message") in embed["description"]
    assert "(https://discord.com/channels/1/222/333)" in embed["description"]
    assert body["allowed_mentions"] == {"parse": []}
    assert not PINGS.search(json.dumps(body))
    title = t.ngettext(
        "Subscriptions in this server: {count}, {disabled} disabled",
        "Subscriptions in this server: {count}, {disabled} disabled",
        1,
    )
    assert embed["title"] == title.format(count=num(3, language), disabled=num(1, language))


def test_no_subscriptions_yet() -> None:
    body = render_subscriptions([])
    assert "`/subscribe`" in body["embeds"][0]["description"]
    assert body["embeds"][0]["title"] == "Subscriptions in this server: 0"


def test_many_subscriptions_are_counted() -> None:
    body = render_subscriptions([row(target_id=i) for i in range(45)])
    assert body["embeds"][0]["description"].endswith(f"… and {num(5)} more")


def feed_row(**changes: object) -> FeedRow:
    values: dict[str, object] = {"feed_id": "organizers", "format": "native", "interval": "15s"}
    values.update(changes)
    return FeedRow(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("language", LANGUAGES)
def test_feed_health(language: str) -> None:
    t = translator(language)
    feeds = [
        feed_row(),
        feed_row(
            feed_id="nlrb",
            format="nlrb-csv",
            interval="10m",
            polled=True,
            last_success_at=NOW - timedelta(hours=2),
            last_error="HTTP 503",
            last_error_at=NOW - timedelta(minutes=1),
            failures=3,
            next_attempt_at=NOW + timedelta(minutes=5),
            tallies=1,
        ),
    ]
    body = render_feeds(feeds, {"report": 2}, NOW, language=language)
    embed = body["embeds"][0]
    assert embed["title"] == t.gettext("Feed health")
    first, second = embed["fields"]
    assert translator(language).gettext("{mark} not polled yet").format(mark="⏳") in first["value"]
    assert "⚠️" in second["name"] and "10m" in second["name"] and "HTTP 503" in second["value"]
    assert num(3, language) in second["value"]
    held = t.ngettext(
        "{count} tally held (election rounds)", "{count} tallies held (election rounds)", 1
    )
    assert held.format(count=num(1, language)) in second["value"]
    assert "`report`" in embed["description"]
    assert body["allowed_mentions"] == {"parse": []}


RELAXED = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
texts = st.text(max_size=400)


@pytest.fixture(scope="module")
def message_validator(shared_dir: Path) -> Draft202012Validator:
    return request_validator(load_spec(shared_dir), *MESSAGE_CREATE)


@RELAXED
@given(
    st.lists(
        st.builds(
            SubscriptionRow,
            kind=st.sampled_from(["channel", "webhook", "dm"]),
            target_id=st.integers(1, 2**63 - 1),
            election_id=st.from_regex(r"[a-z0-9-]{1,60}", fullmatch=True),
            level=st.sampled_from(list(Level)),
            mode=st.sampled_from(list(SubscriptionMode)),
            language=st.none() | st.sampled_from(LANGUAGES),
            mention_role_id=st.none() | st.integers(1, 2**63 - 1),
            disabled=st.booleans(),
            disabled_reason=st.none() | texts,
            disabled_at=st.none() | st.just(NOW),
        ),
        max_size=50,
    ),
    st.lists(
        st.builds(
            FeedRow,
            feed_id=st.from_regex(r"[a-z0-9-]{1,60}", fullmatch=True),
            format=st.just("native"),
            interval=st.just("15s"),
            polled=st.booleans(),
            last_error=st.none() | texts,
            failures=st.integers(0, 10**6),
            tallies=st.integers(0, 10**6),
        ),
        max_size=30,
    ),
    st.sampled_from(LANGUAGES),
)
def test_admin_bodies_are_sendable(
    message_validator: Draft202012Validator,
    subscriptions: list[SubscriptionRow],
    feeds: list[FeedRow],
    language: str,
) -> None:
    for body in (
        render_subscriptions(subscriptions, language=language),
        render_feeds(feeds, {"report": 1}, NOW, language=language),
    ):
        assert limit_problems(body) == []
        assert validation_errors(message_validator, body) == []
        assert not PINGS.search(json.dumps(body))
