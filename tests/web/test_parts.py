"""The web edge's small parts: language negotiation, page links, the listening address,
the runner on the running loop, and the chart."""

from __future__ import annotations

import aiohttp
import pytest

from bot.services.hub import ChangeHub
from bot.store import Store
from bot.web import WebServer, build_web_app, election_url
from bot.web.i18n import negotiate
from bot.web.server import parse_listen
from tests.web.support import JFK8, T0, StaticHttp, bessemer, jfk8, publish, serve

BOTH = ("en", "es")


@pytest.mark.parametrize(
    ("query", "header", "available", "expected"),
    [
        ("es", "en", BOTH, "es"),
        ("ES-mx", None, BOTH, "es"),
        ("fr", "es-419,es;q=0.9", BOTH, "es"),  # an unknown ?lang= falls through
        (None, "fr-FR,fr;q=0.9,es;q=0.8,en;q=0.7", BOTH, "es"),
        (None, "en;q=0.2, es;q=0.9", BOTH, "es"),
        (None, "es;q=0, en", BOTH, "en"),
        (None, "de, *", BOTH, "en"),  # the default
        (None, "es", ("en",), "en"),  # no Spanish catalogue yet
        (None, "q=;;,,;", BOTH, "en"),
        (None, None, BOTH, "en"),
    ],
)
def test_the_language_follows_lang_then_accept_language_then_the_default(
    query: str | None, header: str | None, available: tuple[str, ...], expected: str
) -> None:
    assert negotiate(query, header, available=available, default="en") == expected


def test_the_configured_default_answers_when_the_reader_names_nothing_available() -> None:
    assert negotiate(None, "de", available=BOTH, default="es") == "es"


def test_election_url_joins_the_public_address_and_the_page() -> None:
    assert election_url("https://tally.example.org/", "jfk8") == "https://tally.example.org/e/jfk8"
    assert election_url("https://example.org/tally", "29-rc-288020-a") == (
        "https://example.org/tally/e/29-rc-288020-a"
    )
    assert election_url(None, "jfk8") is None and election_url("", "jfk8") is None


@pytest.mark.parametrize(
    ("listen", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("[::1]:9000", ("::1", 9000)),
        (":5000", ("0.0.0.0", 5000)),
        ("0.0.0.0:0", ("0.0.0.0", 0)),
    ],
)
def test_listen_addresses(listen: str, expected: tuple[str, int]) -> None:
    assert parse_listen(listen) == expected


@pytest.mark.parametrize("listen", ["8080", "localhost", "host:port", "1.2.3.4:70000"])
def test_a_bad_listen_address_is_refused(listen: str) -> None:
    with pytest.raises(ValueError, match=r"http\.listen"):
        parse_listen(listen)


async def test_the_server_runs_on_the_running_loop_and_stops(sqlite_store: Store) -> None:
    await publish(sqlite_store, None, [jfk8(1518, 1154)], elections=[JFK8], now=T0)
    hub = ChangeHub()
    app = build_web_app(store=sqlite_store, hub=hub, settings_http=StaticHttp())
    server = WebServer(app, listen="127.0.0.1:0")
    await server.start()
    try:
        assert hub.subscribers == 1  # the app follows the hub once started
        async with aiohttp.ClientSession() as session, session.get(server.url + "/feed.json") as r:
            assert r.status == 200 and b"Amazon Labor Union" in await r.read()
    finally:
        await server.stop()
    assert hub.subscribers == 0
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.port


async def test_extra_routes_are_added_to_the_app(sqlite_store: Store) -> None:
    from aiohttp import web

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    def add_health(app: web.Application) -> None:
        app.router.add_get("/healthz", healthz)

    app = build_web_app(
        store=sqlite_store, hub=ChangeHub(), settings_http=StaticHttp(), routes=[add_health]
    )
    server = WebServer(app, listen="127.0.0.1:0")
    await server.start()
    try:
        async with aiohttp.ClientSession() as session, session.get(server.url + "/healthz") as r:
            assert r.status == 200 and await r.json() == {"ok": True}
            assert "Content-Security-Policy" in r.headers
    finally:
        await server.stop()


async def test_the_chart_is_an_svg_of_every_round_drawn_once_per_state(sqlite_store: Store) -> None:
    await publish(sqlite_store, None, [bessemer("initial", 738, 1798, 505, 5867)], now=T0)
    await publish(sqlite_store, None, [bessemer("rerun", 875, 993, 416, 6153)], now=T0)
    async with serve(sqlite_store) as web:
        first = await web.client.get("/e/bessemer/chart.svg")
        svg = await first.read()
        again = await web.client.get(
            "/e/bessemer/chart.svg", headers={"If-None-Match": first.headers["ETag"]}
        )
        missing = await web.client.get("/e/nowhere/chart.svg")
    assert first.status == 200 and first.headers["Content-Type"] == "image/svg+xml"
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    text = svg.decode()
    assert "Retail, Wholesale and Department Store Union" in text  # SVG text stays text
    assert "Initial tally" in text and "Rerun" in text
    assert again.status == 304 and missing.status == 404
