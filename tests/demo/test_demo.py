"""The demo replays the real figures through the real pipeline and prints the posts."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.root import build_runtime
from bot.demo.replay import closing_words, load_steps, run_demo
from tests.conftest import REPO_ROOT

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
