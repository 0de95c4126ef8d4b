"""Render once, deliver many: one body per (span, language, mode), the mention per delivery."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.core.models import Choice, DeliveryMode, Election, Event, Post, Tally
from bot.render.body import MessageBody
from bot.services.rendering import RenderCache
from bot.store import Delivery, DeliveryState

NOW = datetime(2022, 3, 31, tzinfo=UTC)
POST = Post(
    "jfk8",
    "initial",
    (Event.COUNT_UPDATED,),
    Tally("jfk8", choices=(Choice("ALU", 5), Choice("No union", 3, True))),
)
DELIVERY = Delivery(
    1, 10, 10, "channel:1", None, "jfk8", "initial", DeliveryMode.POST, None, None, None,
    (Event.COUNT_UPDATED,), 0, 0, DeliveryState.SENDING, "me", NOW, 0, NOW, None, None, NOW,
    None, "tbx1-0",
)  # fmt: skip


def test_one_render_serves_every_target_and_each_gets_its_own_mention() -> None:
    calls: list[tuple[str, bool]] = []

    def renderer(election: Election, post: Post, language: str, live: bool) -> MessageBody:
        calls.append((language, live))
        return MessageBody(content="JFK8", embeds=[], allowed_mentions={"parse": []})

    cache = RenderCache(renderer)
    bodies = [
        cache.render(Election("jfk8"), POST, replace(DELIVERY, id=n, target=f"channel:{n}",
                     mention_role_id=n if n % 2 else None), "en", DeliveryMode.POST)
        for n in range(1, 101)
    ]  # fmt: skip
    assert calls == [("en", False)] and cache.count == 1
    assert bodies[0]["content"] == "<@&1> JFK8" and bodies[1]["content"] == "JFK8"
    cache.render(Election("jfk8"), POST, DELIVERY, "es", DeliveryMode.POST)
    cache.render(Election("jfk8"), POST, DELIVERY, "en", DeliveryMode.LIVE_EDIT)
    assert calls == [("en", False), ("es", False), ("en", True)]
