"""`check-feed`: fetch and parse one feed as the poller would, and print each tally and problem
(DESIGN §6). Exit 0 when the document parsed, 1 when the fetch or the document failed."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

import aiohttp

from bot.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from bot.core.masking import mask_url
from bot.core.models import Election
from bot.core.rules import summarize
from bot.feeds.base import (
    Document,
    FeedFormat,
    FeedSource,
    ParseContext,
    ParsedTally,
    ParseError,
    ParseResult,
    Problem,
)
from bot.feeds.fetch import Fetcher, user_agent
from bot.feeds.parsers import parse
from bot.render.tally_json import tally_json

FEED_ID = "check-feed"
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_CONNECT_TIMEOUT_S = 5.0


class UsageError(ValueError):
    """The target is neither an http(s) or file URL nor a path."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `check-feed` (the caller adds `--config`)."""
    parser.add_argument(
        "--format",
        required=True,
        choices=[fmt.value for fmt in FeedFormat],
        help="the feed's format",
    )
    parser.add_argument(
        "target", metavar="URL_OR_PATH", help="an http(s) or file:// URL, or a path to a file"
    )
    parser.add_argument(
        "--output", choices=("text", "jsonl"), default="text", help="text (default) or jsonl"
    )


def run(
    args: argparse.Namespace,
    *,
    elections: Mapping[tuple[str, str], Election] | None = None,
    user_agent_contact: str | None = None,
    timeout_s: float | None = None,
    max_bytes: int | None = None,
    redirect_hosts: Sequence[str] = (),
) -> int:
    """The handler: with --config, the caller passes the config's elections, contact, limits."""
    return asyncio.run(
        check_feed(
            args.target,
            FeedFormat(args.format),
            output=args.output,
            elections=elections,
            user_agent_contact=user_agent_contact,
            timeout_s=timeout_s or DEFAULT_TIMEOUT_S,
            max_bytes=max_bytes or DEFAULT_MAX_BYTES,
            redirect_hosts=redirect_hosts,
        )
    )


def feed_url(target: str) -> str:
    """An http(s) or file URL as given; a bare path becomes a file:// URL."""
    scheme, sep, _ = target.partition("://")
    if sep:
        if scheme.lower() in ("http", "https", "file"):
            return target
        raise UsageError(f"unsupported URL scheme {scheme!r}: use http(s), file:// or a path")
    return Path(target).expanduser().resolve().as_uri()


async def check_feed(
    target: str,
    fmt: FeedFormat,
    *,
    output: str = "text",
    elections: Mapping[tuple[str, str], Election] | None = None,
    user_agent_contact: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
    redirect_hosts: Sequence[str] = (),
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Fetch and parse one feed, print what was found; returns the exit code."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        url = feed_url(target)
    except UsageError as exc:
        print(f"check-feed: {exc}", file=err)
        return EXIT_USAGE
    source = FeedSource(FEED_ID, url, fmt, timeout_s, max_bytes, connect_timeout_s)
    async with aiohttp.ClientSession() as session:
        fetcher = Fetcher(session, user_agent(user_agent_contact), redirect_hosts=redirect_hosts)
        fetched = await fetcher.fetch(source, None)
    if not isinstance(fetched, Document):
        reason = fetched.reason  # a FetchFailure (nothing is "unchanged" without validators)
        print(f"check-feed: fetch failed: {reason}", file=err)
        return EXIT_FAILED
    try:
        result = parse(fmt, fetched.body, ParseContext(FEED_ID, dict(elections or {})))
    except ParseError as exc:
        print(f"check-feed: the {fmt.value} document failed: {exc}", file=err)
        return EXIT_FAILED
    try:
        if output == "jsonl":
            write_jsonl(result, out)
        else:
            write_text(result, url, out)
        out.flush()
    except BrokenPipeError:
        # The reader left early (`| head`): not a failure of the feed. Point stdout at
        # devnull so the interpreter's final flush does not complain (Python docs, SIGPIPE).
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK


def tally_line(parsed: ParsedTally) -> dict[str, object]:
    """The jsonl object of one tally: election, round, tally, and what is known of it."""
    election = parsed.election
    line: dict[str, object] = {
        "election": parsed.tally.election_id,
        "round": parsed.tally.round,
        "tally": tally_json(parsed.tally),
    }
    if election.case_number is not None:
        line["case_number"] = election.case_number
        line["unit"] = election.unit
    if election.name is not None:
        line["name"] = election.name
    return line


def write_jsonl(result: ParseResult, out: TextIO) -> None:
    for parsed in result.tallies:
        out.write(json.dumps(tally_line(parsed), ensure_ascii=False) + "\n")
    for problem in result.problems:
        out.write(json.dumps(problem.as_json(), ensure_ascii=False) + "\n")


def write_text(result: ParseResult, url: str, out: TextIO) -> None:
    for parsed in result.tallies:
        out.write(describe(parsed) + "\n")
    for problem in result.problems:
        out.write(describe_problem(problem) + "\n")
    tallies, problems = len(result.tallies), len(result.problems)
    out.write(
        f"{tallies} {'tally' if tallies == 1 else 'tallies'}, "
        f"{problems} {'problem' if problems == 1 else 'problems'} from {mask_url(url)}\n"
    )


def describe(parsed: ParsedTally) -> str:
    """A few lines a person can read: who, which round, the votes, what they mean."""
    tally, election = parsed.tally, parsed.election
    summary = summarize(tally)
    title = f"{tally.election_id} · {tally.round} · {tally.status.value}"
    if election.name:
        title += f" — {election.name}"
    if election.case_number:
        title += f" ({election.case_number}, unit {election.unit})"
    lines = [title]
    for choice in tally.choices:
        name = f"{choice.name} (against)" if choice.against else choice.name
        lines.append(f"  {choice.votes:>9,}  {name}")
    counts = [
        f"valid {summary.valid:,}",
        f"challenged {_number(tally.challenged)}",
        f"void {_number(tally.void)}",
        f"eligible {_number(tally.eligible_voters)}",
        f"remaining {_number(summary.remaining)}",
    ]
    lines.append("  " + " · ".join(counts))
    outcome = summary.outcome
    detail = outcome.winner or (" vs ".join(outcome.runoff) if outcome.runoff else "")
    verdict = f"  outcome {outcome.kind.value}" + (f" ({detail})" if detail else "")
    verdict += f", margin {summary.margin:,}"
    verdict += ", decided" if summary.decided else ", not decided"
    if summary.challenges_determinative:
        verdict += ", challenges determinative"
    lines.append(verdict)
    return "\n".join(lines)


def describe_problem(problem: Problem) -> str:
    where = " · ".join(part for part in (problem.election, problem.field) if part)
    return f"problem: {where}: {problem.error}" if where else f"problem: {problem.error}"


def _number(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bot.cli.check_feed`: the command without a config file."""
    parser = argparse.ArgumentParser(prog="python -m bot.cli.check_feed")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
