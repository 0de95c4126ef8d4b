"""The `/history` chart: each round's count over time as PNG bytes (matplotlib, lazily).

matplotlib is imported inside the functions (it costs memory and start-up time, DESIGN §11)
and only through its object-oriented API: pyplot keeps global state and is not thread-safe,
and charts are drawn in a worker thread off the event loop.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.models import Election, Tally
from bot.core.rules import valid
from bot.render.format import as_utc, number, round_label, score, short_name, status_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_PX = 1000
HEIGHT_PX = 600  # for up to two rounds; each further round adds ROUND_PX
ROUND_PX = 300
DPI = 100
MAX_ROUNDS = 6  # the latest ones; a taller chart is unreadable in Discord


def chart_size(rounds: int) -> tuple[int, int]:
    """Width and height in pixels of a chart of `rounds` rounds."""
    shown = min(max(rounds, 1), MAX_ROUNDS)
    return WIDTH_PX, HEIGHT_PX + max(0, shown - 2) * ROUND_PX


def _plain(text: str) -> str:
    """Text for matplotlib: "$" would start mathtext, so it is escaped."""
    return text.replace("$", r"\$")


def render_history_png(
    election: Election, history: Mapping[str, Sequence[tuple[datetime, Tally]]]
) -> bytes:
    """A PNG of every round's count over time (round -> points, oldest first): one subplot
    per round, one line per choice, the majority line, challenged ballots as a band."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rounds = [(name, points) for name, points in history.items()][-MAX_ROUNDS:]
    width, height = chart_size(len(rounds))
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    title = short_name(election) + (f" — {election.name}" if election.name else "")
    figure.suptitle(_plain(title), fontsize=13)
    if not rounds:
        axes = figure.subplots()
        axes.set_axis_off()
        axes.text(0.5, 0.5, "No counts yet", ha="center", va="center", fontsize=14)
    else:
        grid = figure.subplots(len(rounds), 1, squeeze=False)
        for (round_, points), axes in zip(rounds, grid[:, 0], strict=True):
            _draw_round(axes, round_, sorted(points, key=lambda p: as_utc(p[0])))
    buffer = io.BytesIO()
    # No "Software" metadata: the same data gives the same bytes whatever the version.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


async def render_history_png_async(
    election: Election, history: Mapping[str, Sequence[tuple[datetime, Tally]]]
) -> bytes:
    """`render_history_png` in a worker thread, so the event loop keeps answering."""
    return await asyncio.to_thread(render_history_png, election, history)


def _draw_round(axes: Axes, round_: str, points: Sequence[tuple[datetime, Tally]]) -> None:
    """One round: a line per choice, the majority threshold, challenged as a band."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if not points:
        axes.set_title(_plain(round_label(round_)) + " — no counts yet", fontsize=11)
        axes.set_axis_off()
        return
    # matplotlib.dates carries no annotations; hence the ignores below.
    times = date2num([as_utc(moment) for moment, _ in points])  # type: ignore[no-untyped-call]
    names: list[str] = []
    for _, tally in points:
        names.extend(c.name for c in tally.choices if c.name not in names)
    marker = "o" if len(points) < 30 else None
    for name in names:
        votes = [_votes_of(tally, name) for _, tally in points]
        axes.plot(times, votes, marker=marker, linewidth=2, label=_plain(name))
    totals = [valid(tally) for _, tally in points]
    challenged = [tally.challenged or 0 for _, tally in points]
    majority = [total / 2 for total in totals]
    with_challenged = [(t + c) / 2 for t, c in zip(totals, challenged, strict=True)]
    axes.plot(
        times,
        majority,
        linestyle="--",
        color="black",
        linewidth=1.2,
        label="majority line: half of the valid votes",
    )
    if any(challenged):
        axes.fill_between(
            times,
            majority,
            with_challenged,
            color="tab:gray",
            alpha=0.3,
            label="majority line if every challenged ballot counted",
        )
    last = points[-1][1]
    summary = score(tuple(c.votes for c in last.choices))
    if last.challenged:
        summary += f"; {number(last.challenged)} challenged"
    axes.set_title(
        _plain(f"{round_label(round_)} · {status_label(last.status)} · {summary}"), fontsize=11
    )
    axes.set_ylabel("votes")
    axes.set_xlabel("time (UTC)")
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{int(value):,}"))
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper left", fontsize=9)


def _votes_of(tally: Tally, name: str) -> int:
    return next((c.votes for c in tally.choices if c.name == name), 0)
