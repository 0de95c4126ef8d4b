"""The page's chart (`/e/{id}/chart.svg`): each round's count over time as SVG, drawn by
matplotlib in a worker thread (imported there, on first use: DESIGN §11), one chart per
(election state, language), the newest few kept.

Like the `/history` PNG of bot/render/charts.py (one subplot per round, a line per
choice, the majority line), drawn for a page: SVG text stays text, the labels speak the
page's language. Merge the two once the renderer's charts take a format and a language.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.core.models import Tally
from bot.core.rules import valid
from bot.render.format import round_label, status_label
from bot.store import Store
from bot.web import feed_doc
from bot.web.figures import Words
from bot.web.state import Body, ElectionState

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_IN = 8.0
ROUND_IN = 3.2
MAX_ROUNDS = 6  # the latest ones
CACHE_SIZE = 64  # charts kept: a few hundred kB each


@dataclass(frozen=True, slots=True)
class RoundSeries:
    """One round's points (oldest first) and its labels."""

    title: str
    points: tuple[tuple[datetime, Tally], ...]


@dataclass(frozen=True, slots=True)
class ChartWords:
    """The chart's own labels, in the page's language."""

    title: str
    votes: str
    time: str
    majority: str
    no_counts: str
    choice_names: dict[str, str]  # a source's name -> the name shown (the no-union choice)
    number: Callable[[int], str]  # "2,654" as the page's locale writes it


def render_history_svg(rounds: Sequence[RoundSeries], words: ChartWords, alt: str) -> bytes:
    """An SVG of every round's count over time; `alt` becomes the SVG's own title."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    shown = list(rounds)[-MAX_ROUNDS:]
    height = 1.0 + ROUND_IN * max(1, len(shown))
    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 10}):
        figure = Figure(figsize=(WIDTH_IN, height), layout="constrained")
        FigureCanvasSVG(figure)
        figure.suptitle(_plain(words.title), fontsize=13)
        if not shown:
            axes = figure.subplots()
            axes.set_axis_off()
            axes.text(0.5, 0.5, _plain(words.no_counts), ha="center", va="center", fontsize=14)
        else:
            grid = figure.subplots(len(shown), 1, squeeze=False)
            for series, axes in zip(shown, grid[:, 0], strict=True):
                _draw_round(axes, series, words)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Title": alt, "Date": None})
    return buffer.getvalue()


def _plain(text: str) -> str:
    """Text for matplotlib: "$" would start mathtext."""
    return text.replace("$", r"\$")


def _draw_round(axes: Axes, series: RoundSeries, words: ChartWords) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axes.set_title(_plain(series.title), fontsize=11)
    if not series.points:
        axes.set_axis_off()
        return
    points = sorted(series.points, key=lambda p: _utc(p[0]))
    # matplotlib.dates carries no annotations; hence the ignores below.
    times = date2num([_utc(moment) for moment, _ in points])  # type: ignore[no-untyped-call]
    names: list[str] = []
    for _, tally in points:
        names.extend(c.name for c in tally.choices if c.name not in names)
    marker = "o" if len(points) < 30 else None
    for name in names:
        votes = [next((c.votes for c in t.choices if c.name == name), 0) for _, t in points]
        label = _plain(words.choice_names.get(name, name))
        axes.plot(times, votes, marker=marker, linewidth=2, label=label)
    majority = [valid(tally) / 2 for _, tally in points]
    axes.plot(times, majority, linestyle="--", color="black", linewidth=1.2, label=words.majority)
    axes.set_ylabel(_plain(words.votes))
    axes.set_xlabel(_plain(words.time))
    axes.set_ylim(bottom=0)
    if times[0] == times[-1]:  # one moment: an hour either side, not a span of years
        axes.set_xlim(times[0] - 1 / 24, times[0] + 1 / 24)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: words.number(int(value))))
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.grid(True, alpha=0.3)
    axes.legend(loc="best", fontsize=9)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class Charts:
    """The SVG charts, drawn off the loop, one at a time, at most once per (state,
    language): concurrent requests for a chart not drawn yet wait for the same drawing."""

    def __init__(self, store: Store, *, capacity: int = CACHE_SIZE) -> None:
        self._store = store
        self._capacity = capacity
        self._cache: OrderedDict[tuple[str, str, str], Body] = OrderedDict()
        self._drawing: dict[tuple[str, str, str], asyncio.Future[Body]] = {}
        self._lock = threading.Lock()  # matplotlib's rc_context is process-wide

    async def svg(self, state: ElectionState, words: Words, alt: str) -> Body:
        """The chart of this state in this language (its time: the state's)."""
        key = (state.id, state.version, words.language)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        pending = self._drawing.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._draw(state, words, alt))
            self._drawing[key] = pending
            pending.add_done_callback(lambda _f: self._drawing.pop(key, None))
        body = await asyncio.shield(pending)
        self._cache[key] = body
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return body

    async def _draw(self, state: ElectionState, words: Words, alt: str) -> Body:
        async with self._store.read() as uow:
            history = await uow.tallies.history(state.id)
        _ = words._
        rounds: list[RoundSeries] = []
        for published in state.rounds:
            tally = published.tally
            points = tuple((item.seen_at, item.tally) for item in history.get(tally.round, ()))
            if not points and published.updated_at is not None:
                points = ((published.updated_at, tally),)
            round_title = _("%(round)s · %(status)s") % {
                "round": _(round_label(tally.round)),
                "status": _(status_label(tally.status)),
            }
            rounds.append(RoundSeries(round_title, points))
        names = {c.name: words.choice_name(c) for p in state.rounds for c in p.tally.choices}
        chart_words = ChartWords(
            title=state.election.name or state.id,
            votes=_("votes"),
            time=_("time (UTC)"),
            majority=_("majority line: half of the valid votes"),
            no_counts=_("No counts yet"),
            choice_names=names,
            number=words.number,
        )
        svg = await asyncio.to_thread(self._locked, rounds, chart_words, alt)
        tag = feed_doc.etag(f"{state.version}/{words.language}".encode())
        return Body(svg, tag, state.document.modified_at)

    def _locked(self, rounds: list[RoundSeries], words: ChartWords, alt: str) -> bytes:
        with self._lock:
            return render_history_svg(rounds, words, alt)
