"""The double's behaviour: nonces, DM channels, injected failures, rate limits, pings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.discord_double import DiscordDouble
from tests.discord_double.fixtures import spec_path
from tests.discord_double.limits import FixedWindows
from tests.discord_double_tests.raw_http import call, message_path


async def test_a_repeated_enforced_nonce_returns_the_first_message(
    discord_double: DiscordDouble,
) -> None:
    path = message_path(discord_double)
    body = {"content": "JFK8: 1,518–1,154", "nonce": "outbox-17-1", "enforce_nonce": True}

    first = await call(discord_double, "POST", path, body)
    again = await call(discord_double, "POST", path, {**body, "content": "changed"})

    assert first.status == again.status == 200
    assert again.body["id"] == first.body["id"]
    assert again.body["content"] == "JFK8: 1,518–1,154"
    [recorded] = discord_double.channel_messages(discord_double.channel)
    assert recorded["nonce"] == "outbox-17-1"
    assert discord_double.stats.nonce_hits == 1


async def test_a_nonce_is_only_enforced_when_asked_and_per_channel(
    discord_double: DiscordDouble,
) -> None:
    other = discord_double.world.add_channel(discord_double.guild, "updates")
    body = {"content": "x", "nonce": "n-1"}

    await call(discord_double, "POST", message_path(discord_double), body)
    await call(discord_double, "POST", message_path(discord_double), body)
    enforced = {**body, "enforce_nonce": True}
    await call(discord_double, "POST", f"/channels/{other.id}/messages", enforced)
    await call(discord_double, "POST", message_path(discord_double), enforced)

    assert len(discord_double.channel_messages(discord_double.channel)) == 3
    assert len(discord_double.channel_messages(other)) == 1


async def test_a_nonce_outside_the_window_posts_again(shared_dir: Path) -> None:
    async with DiscordDouble(spec_path(shared_dir), nonce_window=0.05) as double:
        body = {"content": "x", "nonce": "n-1", "enforce_nonce": True}
        first = await call(double, "POST", message_path(double), body)
        await asyncio.sleep(0.1)
        later = await call(double, "POST", message_path(double), body)

        assert later.body["id"] != first.body["id"]
        assert len(double.channel_messages(double.channel)) == 2
        double.check()


async def test_dm_channels_are_stable_per_user(discord_double: DiscordDouble) -> None:
    member, organizer = discord_double.member, discord_double.organizer

    first = await call(
        discord_double, "POST", "/users/@me/channels", {"recipient_id": str(member.id)}
    )
    again = await call(
        discord_double, "POST", "/users/@me/channels", {"recipient_id": str(member.id)}
    )
    other = await call(
        discord_double, "POST", "/users/@me/channels", {"recipient_id": str(organizer.id)}
    )
    await call(discord_double, "POST", f"/channels/{first.body['id']}/messages", {"content": "hi"})

    assert first.body["id"] == again.body["id"] != other.body["id"]
    assert first.body["type"] == 1
    assert first.body["recipients"][0]["id"] == str(member.id)
    assert [m["content"] for m in discord_double.dm_messages(member)] == ["hi"]


async def test_an_injected_429_carries_retry_after_and_rate_limit_headers(
    discord_double: DiscordDouble,
) -> None:
    discord_double.fail_next(discord_double.channel, 429, retry_after=2.5)

    limited = await call(discord_double, "POST", message_path(discord_double), {"content": "a"})
    passed = await call(discord_double, "POST", message_path(discord_double), {"content": "a"})

    assert limited.status == 429
    assert limited.body["retry_after"] == 2.5
    assert limited.body["global"] is False
    headers = limited.headers
    assert headers["Retry-After"] == "3"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Reset-After"] == "2.500"
    assert float(headers["X-RateLimit-Reset"]) > 0
    assert headers["X-RateLimit-Limit"] and headers["X-RateLimit-Bucket"]
    assert headers["X-RateLimit-Scope"] == "user"
    assert "X-RateLimit-Global" not in headers
    assert headers["Via"]  # discord.py takes a 429 without Via for a Cloudflare ban
    assert passed.status == 200
    assert len(discord_double.channel_messages(discord_double.channel)) == 1


async def test_a_global_429_says_so(discord_double: DiscordDouble) -> None:
    discord_double.fail_next("POST /channels/*/messages", 429, retry_after=0.5, global_=True)

    limited = await call(discord_double, "POST", message_path(discord_double), {"content": "a"})

    assert limited.body["global"] is True
    assert limited.headers["X-RateLimit-Global"] == "true"
    assert limited.headers["X-RateLimit-Scope"] == "global"


async def test_injected_403_404_and_5xx_use_discords_codes(discord_double: DiscordDouble) -> None:
    webhook = discord_double.world.add_webhook(discord_double.channel)
    hook = f"/webhooks/{webhook.id}/{webhook.token}?wait=true"
    discord_double.fail_next(discord_double.channel, 403, code=50013, times=2)
    discord_double.fail_next(webhook.id, 404)
    discord_double.fail_next("/users/@me", 502, method="GET")

    forbidden = [
        await call(discord_double, "POST", message_path(discord_double), {"content": "a"})
        for _ in range(2)
    ]
    gone = await call(discord_double, "POST", hook, {"content": "a"}, auth=False)
    bad_gateway = await call(discord_double, "GET", "/users/@me")
    after = await call(discord_double, "POST", message_path(discord_double), {"content": "a"})

    assert [a.body for a in forbidden] == [{"message": "Missing Permissions", "code": 50013}] * 2
    assert gone.status == 404
    assert gone.body == {"message": "Unknown Webhook", "code": 10015}
    assert bad_gateway.status == 502
    assert after.status == 200
    assert discord_double.stats.injected_failures == 4


async def test_successful_posts_carry_a_per_channel_bucket(discord_double: DiscordDouble) -> None:
    first = await call(discord_double, "POST", message_path(discord_double), {"content": "a"})
    second = await call(discord_double, "POST", message_path(discord_double), {"content": "b"})

    assert first.headers["X-RateLimit-Limit"] == "50"
    remaining = [int(a.headers["X-RateLimit-Remaining"]) for a in (first, second)]
    assert remaining[0] - remaining[1] in (1, -48)  # -48: a new window began in between
    assert first.headers["X-RateLimit-Bucket"] == second.headers["X-RateLimit-Bucket"]
    assert 0 < float(first.headers["X-RateLimit-Reset-After"]) <= 1.0


async def test_the_global_limit_answers_429s_beyond_its_fixed_window(shared_dir: Path) -> None:
    # A long window keeps every request of the test in one window.
    async with DiscordDouble(spec_path(shared_dir), global_limit=5, global_window=60) as double:
        answers = await asyncio.gather(
            *(call(double, "GET", f"/channels/{double.channel.id}") for _ in range(12))
        )
        limited = [a for a in answers if a.status == 429]

        assert [a.status for a in answers].count(200) == 5
        assert double.stats.global_429s == len(limited) == 7
        assert all(a.body["global"] and 0 < a.body["retry_after"] <= 60 for a in limited)
        assert all(a.headers["X-RateLimit-Global"] == "true" for a in limited)
        assert all(a.headers["X-RateLimit-Scope"] == "global" for a in limited)
        assert double.peak_requests_per_window == 5
        double.check()


def test_the_global_window_is_fixed_not_sliding() -> None:
    windows = FixedWindows(limit=2, window=1.0, origin=100.0)

    end_of_first = [windows.admit(t) for t in (100.90, 100.95, 100.97)]
    start_of_second = [windows.admit(t) for t in (101.01, 101.02, 101.03)]

    # Four requests within 0.12 s pass: the windows are fixed, as the benchmark assumes.
    assert end_of_first[:2] == [None, None]
    assert end_of_first[2] == pytest.approx(0.03)
    assert start_of_second[:2] == [None, None]
    assert start_of_second[2] == pytest.approx(0.97)


async def test_interaction_endpoints_are_exempt_from_the_global_limit(shared_dir: Path) -> None:
    async with DiscordDouble(spec_path(shared_dir), global_limit=1, global_window=60) as double:
        path = f"/channels/{double.channel.id}"
        statuses = [(await call(double, "GET", path)).status for _ in range(2)]
        callback = await call(
            double, "POST", "/interactions/1/no-such-token/callback", {"type": 1}, auth=False
        )

        assert statuses == [200, 429]
        assert callback.status == 404  # answered (Unknown interaction), not rate limited
        assert callback.body["code"] == 10062
        double.check()


async def test_pings_follow_allowed_mentions(discord_double: DiscordDouble) -> None:
    role = discord_double.organizers
    content = f"@everyone <@&{role.id}> <@{discord_double.member.id}>"
    path = message_path(discord_double)

    inert = await call(
        discord_double, "POST", path, {"content": content, "allowed_mentions": {"parse": []}}
    )
    one_role = await call(
        discord_double,
        "POST",
        path,
        {"content": content, "allowed_mentions": {"parse": [], "roles": [str(role.id)]}},
    )
    default = await call(discord_double, "POST", path, {"content": content})

    assert (inert.body["mention_everyone"], inert.body["mention_roles"]) == (False, [])
    assert inert.body["mentions"] == []
    assert (one_role.body["mention_everyone"], one_role.body["mention_roles"]) == (
        False,
        [str(role.id)],
    )
    assert default.body["mention_everyone"] is True
    assert [u["id"] for u in default.body["mentions"]] == [str(discord_double.member.id)]
