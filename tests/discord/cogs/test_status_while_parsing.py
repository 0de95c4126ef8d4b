"""The bot stays responsive while a hostile document is parsed (issue 12): a 1 MB NLRB page
parsed off the loop, in a worker thread as the poller should run it (`asyncio.to_thread`
with a deadline), while /status is answered on the loop within a second."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from bot.discord.cogs.elections import Elections
from bot.feeds.base import FeedFormat, ParseContext, ParseError, ParseResult
from bot.feeds.parsers import parse
from tests.discord.cogs.fakes import T0, answer_of, invoke, make_interaction

HEAD = (
    '<html><head><title>Case</title></head><body><h1 class="uswds-page-title">X</h1>'
    '<div id="block-mainpagecontent"><div class="display-flex flex-justify flex-wrap">'
    "<div><b>Case Number:</b> 29-RC-288020</div></div>"
    '<div class="display-flex flex-justify flex-wrap"><div><b>Tally Type:</b> Initial</div>'
    "<div><b>Votes Against:</b> 5</div><div><b>Votes for Labor Union:</b> 7</div>"
    "<div><b>Labor Union:</b> U</div>"
)
TAIL = "</div></div></body></html>"
RUN = "<b>L</b><div>" * 400 + "x" + "</div>" * 400  # as deep as a page may go, many labels


def hostile_page(size: int = 1_000_000) -> bytes:
    return (HEAD + RUN * ((size - len(HEAD) - len(TAIL)) // len(RUN)) + TAIL).encode()


async def status_latency(elections: Elections, bot: Any) -> float:
    interaction = make_interaction(bot)
    begun = time.perf_counter()
    await invoke(elections.status, elections, interaction, election="jfk8")
    assert "1,518" in answer_of(interaction).text
    return time.perf_counter() - begun


async def test_status_answers_within_a_second_while_a_1_mb_page_is_parsed(bot: Any) -> None:
    body = hostile_page()
    elections = Elections(bot, clock=lambda: T0)
    await status_latency(elections, bot)  # warm: imports and first queries out of the way
    started, ended = threading.Event(), threading.Event()

    def parse_in_worker() -> ParseResult | ParseError:
        started.set()
        try:
            return parse(FeedFormat.NLRB_CASE, body, ParseContext("nlrb").with_time_limit(60))
        except ParseError as exc:
            return exc
        finally:
            ended.set()

    parsing = asyncio.ensure_future(asyncio.to_thread(parse_in_worker))
    await asyncio.wait_for(asyncio.to_thread(started.wait), 10)
    during = []
    while not ended.is_set() and len(during) < 5:
        latency = await status_latency(elections, bot)
        if not ended.is_set():
            during.append(latency)  # answered while the page was still being parsed
    result = await asyncio.wait_for(parsing, 60)
    assert isinstance(result, ParseResult) and len(result.tallies) == 1
    assert during, "the parse ended before /status was answered: nothing overlapped"
    assert max(during) < 1.0, during
