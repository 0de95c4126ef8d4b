"""The demo replays the real figures through the real pipeline and prints the posts."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.numbers import format_decimal, format_percent

from bot.cli.root import build_runtime
from bot.demo.replay import closing_words, load_steps, run_demo, took
from bot.render.i18n import LOCALES
from tests.conftest import REPO_ROOT
from tests.render.catalogue_util import leaked_english

PNG = b"\x89PNG\r\n\x1a\n"


async def test_demo_prints_jfk8_and_bessemer_with_the_real_figures(tmp_path: Path) -> None:
    out = io.StringIO()
    charts = await run_demo(build_runtime, tmp_path / "charts", out)
    text = out.getvalue()
    assert "a first document is a silent baseline" in text
    assert "JFK8: count paused" in text and "1,518–1,154" in text
    assert "The union needs 42% of the 2,197 ballots left" in text
    assert "JFK8: count resumed" in text
    assert "JFK8: count complete — union wins" in text and "2,654–2,131" in text
    assert "Bessemer: new round — rerun" in text
    assert "Bessemer: count complete — result depends on challenged ballots" in text
    assert "875–993" in text and "416" in text
    assert "738–1,798" in text  # the 2021 round, summarised as an earlier round
    assert "Bessemer: count complete — union loses" not in text
    assert sorted(p.name for p in charts) == ["bessemer.png", "jfk8.png"]
    assert all(p.read_bytes().startswith(PNG) for p in charts)


def _feed_strings(value: Any) -> Iterator[str]:
    """Every string of the replay's documents (names, sources: shown as the feed wrote them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _feed_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _feed_strings(item)


def _our_words(text: str, charts: list[Path]) -> str:
    """`text` without what is not ours to translate: feed text, links, file paths."""
    for path in charts:
        text = text.replace(str(path), " ")
    names = {s for step in load_steps() for s in _feed_strings(step.document) if len(s) > 3}
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return re.sub(r"https?://\S+", " ", text)


async def test_the_spanish_demo_speaks_spanish_narration_and_closing_words_included(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    charts = await run_demo(build_runtime, tmp_path / "charts", out, language="es")
    text = out.getvalue() + closing_words(charts, "es") + took(4.2, "es")
    assert "▶ Paso 1/10: Antes de los recuentos" in text
    assert "[ilustración]" in text and "(no se publicó nada" in text
    assert "JFK8: recuento en pausa" in text and "JFK8: se reanudó el recuento" in text
    assert "JFK8: recuento terminado — gana el sindicato" in text
    assert "Bessemer: nueva ronda — repetición de la elección" in text
    assert "Bessemer: recuento terminado — el resultado depende de las papeletas impugnadas" in text
    assert "Sin sindicato" in text and "No union" not in text  # the against choice (§13)
    es = LOCALES["es"]
    assert f"{format_decimal(1518, locale=es)}–{format_decimal(1154, locale=es)}" in text
    need = format_percent(0.42, locale=es)
    assert f"El sindicato necesita el {need} de las {format_decimal(2197, locale=es)}" in text
    assert "Gráficos de cada recuento" in text and "python -m bot run --dry-run" in text
    assert leaked_english(_our_words(text, charts)) == set()
    assert sorted(p.name for p in charts) == ["bessemer.png", "jfk8.png"]


def test_the_english_template_word_check_can_fail(tmp_path: Path) -> None:
    english = closing_words([tmp_path / "jfk8.png"], "en")
    assert {"charts", "count", "pipeline"} <= leaked_english(_our_words(english, []))


def test_illustrations_are_labelled_and_real_steps_are_not() -> None:
    steps = load_steps()
    invented = [s for s in steps if s.illustration]
    assert invented and all("illustration" in s.narration for s in invented)
    finals = [s for s in steps if "real figures" in s.narration]
    assert len(finals) == 2 and not any(s.illustration for s in finals)


def test_closing_words_say_how_to_run_it_for_real(tmp_path: Path) -> None:
    words = closing_words([tmp_path / "jfk8.png"])
    assert "python -m bot run --dry-run" in words and "DISCORD_TOKEN" in words


@pytest.mark.e2e
def test_demo_command_exits_zero(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--output-dir", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "JFK8: count complete — union wins" in result.stdout
    assert (tmp_path / "out" / "jfk8.png").exists()
    assert "Traceback" not in result.stderr


def test_the_demo_takes_a_language_the_bot_speaks() -> None:
    from bot.cli.main import build_parser

    parser = build_parser()
    assert parser.parse_args(["demo", "--language", "es"]).language == "es"
    assert parser.parse_args(["demo"]).language == "en"
    with pytest.raises(SystemExit):
        parser.parse_args(["demo", "--language", "fr"])


async def test_the_demo_replays_from_a_published_sheet_too(tmp_path: Path) -> None:
    """Issue 17: the same count typed into a spreadsheet and published as CSV posts the same."""
    out = io.StringIO()
    await run_demo(build_runtime, tmp_path / "charts", out, feed_format="sheet-csv")
    text = out.getvalue()
    assert "JFK8: count paused" in text and "1,518–1,154" in text
    assert "JFK8: count complete — union wins" in text and "2,654–2,131" in text
    assert "Bessemer: count complete — result depends on challenged ballots" in text
    assert "Source: feed demo (unofficial)" in text  # a sheet carries no source label
