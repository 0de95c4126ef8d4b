"""The /history chart: PNG bytes of the right size, matplotlib only when drawing."""

from __future__ import annotations

import struct
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.core.models import LANGUAGES, Election, Status, Tally
from bot.render.charts import (
    chart_alt,
    chart_size,
    history_figure,
    render_history_png,
    render_history_png_async,
    render_history_svg,
)
from bot.render.i18n import translator

from .builders import BESSEMER, JFK8, NOW, REPO_ROOT, bessemer_2021, jfk8_history, num, rwdsu

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must open with."""
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def bessemer_history() -> dict[str, list[tuple[datetime, Tally]]]:
    start = NOW - timedelta(days=370)
    initial = [
        (start, rwdsu(200, 500, challenged=100, status=Status.COUNTING)),
        (start + timedelta(hours=20), replace(bessemer_2021(), status=Status.FINAL)),
    ]
    rerun = [
        (NOW - timedelta(hours=30), rwdsu(300, 350, "rerun", challenged=150)),
        (NOW - timedelta(hours=10), rwdsu(875, 993, "rerun", challenged=416, status=Status.FINAL)),
    ]
    return {"initial": initial, "rerun": rerun}


def test_jfk8_chart_is_a_png_of_the_stated_size() -> None:
    data = render_history_png(JFK8, {"initial": jfk8_history()})
    assert png_size(data) == chart_size(1) == (1000, 600)
    assert len(data) > 20_000  # lines, labels and a legend, not a blank canvas


def test_two_rounds_get_two_subplots() -> None:
    data = render_history_png(BESSEMER, bessemer_history())
    assert png_size(data) == chart_size(2) == (1000, 600)
    one_round = render_history_png(BESSEMER, {"rerun": bessemer_history()["rerun"]})
    assert data != one_round


def test_more_rounds_make_a_taller_chart() -> None:
    history = bessemer_history()
    history["rerun-2"] = history["rerun"]
    assert png_size(render_history_png(BESSEMER, history)) == (1000, 900)


def test_the_same_history_draws_the_same_bytes() -> None:
    assert render_history_png(JFK8, {"initial": jfk8_history()}) == render_history_png(
        JFK8, {"initial": jfk8_history()}
    )


def test_awkward_input_still_draws() -> None:
    odd = Election("odd", name="$5 an hour $\\alpha @everyone")
    one_point = {"initial": jfk8_history()[:1], "rerun": []}
    assert png_size(render_history_png(odd, one_point)) == (1000, 600)
    assert png_size(render_history_png(odd, {})) == (1000, 600)


async def test_async_rendering_runs_off_the_loop() -> None:
    data = await render_history_png_async(JFK8, {"initial": jfk8_history()})
    assert png_size(data) == (1000, 600)


def test_importing_render_does_not_import_matplotlib() -> None:
    code = (
        "import sys\n"
        "import bot.render.charts, bot.render.messages, bot.render.listing, bot.render.text\n"
        "import bot.render.view, bot.render.i18n\n"
        "bot.render.i18n.translator('es')\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def _labels(election: Election, language: str) -> list[str]:
    figure = history_figure(election, {"initial": jfk8_history()}, language=language)
    (axes,) = figure.axes
    legend = axes.get_legend()
    assert legend is not None
    texts = [text.get_text() for text in legend.get_texts()]
    return [*texts, axes.get_title(), axes.get_ylabel(), axes.get_xlabel()]


@pytest.mark.parametrize("language", LANGUAGES)
def test_chart_labels_come_from_the_catalogue(language: str) -> None:
    t = translator(language)
    labels = _labels(JFK8, language)
    assert t.pgettext("chart", "majority line: half of the valid votes") in labels
    assert t.pgettext("chart", "votes") in labels and t.pgettext("chart", "time (UTC)") in labels
    title = next(label for label in labels if t.pgettext("round", "Initial tally") in label)
    assert f"{num(2654, language)}–{num(2131, language)}" in title
    assert num(67, language) in title


def test_a_spanish_legend_calls_no_union_sin_sindicato() -> None:
    assert "Sin sindicato" in _labels(JFK8, "es")
    assert "No union" in _labels(JFK8, "en")
    assert "No union" not in _labels(JFK8, "es")


def test_spanish_and_english_charts_differ() -> None:
    history = {"initial": jfk8_history()}
    assert render_history_png(JFK8, history, language="es") != render_history_png(JFK8, history)


def test_the_page_gets_the_same_chart_as_svg_with_its_text_kept_as_text() -> None:
    history = bessemer_history()
    svg = render_history_svg(BESSEMER, history, language="es", alt="El gráfico").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<title>El gráfico</title>" in svg  # the text alternative, as the SVG's title
    t = translator("es")
    for words in ("Sin sindicato", "RWDSU", t.pgettext("chart", "votes")):
        assert words in svg  # text, not glyph outlines
    assert t.pgettext("round", "Rerun") in svg and t.pgettext("round", "Initial tally") in svg
    png = render_history_png(BESSEMER, history, language="es")
    assert png.startswith(PNG_MAGIC)  # the SVG's settings do not leak into the next PNG
    assert png == render_history_png(BESSEMER, history, language="es")


def test_a_round_seen_once_spans_two_hours_not_years() -> None:
    one = {"initial": [(NOW, bessemer_2021())]}
    (axes,) = history_figure(BESSEMER, one).axes
    left, right = axes.get_xlim()
    assert right - left == pytest.approx(2 / 24)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_text_alternative_says_the_latest_figures(language: str) -> None:
    t = translator(language)
    alt = chart_alt(JFK8, jfk8_history()[-1][1], language=language)
    assert "JFK8" in alt and f"{num(2654, language)}" in alt and f"{num(2131, language)}" in alt
    assert ("Sin sindicato" in alt) is (language == "es")
    empty = chart_alt(JFK8, None, language=language)
    assert empty == t.pgettext("chart", "Chart of the count of {election}: no counts yet.").format(
        election="JFK8"
    )
