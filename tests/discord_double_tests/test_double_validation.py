"""The double refuses what Discord would refuse, and what its spec allows but Discord does not."""

from __future__ import annotations

import aiohttp
import pytest

from tests.discord_double import DiscordDouble, DoubleProblems
from tests.discord_double_tests.raw_http import call, message_path


async def test_an_unknown_key_is_refused_and_reported(discord_double: DiscordDouble) -> None:
    answer = await call(
        discord_double, "POST", message_path(discord_double), {"content": "hi", "colour": 5}
    )

    assert answer.status == 400
    assert answer.body["code"] == 50035
    [problem] = discord_double.take_problems()
    assert problem.kind == "invalid body"
    assert "'colour' was unexpected" in problem.detail
    assert discord_double.channel_messages(discord_double.channel) == []


async def test_an_unknown_key_deep_in_an_embed_is_refused(discord_double: DiscordDouble) -> None:
    body = {"embeds": [{"title": "t", "fields": [{"name": "a", "value": "b", "inlined": True}]}]}

    answer = await call(discord_double, "POST", message_path(discord_double), body)

    assert answer.status == 400
    [problem] = discord_double.take_problems()
    assert problem.detail.startswith("embeds/0/fields/0:")
    assert "'inlined' was unexpected" in problem.detail


async def test_content_over_2000_characters_is_refused(discord_double: DiscordDouble) -> None:
    path = message_path(discord_double)

    at_limit = await call(discord_double, "POST", path, {"content": "x" * 2000})
    over = await call(discord_double, "POST", path, {"content": "x" * 2001})

    assert at_limit.status == 200
    assert over.status == 400
    [problem] = discord_double.take_problems()
    assert "content: 2,001 characters, Discord allows 2,000" in problem.detail
    assert len(discord_double.channel_messages(discord_double.channel)) == 1


async def test_embeds_over_6000_characters_in_all_are_refused(
    discord_double: DiscordDouble,
) -> None:
    # Each embed is within the spec's own limits; together they are over Discord's 6,000.
    embed = {"title": "t" * 256, "description": "d" * 4096}
    answer = await call(
        discord_double, "POST", message_path(discord_double), {"embeds": [embed, embed]}
    )

    assert answer.status == 400
    [problem] = discord_double.take_problems()
    assert "embeds: 8,704 characters in all, Discord allows 6,000" in problem.detail


async def test_webhook_bodies_are_held_to_the_same_limits(
    discord_double: DiscordDouble,
) -> None:
    webhook = discord_double.world.add_webhook(discord_double.channel)

    answer = await call(
        discord_double,
        "POST",
        f"/webhooks/{webhook.id}/{webhook.token}?wait=true",
        {"content": "x" * 2001},
        auth=False,
    )

    assert answer.status == 400
    details = [p.detail for p in discord_double.take_problems()]
    assert "content: 2,001 characters, Discord allows 2,000" in details
    assert discord_double.channel_messages(discord_double.channel) == []


async def test_what_discord_py_sends_beyond_the_spec_is_allowed_and_no_more(
    discord_double: DiscordDouble,
) -> None:
    path = message_path(discord_double)
    allowed = {
        "embeds": [{"title": "t", "flags": 0}],
        "allowed_mentions": {"parse": [], "roles": [discord_double.organizers.id]},
        "attachments": [],
        "tts": False,
    }
    user_ids_as_integers = {"allowed_mentions": {"parse": [], "users": [discord_double.member.id]}}

    assert (await call(discord_double, "POST", path, allowed)).status == 200
    assert (await call(discord_double, "POST", path, user_ids_as_integers)).status == 400
    [problem] = discord_double.take_problems()
    assert problem.detail.startswith("allowed_mentions/users/0:")


async def test_a_multipart_payload_json_is_validated(discord_double: DiscordDouble) -> None:
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", '{"content": "chart", "bogus": true}')
    form.add_field("files[0]", b"\x89PNG", filename="chart.png")

    answer = await call(discord_double, "POST", message_path(discord_double), form=form)

    assert answer.status == 400
    [problem] = discord_double.take_problems()
    assert "'bogus' was unexpected" in problem.detail


async def test_an_unknown_route_is_reported_and_answered_404(
    discord_double: DiscordDouble,
) -> None:
    not_discord = await call(discord_double, "GET", "/channels/1/nonsense")
    not_implemented = await call(discord_double, "GET", "/guilds/1/audit-logs")

    assert not_discord.status == not_implemented.status == 404
    assert "route unknown to the Discord double" in not_discord.body["message"]
    with pytest.raises(DoubleProblems, match="2 problem"):
        discord_double.check()
    kinds = [(p.kind, p.path) for p in discord_double.take_problems()]
    assert kinds == [
        ("unknown route", "/channels/1/nonsense"),
        ("unknown route", "/guilds/1/audit-logs"),
    ]
    discord_double.check()  # nothing left once taken


async def test_error_bodies_follow_discords_schemas(discord_double: DiscordDouble) -> None:
    errors = discord_double.spec.response_validator("ErrorResponse")
    rate_limited = discord_double.spec.response_validator("RatelimitedResponse")
    discord_double.fail_next(discord_double.channel, 429, retry_after=0.25)

    limited = await call(discord_double, "POST", message_path(discord_double), {"content": "a"})
    missing = await call(discord_double, "GET", "/channels/42")

    assert list(rate_limited.iter_errors(limited.body)) == []
    assert list(errors.iter_errors(missing.body)) == []
    assert missing.body == {"message": "Unknown Channel", "code": 10003}


async def test_a_wrong_token_gets_401(discord_double: DiscordDouble) -> None:
    answer = await call(discord_double, "GET", "/users/@me", token="wrong")

    assert answer.status == 401
    assert discord_double.problems == []


def _command(**extra: object) -> dict[str, object]:
    return {"name": "status", "description": "An election's count.", "type": 1, **extra}


async def test_command_names_and_their_localisations_follow_discords_rule(
    discord_double: DiscordDouble,
) -> None:
    path = f"/applications/{discord_double.world.application_id}/guilds/"
    path += f"{discord_double.guild.id}/commands"
    spanish = {"es-ES": "estado", "es-419": "estado"}
    option = {"type": 3, "name": "election", "description": "Which one"}
    good = _command(name_localizations=spanish, options=[option])
    upper = _command(name_localizations={"es-ES": "Estado"})
    spaced = _command(options=[{**option, "name_localizations": {"es-ES": "la elección"}}])

    accepted = await call(discord_double, "PUT", path, [good])
    refused = [await call(discord_double, "PUT", path, [body]) for body in (upper, spaced)]

    assert accepted.status == 200
    assert accepted.body[0]["name_localizations"] == spanish
    assert [answer.status for answer in refused] == [400, 400]
    details = [p.detail for p in discord_double.take_problems()]
    assert any("0/name_localizations/es-ES: 'Estado'" in d for d in details)
    assert any("0/options/0/name_localizations/es-ES: 'la elección'" in d for d in details)


async def test_localisations_are_keyed_by_discords_locales(discord_double: DiscordDouble) -> None:
    path = f"/applications/{discord_double.world.application_id}/commands"

    answer = await call(
        discord_double, "POST", path, _command(description_localizations={"es": "El recuento."})
    )

    assert answer.status == 400
    [problem] = discord_double.take_problems()
    assert "'es'" in problem.detail
