"""The chart of every round's count over time, drawn once for everything that shows it:
PNG bytes for `/history` and the demo, SVG for the web page (DESIGN §8, §12), every label
in the reader's language, with a text alternative for the page.

matplotlib is imported inside the functions (it costs memory and start-up time, DESIGN §11)
and only through its object-oriented API: pyplot keeps global state and is not thread-safe,
and charts are drawn in a worker thread off the event loop.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.models import DEFAULT_LANGUAGE, Choice, Election, Tally
from bot.core.rules import valid
from bot.render.format import as_utc
from bot.render.i18n import Translator, translator
from bot.render.labels import (
    choice_name,
    named_score,
    round_label,
    score,
    short_name,
    status_label,
)
from bot.render.rich import Text, feed, fill, flatten

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_PX = 1000
HEIGHT_PX = 600  # for up to two rounds; each further round adds ROUND_PX
ROUND_PX = 300
DPI = 100
MAX_ROUNDS = 6  # the latest ones; a taller chart is unreadable in Discord
# SVG text is kept as text (searchable, readable by a screen reader, no font embedded):
# an rcParam, and rcParams are process-wide, so SVG drawings take turns.
_SVG_LOCK = threading.Lock()


def chart_size(rounds: int) -> tuple[int, int]:
    """Width and height in pixels of a chart of `rounds` rounds."""
    shown = min(max(rounds, 1), MAX_ROUNDS)
    return WIDTH_PX, HEIGHT_PX + max(0, shown - 2) * ROUND_PX


def _plain(text: str) -> str:
    """Text for matplotlib: "$" would start mathtext, so it is escaped."""
    return text.replace("$", r"\$")


def history_figure(
    election: Election,
    history: Mapping[str, Sequence[tuple[datetime, Tally]]],
    *,
    language: str = DEFAULT_LANGUAGE,
) -> Figure:
    """The chart as a matplotlib Figure (round -> points, oldest first): one subplot per
    round, one line per choice, the majority line, challenged ballots as a band; every
    label in `language`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rounds = [(name, points) for name, points in history.items()][-MAX_ROUNDS:]
    width, height = chart_size(len(rounds))
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    t = translator(language)
    title = short_name(election)
    if election.name and election.name != title:
        template = t.pgettext("chart", "{name} — {full_name}")
        title = template.format(name=title, full_name=election.name)
    figure.suptitle(_plain(title), fontsize=13)
    if not rounds:
        axes = figure.subplots()
        axes.set_axis_off()
        empty = t.pgettext("chart", "No counts yet")
        axes.text(0.5, 0.5, empty, ha="center", va="center", fontsize=14)
    else:
        grid = figure.subplots(len(rounds), 1, squeeze=False)
        for (round_, points), axes in zip(rounds, grid[:, 0], strict=True):
            _draw_round(t, axes, round_, sorted(points, key=lambda p: as_utc(p[0])))
    return figure


def render_history_png(
    election: Election,
    history: Mapping[str, Sequence[tuple[datetime, Tally]]],
    *,
    language: str = DEFAULT_LANGUAGE,
) -> bytes:
    """`history_figure` as PNG bytes."""
    figure = history_figure(election, history, language=language)
    buffer = io.BytesIO()
    # No "Software" metadata: the same data gives the same bytes whatever the version.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def render_history_svg(
    election: Election,
    history: Mapping[str, Sequence[tuple[datetime, Tally]]],
    *,
    language: str = DEFAULT_LANGUAGE,
    alt: str | None = None,
) -> bytes:
    """`history_figure` as SVG, its text kept as text; `alt` (see `chart_alt`) becomes the
    SVG's own title."""
    import matplotlib

    figure = history_figure(election, history, language=language)
    buffer = io.BytesIO()
    metadata = {"Title": alt or short_name(election), "Date": None}
    with _SVG_LOCK, matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata=metadata)
    return buffer.getvalue()


def chart_alt(election: Election, latest: Tally | None, *, language: str = DEFAULT_LANGUAGE) -> str:
    """The chart's text alternative: what it shows, and the latest figures in words."""
    t = translator(language)
    name = feed(short_name(election))
    if latest is None:
        template = t.pgettext("chart", "Chart of the count of {election}: no counts yet.")
        return _words(fill(template, election=name))
    template = t.pgettext(
        "chart", "Chart of the count of {election} over time, round by round. Latest: {score}."
    )
    return _words(fill(template, election=name, score=named_score(t, latest)))


async def render_history_png_async(
    election: Election,
    history: Mapping[str, Sequence[tuple[datetime, Tally]]],
    *,
    language: str = DEFAULT_LANGUAGE,
) -> bytes:
    """`render_history_png` in a worker thread, so the event loop keeps answering."""
    return await asyncio.to_thread(render_history_png, election, history, language=language)


def _words(text: Text) -> str:
    return flatten(text, lambda moment: "")


def _draw_round(
    t: Translator, axes: Axes, round_: str, points: Sequence[tuple[datetime, Tally]]
) -> None:
    """One round: a line per choice, the majority threshold, challenged as a band."""
    from matplotlib.dates import AutoDateLocator, date2num, num2date
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if not points:
        empty = t.pgettext("chart", "{round} — no counts yet").format(round=round_label(t, round_))
        axes.set_title(_plain(empty), fontsize=11)
        axes.set_axis_off()
        return
    # matplotlib.dates carries no annotations; hence the ignores below.
    times = date2num([as_utc(moment) for moment, _ in points])  # type: ignore[no-untyped-call]
    choices: dict[str, Choice] = {}
    for _, tally in points:
        choices.update((c.name, c) for c in tally.choices if c.name not in choices)
    marker = "o" if len(points) < 30 else None
    for name, choice in choices.items():
        votes = [_votes_of(tally, name) for _, tally in points]
        label = _plain(_words(choice_name(t, choice)))
        axes.plot(times, votes, marker=marker, linewidth=2, label=label)
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
        label=t.pgettext("chart", "majority line: half of the valid votes"),
    )
    if any(challenged):
        axes.fill_between(
            times,
            majority,
            with_challenged,
            color="tab:gray",
            alpha=0.3,
            label=t.pgettext("chart", "majority line if every challenged ballot counted"),
        )
    last = points[-1][1]
    values = {
        "round": round_label(t, round_),
        "status": status_label(t, last.status),
        "score": score(t, last),
    }
    if last.challenged:
        template = t.npgettext(
            "chart",
            "{round} · {status} · {score}; {count} challenged",
            "{round} · {status} · {score}; {count} challenged",
            last.challenged,
        )
        title = template.format(count=t.number(last.challenged), **values)
    else:
        title = t.pgettext("chart", "{round} · {status} · {score}").format(**values)
    axes.set_title(_plain(title), fontsize=11)
    axes.set_ylabel(t.pgettext("chart", "votes"))
    axes.set_xlabel(t.pgettext("chart", "time (UTC)"))
    axes.set_ylim(bottom=0)
    if times[0] == times[-1]:  # one moment: an hour either side, not a span of years
        axes.set_xlim(times[0] - 1 / 24, times[0] + 1 / 24)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: t.number(int(value))))
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    ticks = FuncFormatter(lambda value, _pos: t.chart_tick(num2date(value)))  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(ticks)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper left", fontsize=9)


def _votes_of(tally: Tally, name: str) -> int:
    return next((c.votes for c in tally.choices if c.name == name), 0)
