"""`check-feed` on files and on http URLs served from 127.0.0.1, and the tally JSON object."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from bot.cli.check_feed import add_arguments, check_feed, feed_url
from bot.core.models import Choice, Election, Status, Tally
from bot.feeds.base import FeedFormat
from bot.render.tally_json import tally_json
from tests.conftest import REPO_ROOT
from tests.feeds.conftest import FEED_FIXTURES, FOIA_CSV, Serve, fixture_bytes
from tests.support.jfk8 import DAY_ONE_TALLY_JSON

NATIVE = {
    "feed_version": 1,
    "source": "ALU count watchers, unofficial",
    "elections": [
        {
            "id": "jfk8",
            "name": "Amazon JFK8 (Staten Island, NY)",
            "case_number": "29-RC-288020",
            "status": "paused",
            "eligible_voters": 8325,
            "choices": [
                {"name": "Amazon Labor Union", "votes": 1518},
                {"name": "No union", "votes": 1154, "against": True},
            ],
        },
        {"id": "broken", "choices": []},
    ],
}


async def run_check(target: str, fmt: FeedFormat, **kwargs: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await check_feed(target, fmt, stdout=out, stderr=err, **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def test_tally_json_is_the_dry_run_object_of_design_6() -> None:
    tally = Tally(
        election_id="jfk8",
        choices=(Choice("Amazon Labor Union", 1518), Choice("No union", 1154, against=True)),
        status=Status.PAUSED,
        eligible_voters=8325,
    )
    assert tally_json(tally) == DAY_ONE_TALLY_JSON
    assert list(tally_json(tally)) == [
        "status",
        "choices",
        "challenged",
        "void",
        "valid",
        "leader",
        "margin",
        "outcome",
        "challenges_determinative",
        "remaining",
        "decided",
        "eligible_voters",
    ]


async def test_a_case_page_file_in_jsonl() -> None:
    path = FEED_FIXTURES / "nlrb_case_jfk8.html"
    code, out, err = await run_check(str(path), FeedFormat.NLRB_CASE, output="jsonl")
    assert code == 0, err
    (line,) = [json.loads(text) for text in out.splitlines()]
    assert line["election"] == "29-rc-288020-a"
    assert line["round"] == "initial"
    assert line["case_number"] == "29-RC-288020"
    assert line["unit"] == "A"
    assert line["name"] == "Amazon.com Services LLC"
    tally = line["tally"]
    assert tally["status"] == "final"
    assert tally["choices"] == [
        {"name": "Amazon Labor Union", "votes": 2654},
        {"name": "No union", "votes": 2131, "against": True},
    ]
    assert (tally["challenged"], tally["void"], tally["valid"]) == (67, 17, 4785)
    assert (tally["outcome"], tally["decided"], tally["remaining"]) == ("union_wins", True, 0)
    assert tally["challenges_determinative"] is False


async def test_config_elections_give_the_slug(shared_dir: Path) -> None:
    bessemer = Election(id="bessemer", name="Amazon BHM1", aliases=("bhm1",))
    code, out, _ = await run_check(
        str(shared_dir / FOIA_CSV),
        FeedFormat.NLRB_CSV,
        output="jsonl",
        elections={("10-RC-269250", "A"): bessemer},
    )
    assert code == 0
    lines = [json.loads(text) for text in out.splitlines()]
    (line,) = [line for line in lines if line.get("election") == "bessemer"]
    assert line["name"] == "Amazon BHM1"
    problems = [line for line in lines if "error" in line]
    assert problems == [
        {
            "election": "01-ud-192490-a",
            "field": "Tally Category",
            "error": "row 14: a UD (deauthorization) vote: skipped",
        }
    ]


async def test_an_http_feed_with_a_problem_in_jsonl(serve: Serve) -> None:
    agents: list[str] = []

    async def feed(request: web.Request) -> web.Response:
        agents.append(request.headers["User-Agent"])
        return web.json_response(NATIVE)

    app = web.Application()
    app.router.add_get("/tally.json", feed)
    base = await serve(app)
    code, out, _ = await run_check(
        str(base / "tally.json"), FeedFormat.NATIVE, output="jsonl", user_agent_contact="ops@x.org"
    )
    assert code == 0
    first, problem = (json.loads(text) for text in out.splitlines())
    assert first["election"] == "jfk8"
    assert first["tally"]["status"] == "paused"
    assert first["tally"]["margin"] == 364
    assert first["name"] == "Amazon JFK8 (Staten Island, NY)"
    assert problem["election"] == "broken"
    assert problem["field"] == "choices"
    assert set(problem) == {"election", "field", "error"}
    assert "ops@x.org" in agents[0]


async def test_text_output_is_readable(serve: Serve) -> None:
    async def feed(request: web.Request) -> web.Response:
        return web.json_response(NATIVE)

    app = web.Application()
    app.router.add_get("/tally.json", feed)
    base = await serve(app)
    code, out, _ = await run_check(str(base / "tally.json"), FeedFormat.NATIVE)
    assert code == 0
    assert "jfk8 · initial · paused — Amazon JFK8 (Staten Island, NY)" in out
    assert "1,518  Amazon Labor Union" in out
    assert "1,154  No union (against)" in out
    assert "outcome union_wins (Amazon Labor Union), margin 364, not decided" in out
    assert "problem: broken · choices: elections[1]:" in out
    assert out.rstrip().endswith(f"1 tally, 1 problem from {base / 'tally.json'}")


async def test_a_server_error_exits_1(serve: Serve) -> None:
    async def feed(request: web.Request) -> web.Response:
        return web.Response(status=500)

    app = web.Application()
    app.router.add_get("/tally.json", feed)
    base = await serve(app)
    code, out, err = await run_check(str(base / "tally.json"), FeedFormat.NATIVE)
    assert code == 1
    assert out == ""
    assert f"HTTP 500 Internal Server Error from 127.0.0.1:{base.port}/tally.json" in err


async def test_a_firewall_page_exits_1(serve: Serve) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(body=fixture_bytes("nlrb_firewall.html"), content_type="text/html")

    app = web.Application()
    app.router.add_get("/case/29-RC-288020", page)
    base = await serve(app)
    code, out, err = await run_check(str(base / "case" / "29-RC-288020"), FeedFormat.NLRB_CASE)
    assert code == 1
    assert out == ""
    assert "firewall" in err


async def test_a_missing_file_exits_1(tmp_path: Path) -> None:
    code, _, err = await run_check(str(tmp_path / "none.json"), FeedFormat.NATIVE)
    assert code == 1
    assert "file not found" in err


async def test_an_unsupported_scheme_exits_2() -> None:
    code, _, err = await run_check("ftp://example.org/feed", FeedFormat.NATIVE)
    assert code == 2
    assert "unsupported URL scheme" in err


def test_bare_paths_become_file_urls(tmp_path: Path) -> None:
    assert feed_url(str(tmp_path / "f.csv")) == (tmp_path / "f.csv").as_uri()
    assert feed_url("https://example.org/x") == "https://example.org/x"


def test_arguments_parse_as_design_6_says() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--format", "nlrb-csv", "export.csv", "--output", "jsonl"])
    assert (args.format, args.target, args.output) == ("nlrb-csv", "export.csv", "jsonl")
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args(["--format", "rss", "x"])
    assert exit_info.value.code == 2


def test_the_module_runs_as_a_command() -> None:
    path = FEED_FIXTURES / "nlrb_case_bessemer.html"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.check_feed", "--format", "nlrb-case", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "10-rc-269250-a · rerun · final" in done.stdout
    assert "challenges determinative" in done.stdout
    assert done.stdout.rstrip().endswith(f"2 tallies, 0 problems from {path.as_uri()}")


def test_every_format_is_a_choice_sheet_csv_included() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    for fmt in ("native", "sheet-csv", "nlrb-csv", "nlrb-case", "nlrb-results"):
        assert parser.parse_args(["--format", fmt, "x"]).format == fmt


def test_a_sheet_with_a_misspelt_column_exits_1(tmp_path: Path) -> None:
    sheet = tmp_path / "count.csv"
    text = (FEED_FIXTURES / "sheet_counting.csv").read_text(encoding="utf-8-sig")
    sheet.write_text(text.replace("Challenged", "Chalenged", 1), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.check_feed", "--format", "sheet-csv", str(sheet)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stdout
    assert "did you mean `challenged`?" in done.stderr
    assert done.stdout == ""
