"""What the web tests share: JFK8 and Bessemer as store values, publishing into a real
store as the poller does (source history, published tally, then the hub), and the app on
an aiohttp test server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.core.models import Choice, Election, SourceKind, Status, Tally
from bot.services.hub import ChangeHub
from bot.store import Published, Store
from bot.web import build_web_app
from bot.web.context import CONTEXT, WebContext
from bot.web.i18n import Catalogues
from bot.web.streams import StreamSettings

T0 = datetime(2022, 3, 31, 23, 0, tzinfo=UTC)

JFK8 = Election(
    id="jfk8",
    name="Amazon JFK8 (Staten Island, NY)",
    aliases=("staten-island",),
    case_number="29-RC-288020",
    employer="Amazon.com Services LLC",
    location="Staten Island, NY",
)
BESSEMER = Election(id="bessemer", name="Amazon BHM1 (Bessemer, AL)", case_number="10-RC-269250")


def jfk8(
    union: int,
    against: int,
    *,
    status: Status = Status.COUNTING,
    challenged: int = 0,
    void: int = 0,
    ballots_cast: int | None = None,
    updated_at: datetime | None = None,
    note: str | None = None,
) -> Tally:
    return Tally(
        election_id="jfk8",
        choices=(Choice("Amazon Labor Union", union), Choice("No union", against, against=True)),
        challenged=challenged,
        void=void,
        status=status,
        ballots_cast=ballots_cast,
        eligible_voters=8325,
        updated_at=updated_at,
        source="organizers",
        source_kind=SourceKind.NATIVE,
        source_label="ALU count watchers, unofficial",
        note=note,
    )


def bessemer(round_: str, union: int, against: int, challenged: int, eligible: int) -> Tally:
    """An official NLRB tally of Bessemer (its own determinative flag, as the NLRB says)."""
    return Tally(
        election_id="bessemer",
        round=round_,
        choices=(
            Choice("Retail, Wholesale and Department Store Union", union),
            Choice("No union", against, against=True),
        ),
        challenged=challenged,
        void=0,
        status=Status.FINAL,
        eligible_voters=eligible,
        determinative_flag=round_ == "rerun",
        source="nlrb",
        source_kind=SourceKind.OFFICIAL,
    )


class StaticHttp:
    """The two keys of config `http:` the app reads."""

    def __init__(self, max_streams: int = 500, public_url: str | None = None) -> None:
        self.max_streams = max_streams
        self.public_url = public_url


async def publish(
    store: Store,
    hub: ChangeHub | None,
    tallies: Sequence[Tally],
    *,
    elections: Sequence[Election] = (),
    now: datetime | None = None,
) -> None:
    """Store tallies as the poller does (history, then published) and tell the hub."""
    async with store.transaction() as uow:
        known = await uow.elections.get_many({t.election_id for t in tallies})
        missing = [e for e in elections if e.id not in known] or [
            Election(id=t.election_id) for t in tallies if t.election_id not in known
        ]
        if elections:
            await uow.elections.upsert_from_feed(elections, now=now)
        elif missing:
            await uow.elections.upsert_from_feed(missing, now=now)
        await uow.tallies.record_many(tallies, now=now)
        await uow.published.set_many([Published(t) for t in tallies], now=now)
    if hub is not None:
        hub.publish(t.election_id for t in tallies)


@dataclass
class Web:
    client: TestClient[object, object]
    hub: ChangeHub
    store: Store

    @property
    def base(self) -> str:
        return str(self.client.make_url("")).rstrip("/")

    @property
    def context(self) -> WebContext:
        return self.client.server.app[CONTEXT]  # type: ignore[index]


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Until `check()` holds (for state the app reaches on its own, such as a stream
    noticed closed), else fail after `timeout` seconds."""
    for _ in range(int(timeout / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"still not true after {timeout} s")


@asynccontextmanager
async def serve(
    store: Store,
    *,
    hub: ChangeHub | None = None,
    streams: StreamSettings | None = None,
    http: StaticHttp | None = None,
    catalogues: Catalogues | None = None,
) -> AsyncIterator[Web]:
    """The app on a test server on 127.0.0.1 (a free port), started and cleaned up."""
    hub = hub or ChangeHub()
    app = build_web_app(
        store=store,
        hub=hub,
        settings_http=http or StaticHttp(),
        streams=streams,
        catalogues=catalogues,
    )
    server = TestServer(app, host="127.0.0.1")
    client: TestClient[object, object] = TestClient(server)
    await client.start_server()
    try:
        yield Web(client, hub, store)
    finally:
        await client.close()


@dataclass(frozen=True)
class Message:
    """One Server-Sent Events message: its event name, id and data (comments: event "")."""

    event: str
    id: str | None
    data: bytes


async def next_message(response: ClientResponse, *, comments: bool = False) -> Message:
    """The next message of an event stream (comment lines skipped unless `comments`)."""
    event, event_id, data = "", None, b""
    while True:
        line = (await response.content.readline()).rstrip(b"\r\n")
        if not line and response.content.at_eof():
            raise EOFError("the event stream ended")
        if line.startswith(b":"):
            if comments:
                return Message("", None, line[1:].strip())
            continue
        if not line:
            if data or event:
                return Message(event or "message", event_id, data)
            continue
        field, _, value = line.partition(b":")
        value = value.removeprefix(b" ")
        if field == b"event":
            event = value.decode()
        elif field == b"id":
            event_id = value.decode()
        elif field == b"data":
            data = data + b"\n" + value if data else value


async def publish_and_see(web: Web, tallies: Sequence[Tally], *, now: datetime) -> Message:
    """Publish as the poller does and wait until the app has it: the `tally` event of the
    first tally's election arrives on its stream."""
    async with web.client.get(f"/e/{tallies[0].election_id}/events") as stream:
        assert stream.status == 200
        await publish(web.store, web.hub, tallies, now=now)
        async with asyncio.timeout(5):
            return await next_message(stream)
