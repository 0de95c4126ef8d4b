"""The page's chart (`/e/{id}/chart.svg`): the renderer's chart of every round
(bot/render/charts.py, the same drawing as `/history`'s PNG) as SVG, drawn in a worker
thread, one chart per (election state, language), the newest few kept."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime

from bot.core.models import Tally
from bot.render.charts import render_history_svg
from bot.store import Store
from bot.web import feed_doc
from bot.web.state import Body, ElectionState

CACHE_SIZE = 64  # charts kept: a few hundred kB each


class Charts:
    """The SVG charts, drawn off the loop, at most once per (state, language): concurrent
    requests for a chart not drawn yet wait for the same drawing."""

    def __init__(self, store: Store, *, capacity: int = CACHE_SIZE) -> None:
        self._store = store
        self._capacity = capacity
        self._cache: OrderedDict[tuple[str, str, str], Body] = OrderedDict()
        self._drawing: dict[tuple[str, str, str], asyncio.Future[Body]] = {}

    async def svg(self, state: ElectionState, language: str, alt: str) -> Body:
        """The chart of this state in this language (its time: the state's)."""
        key = (state.id, state.version, language)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        pending = self._drawing.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._draw(state, language, alt))
            self._drawing[key] = pending
            pending.add_done_callback(lambda _f: self._drawing.pop(key, None))
        body = await asyncio.shield(pending)
        self._cache[key] = body
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return body

    async def _draw(self, state: ElectionState, language: str, alt: str) -> Body:
        async with self._store.read() as uow:
            history = await uow.tallies.history(state.id)
        rounds: dict[str, list[tuple[datetime, Tally]]] = {}
        for published in state.rounds:  # the rounds published, in the page's order
            tally = published.tally
            points = [(item.seen_at, item.tally) for item in history.get(tally.round, ())]
            if not points and published.updated_at is not None:
                points = [(published.updated_at, tally)]
            rounds[tally.round] = points
        svg = await asyncio.to_thread(
            render_history_svg, state.election, rounds, language=language, alt=alt
        )
        tag = feed_doc.etag(f"{state.version}/{language}".encode())
        return Body(svg, tag, state.document.modified_at)
