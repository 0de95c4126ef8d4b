"""Render once, deliver many (DESIGN §2): a delivery's body is rendered once per (span of
posts, language, mode), whatever the number of targets; the role mention, which differs per
subscription, is added to a copy per delivery."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from bot.core.models import DeliveryMode, Election, Post
from bot.render.body import MessageBody
from bot.render.messages import render_post, with_mention
from bot.render.view import RenderMode
from bot.store import Delivery

# (election, span, language, live?) -> the body, before its mention
Renderer = Callable[[Election, Post, str, bool], MessageBody]
CACHE_SIZE = 512  # spans in flight at once are few; a fan-out reuses one entry


def delivery_renderer(public_url: str | None = None) -> Renderer:
    """The production renderer: posts, or live messages, linking the public page when the
    operator set `http.public_url`."""

    def render(election: Election, post: Post, language: str, live: bool) -> MessageBody:
        mode = RenderMode.LIVE if live else RenderMode.POST
        return render_post(election, post, language=language, mode=mode, public_url=public_url)

    return render


render_delivery_body = delivery_renderer()


class RenderCache:
    """Bodies by (first post, newest post, events, language, live): a 1,000-channel fan-out
    of one post renders it once."""

    def __init__(self, renderer: Renderer, size: int = CACHE_SIZE) -> None:
        self._renderer = renderer
        self._size = size
        self._bodies: OrderedDict[tuple[object, ...], MessageBody] = OrderedDict()
        self.count = 0

    def render(
        self,
        election: Election,
        post: Post,
        delivery: Delivery,
        language: str,
        mode: DeliveryMode,
    ) -> MessageBody:
        live = mode is not DeliveryMode.POST
        key = (delivery.first_post_id, delivery.post_id, delivery.events, language, live)
        body = self._bodies.get(key)
        if body is None:
            body = self._renderer(election, post, language, live)
            self.count += 1
            self._bodies[key] = body
            if len(self._bodies) > self._size:
                self._bodies.popitem(last=False)
        else:
            self._bodies.move_to_end(key)
        return with_mention(body, delivery.mention_role_id)
