"""A local Discord double for end-to-end tests with real discord.py 2.7 (DESIGN §10).

An aiohttp server on 127.0.0.1 (random port) that speaks enough of Discord's REST API v10 and
gateway for the bot: it checks every request body against Discord's OpenAPI spec with unknown
keys forbidden, enforces content ≤ 2,000 and embeds ≤ 6,000 characters, records what the bot
posts, and fails the test on any route it does not know.

Usage
-----
In a conftest.py::

    from tests.discord_double.fixtures import discord_double, patched_discord  # noqa: F401

`discord_double` is a started `DiscordDouble`; `patched_discord` is the same with discord.py
pointed at it (`patch_discord_py`: `Route.BASE` and `DiscordWebSocket.DEFAULT_GATEWAY`). Both
fail the test at teardown if any unknown route, invalid body, late interaction callback or
other protocol problem was seen (`double.take_problems()` forgets the ones a test provokes
on purpose). A test::

    async def test_status(patched_discord: DiscordDouble) -> None:
        double = patched_discord
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        tree = app_commands.CommandTree(client)   # ... commands ...
        async with running(client):               # login "test-token", connect, on_ready
            await tree.sync(guild=discord.Object(double.guild.id))
            handle = await double.send_interaction("status", {"election": "jfk8"})
            answer = await handle.response()      # {"type": 4, "data": {...}}
            await client.get_partial_messageable(double.channel.id).send("hi", nonce="n1")
            [message] = await double.wait_for_messages(double.channel)

The world: `double.guild` ("Union Hall", owned by `double.owner`), `double.channel`
("general"), role `double.organizers` (Manage Channels) held by `double.organizer`, a plain
`double.member`, and `double.bot_user` with its managed role (`world.bot_role(guild)`). Add
more with `double.world.add_channel/add_role/add_user/add_member/add_webhook/set_overwrite`
before the bot connects (or push them later with `push_channel_update`/`push_role_update`).
Permissions are data: interactions carry the member's and the bot's permissions computed from
roles and overwrites (or given explicitly); nothing is enforced unless `fail_next` says so.

Recorded: `messages` (channel id -> message dicts, nonce included, DMs and webhook posts too;
interaction answers live on their `InteractionHandle`), `uploads(message)`, `commands(guild)`,
`interactions`, `requests`, `stats` (429s sent, nonce hits...), `gateway.connections`.
Edits (`PATCH /channels/{id}/messages/{id}` and a webhook's `PATCH /webhooks/{id}/{token}/
messages/{id}`, bodies checked like every other): `message(id)` is a message as it stands,
`edits(message)` its `Edit`s (body, time, the pings the edit would carry), `wait_for_edits`;
`delete_message(message)` deletes one as a moderator would, and an edit of it then gets 404
Unknown Message (10008); so does `fail_next(message_id, 404)`. Only the bot's own messages
(a webhook's own) can be edited (403 50005 otherwise).
Failures: `fail_next(channel id | webhook id | message id | "POST /channels/*/messages",
403|404|429|5xx, times=, retry_after=, global_=, code=)`. Rates: every request towards the
global limit is counted (interaction endpoints exempt): `peak_requests_per_window` (fixed 1 s
windows) and `peak_in_any_window(1.0)` (sliding), for "never more than 50 in any second"
across several bot processes. Benchmarks: `DiscordDouble(spec, global_limit=50)` also
answers real global 429s beyond 50 requests per fixed 1 s window and counts them in
`stats.global_429s`.

Several bots at once (processes on `discord.api_base`, or clients in one test): each
IDENTIFY opens a session of its own on its `shard` [id, count] ([0, 1] without one); READY
and GUILD_CREATE carry that shard's guilds, and `dispatch` sends a guild's events to the
sessions of its shard, (guild_id >> 22) % count (events without a guild go to shard 0).
`world.add_guild(name, shard=(1, 2))` makes a guild on a given shard,
`world.recommended_shards` is what `/gateway/bot` advises, `gateway.sessions`,
`gateway.shards` (every IDENTIFY's) and `gateway.connected_shards()` tell who is connected,
and `drop_gateway(shard=1)` drops one shard. A shard id ≥ the count is closed with 4010.

Beyond DESIGN §10's list of what discord.py sends outside the spec (embed `flags`, command
`nsfw`, `tts` on edits, integer role ids in `allowed_mentions`), two more are allowed because
discord.py 2.7 sends them on paths the bot uses: integer attachment ids (the upload's index)
and an integer `recipient_id` when opening a DM.
"""

from __future__ import annotations

from .double import DiscordDouble, DoubleProblems
from .interactions import InteractionHandle
from .patching import patch_discord_py
from .running import running
from .state import Problem, Upload
from .world import Perm

__all__ = [
    "DiscordDouble",
    "DoubleProblems",
    "InteractionHandle",
    "Perm",
    "Problem",
    "Upload",
    "patch_discord_py",
    "running",
]
