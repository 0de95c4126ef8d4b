"""Exactly once, in order, per channel: what the store says was sent against what the
Discord double recorded (DESIGN §7).

A target that falls behind gets the newest state: queued `count_updated` deliveries
coalesce into one that covers a span of posts (first_post_id … post_id). So "every change
posted exactly once" reads: the spans of a channel's sent deliveries, in order, cover every
post of the round once each; the channel's messages are those deliveries, one message
each (by nonce), in the same order; and each message shows its delivery's newest post.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from bot.core.models import Post
from bot.store import Store
from bot.store.deliveries import make_nonce
from bot.store.schema import deliveries as deliveries_table
from bot.store.schema import posts as posts_table
from bot.store.schema import store_meta
from tests.discord_double import DiscordDouble


@dataclass(frozen=True)
class Sending:
    """A delivery as these checks need it."""

    id: int
    target: str
    first_post_id: int
    post_id: int
    state: str
    nonce: str


@dataclass(frozen=True)
class Sent:
    """What the store holds: every post of the round, and every delivery by target."""

    posts: dict[int, Post]
    deliveries: dict[str, list[Sending]]

    @property
    def post_ids(self) -> list[int]:
        return sorted(self.posts)

    def open(self) -> list[Sending]:
        return [d for ds in self.deliveries.values() for d in ds if d.state != "sent"]


async def read_sent(store: Store, election: str = "jfk8") -> Sent:
    """Every post and delivery of `election`, in two queries (and the nonce salt)."""
    c = deliveries_table.c
    async with store.read() as uow:
        conn = uow.connection
        post_ids = await conn.scalars(
            select(posts_table.c.id).where(posts_table.c.election_id == election)
        )
        posts = await uow.posts.get_many(list(post_ids))
        salt = await conn.scalar(select(store_meta.c.value).where(store_meta.c.key == "nonce_salt"))
        rows = await conn.execute(
            select(c.id, c.target, c.first_post_id, c.post_id, c.state, c.generation)
            .where(c.election_id == election)
            .order_by(c.id)
        )
    by_target: defaultdict[str, list[Sending]] = defaultdict(list)
    for row in rows:
        nonce = make_nonce(str(salt), row.id, row.generation)
        by_target[row.target].append(
            Sending(row.id, row.target, row.first_post_id, row.post_id, row.state, nonce)
        )
    return Sent(posts, dict(by_target))


async def all_sent(store: Store, election: str = "jfk8", status: str = "final") -> bool:
    """The round has reached `status` and nothing is left to send: two cheap queries, for
    waiting (the test process's loop also times the double's requests)."""
    async with store.read() as uow:
        published = await uow.published.get_many([(election, "initial")])
        if (election, "initial") not in published:
            return False
        if published[(election, "initial")].tally.status.value != status:
            return False
        return await uow.deliveries.queued_count() == 0


def shown(post: Post) -> str:
    """How a post's content line shows its figures: `118–95`."""
    votes = [f"{choice.votes:,}" for choice in post.tally.choices]
    return "–".join(votes)


def exactly_once_problems(
    sent: Sent, double: DiscordDouble, channel_ids: Iterable[int]
) -> list[str]:
    """Every way the channels' messages are not each post once, in order (empty: none)."""
    problems = [f"{d.target}: delivery {d.id} is {d.state}" for d in sent.open()]
    for channel_id in channel_ids:
        target = f"channel:{channel_id}"
        deliveries = sent.deliveries.get(target, [])
        covered = [
            p for d in deliveries for p in sent.post_ids if d.first_post_id <= p <= d.post_id
        ]
        if covered != sent.post_ids:
            problems.append(
                f"{target}: its deliveries cover posts {covered}, not {sent.post_ids} once each"
            )
        messages = double.channel_messages(channel_id)
        nonces = [m.get("nonce") for m in messages]
        expected = [d.nonce for d in deliveries]
        if nonces != expected:
            problems.append(
                f"{target}: {len(messages)} message(s) with nonces {nonces}, "
                f"not one per delivery in order {expected}"
            )
            continue
        for message, delivery in zip(messages, deliveries, strict=True):
            figures = shown(sent.posts[delivery.post_id])
            if figures not in str(message.get("content")):
                problems.append(
                    f"{target}: message {message['id']} says {message.get('content')!r}, "
                    f"not the figures {figures} of post {delivery.post_id}"
                )
    return problems


def busiest_second(double: DiscordDouble) -> str:
    """The 1 s window with the most requests towards the global limit, described: when it
    began (seconds after the first request), its routes and statuses."""
    records = [r for r in double.requests if r.global_]
    if not records:
        return "no requests"
    best, first, start = 0, 0, 0
    for end, record in enumerate(records):
        while record.at - records[start].at >= 1.0:
            start += 1
        if end - start + 1 > best:
            best, first = end - start + 1, start
    window = records[first : first + best]
    routes = Counter(f"{r.method} {r.template} {r.status}" for r in window)
    gaps = [round((b.at - a.at) * 1000) for a, b in itertools.pairwise(window)]
    return (
        f"{best} requests from {window[0].at - records[0].at:.2f} s: {dict(routes)}; "
        f"gaps in ms {gaps}"
    )
