"""The status page as HTML: every election, the most recently changed first; one election's
figures in tables a person and a screen reader can read; its chart with a text
alternative; feed text escaped; a policy that allows only the page's own origin; the
reader's language."""

from __future__ import annotations

from datetime import timedelta

from babel.numbers import format_decimal, format_percent
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bot.core.models import Choice, Election, Status, Tally
from bot.render.i18n import LOCALES
from bot.store import Store
from bot.web.i18n import Catalogues
from bot.web.responses import PAGE_POLICY
from tests.render.catalogue_util import leaked_english
from tests.web.support import (
    BESSEMER,
    JFK8,
    T0,
    StaticHttp,
    bessemer,
    jfk8,
    publish,
    publish_and_see,
    serve,
)

XSS = "<script>alert(1)</script>"


async def _seed(store: Store) -> None:
    await publish(
        store,
        None,
        [bessemer("initial", 738, 1798, 505, 5867)],
        elections=[BESSEMER],
        now=T0 - timedelta(days=400),
    )
    await publish(
        store, None, [bessemer("rerun", 875, 993, 416, 6153)], now=T0 - timedelta(days=30)
    )
    day_one = jfk8(1518, 1154, status=Status.PAUSED, ballots_cast=4869, note="Count resumes Friday")
    await publish(store, None, [day_one], elections=[JFK8], now=T0)
    async with store.transaction() as uow:
        await uow.elections.upsert_from_feed([Election(id="rdu1", name="Amazon RDU1")])


def _facts(page: HTMLParser) -> dict[str, str]:
    return {
        row.attributes["data-fact"] or "": row.css_first("td").text(strip=True)
        for row in page.css("table.facts tr[data-fact]")
    }


async def test_the_list_puts_the_most_recent_change_first_with_its_figures(
    sqlite_store: Store,
) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        response = await web.client.get("/")
        page = HTMLParser(await response.text())
    items = page.css("ul.elections li")
    assert [li.attributes["data-election"] for li in items] == ["jfk8", "bessemer", "rdu1"]
    first = items[0].text(separator=" ", strip=True)
    assert "Amazon JFK8 (Staten Island, NY)" in first
    assert "Amazon Labor Union 1,518 – No union 1,154" in first and "Count paused" in first
    assert "Rerun" in items[1].text() and "875" in items[1].text()
    assert "No tally yet" in items[2].text()
    assert items[0].css_first("a").attributes["href"] == "/e/jfk8"


async def test_the_list_follows_each_change_and_reorders(sqlite_store: Store) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        before = HTMLParser(await (await web.client.get("/")).text())
        revised = bessemer("rerun", 900, 993, 391, 6153)
        await publish_and_see(web, [revised], now=T0 + timedelta(hours=1))
        after = HTMLParser(await (await web.client.get("/")).text())
    order = [li.attributes["data-election"] for li in after.css("ul.elections li")]
    assert order == ["bessemer", "jfk8", "rdu1"]
    assert "900" in after.css_first("ul.elections li").text()
    assert "900" not in before.text()


async def test_an_elections_page_shows_the_figures_of_its_latest_round(sqlite_store: Store) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        response = await web.client.get("/e/jfk8")
        html = await response.text()
    assert response.status == 200 and response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = HTMLParser(html)
    assert page.css_first("html").attributes["lang"] == "en"
    assert page.css_first('meta[name="viewport"]') is not None
    assert page.css_first("h1").text() == "Amazon JFK8 (Staten Island, NY)"
    rows = [
        [cell.text(strip=True) for cell in row.css("th, td")]
        for row in page.css("table.choices tbody tr")
    ]
    assert rows == [["Amazon Labor Union", "1,518", "56.8%"], ["No union", "1,154", "43.2%"]]
    assert page.css_first("table.choices caption") is not None
    # The same sentences as a post's (the renderer's view model and catalogue).
    assert page.css_first(".state").text() == "Count paused. Amazon Labor Union leads by 364 votes."
    assert page.css_first(".need").text() == "The union needs 42% of the 2,197 ballots left."
    facts = _facts(page)
    assert facts["margin"] == "364"
    assert (facts["challenged"], facts["void"], facts["remaining"]) == ("0", "0", "2,197")
    assert (facts["ballots_cast"], facts["eligible"], facts["turnout"]) == (
        "4,869",
        "8,325",
        "58.5%",
    )
    assert facts["status"] == "Count paused"
    assert facts["source"] == "ALU count watchers, unofficial"
    assert facts["updated"] == "Mar 31, 2022, 11:00\u202fPM UTC"  # CLDR's narrow space
    assert "Count resumes Friday" in page.css_first(".note").text()
    image = page.css_first("figure.chart img")
    version = web.context.snapshot.get("jfk8").version  # type: ignore[union-attr]
    assert image.attributes["src"] == f"/e/jfk8/chart.svg?v={version}"  # a new state, a new URL
    assert "Amazon Labor Union 1,518" in (image.attributes["alt"] or "")
    assert page.css_first("p#live").attributes["data-events"] == "/e/jfk8/events"


async def test_earlier_rounds_are_summarised_and_a_result_in_doubt_is_said_so(
    sqlite_store: Store,
) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        page = HTMLParser(await (await web.client.get("/e/bessemer")).text())
    assert page.css_first("#latest-heading").text() == "Rerun: Count complete"
    assert page.css_first(".warning").text() == "The 416 challenged ballots can change the result."
    assert page.css_first(".state").text() == "Count complete. No union leads by 118 votes."
    [earlier] = page.css("table.earlier tbody tr")
    cells = [c.text(strip=True) for c in earlier.css("th, td")]
    assert cells[:4] == [
        "Initial tally",
        "Count complete",
        "Retail, Wholesale and Department Store Union 738 – No union 1,798",
        "505",
    ]
    assert cells[4] == "Union loses"
    assert _facts(page)["eligible"] == "6,153"


async def test_feed_text_is_escaped_everywhere_it_shows(sqlite_store: Store) -> None:
    hostile = Election(id="xss", name=XSS, employer='"><img src=x onerror=alert(2)>')
    tally = Tally(
        election_id="xss",
        choices=(Choice("<b>Union</b>", 5), Choice("No union", 3, against=True)),
        note="</p><script>alert(3)</script>",
        source_label="<i>watchers</i>",
    )
    await publish(sqlite_store, None, [tally], elections=[hostile], now=T0)
    async with serve(sqlite_store) as web:
        pages = [await (await web.client.get(path)).text() for path in ("/", "/e/xss")]
        chart = await (await web.client.get("/e/xss/chart.svg")).read()
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>Union" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert all(script.attributes.get("src") for script in HTMLParser(html).css("script"))
    page = HTMLParser(pages[1])
    assert page.css_first("h1").text() == XSS  # shown as text, as the source wrote it
    assert page.css_first("table.choices th[scope=row]").text() == "<b>Union</b>"
    assert _facts(page)["source"] == "<i>watchers</i> (unofficial)"
    assert b"<script" not in chart


async def test_every_answer_carries_a_policy_of_the_pages_own_origin(sqlite_store: Store) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        for path in ("/", "/e/jfk8", "/feed.json", "/e/jfk8.json", "/e/nowhere", "/static/page.js"):
            response = await web.client.get(path)
            assert response.headers["Content-Security-Policy"] == PAGE_POLICY, path
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        chart = await web.client.get("/e/jfk8/chart.svg")
        assert "script" not in chart.headers["Content-Security-Policy"]
    assert "default-src 'self'" in PAGE_POLICY and "unsafe" not in PAGE_POLICY


async def test_the_page_loads_nothing_from_another_host_and_has_no_inline_script(
    sqlite_store: Store,
) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        for path in ("/", "/e/jfk8", "/e/bessemer"):
            page = HTMLParser(await (await web.client.get(path)).text())
            assets = [n.attributes["href"] for n in page.css("link[href]")]
            assets += [n.attributes["src"] for n in page.css("script, img, iframe")]
            assert assets and all(
                a and a.startswith("/") and not a.startswith("//") for a in assets
            )
            assert all(not (s.text() or "").strip() for s in page.css("script"))
            assert not page.css("style") and not page.css("[style]")
            for asset in assets:
                assert (await web.client.get(asset or "")).status == 200, asset


async def test_static_files_are_served_with_their_types_and_validators(sqlite_store: Store) -> None:
    async with serve(sqlite_store) as web:
        script = await web.client.get("/static/page.js")
        assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert "EventSource" in await script.text()
        again = await web.client.get(
            "/static/page.js", headers={"If-None-Match": script.headers["ETag"]}
        )
        assert again.status == 304
        css = await web.client.get("/static/page.css")
        assert css.headers["Content-Type"] == "text/css; charset=utf-8"
        assert (await web.client.get("/static/secrets.txt")).status == 404


async def test_an_alias_redirects_and_an_unknown_election_is_a_404_page(
    sqlite_store: Store,
) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        moved = await web.client.get("/e/Staten-Island?lang=en", allow_redirects=False)
        assert moved.status == 301 and moved.headers["Location"] == "/e/jfk8?lang=en"
        missing = await web.client.get("/e/jfk9")
        page = HTMLParser(await missing.text())
    assert missing.status == 404
    assert "No election is called “jfk9”." in page.css_first("main").text()
    assert page.css_first("html").attributes["lang"] == "en"


async def test_a_public_url_gives_the_page_its_canonical_address(sqlite_store: Store) -> None:
    await _seed(sqlite_store)
    http = StaticHttp(public_url="https://tally.example.org/")
    async with serve(sqlite_store, http=http) as web:
        response = await web.client.get("/e/jfk8")
    assert response.headers["Link"] == '<https://tally.example.org/e/jfk8>; rel="canonical"'


async def test_a_page_limited_to_english_speaks_english_whatever_is_asked(
    sqlite_store: Store,
) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store, catalogues=Catalogues(("en",))) as web:
        for headers, query in (({}, "?lang=es"), ({"Accept-Language": "es-419,es;q=0.9"}, "")):
            page = HTMLParser(
                await (await web.client.get("/e/jfk8" + query, headers=headers)).text()
            )
            assert page.css_first("html").attributes["lang"] == "en"
            assert page.css_first("table.choices caption").text() == "Valid votes by choice"
            assert not page.css("header nav")  # no language to switch to


async def test_lang_then_accept_language_choose_spanish(sqlite_store: Store) -> None:
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        spanish = HTMLParser(await (await web.client.get("/e/jfk8?lang=es")).text())
        header = {"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}
        negotiated = HTMLParser(await (await web.client.get("/e/jfk8", headers=header)).text())
        english = HTMLParser(await (await web.client.get("/e/jfk8?lang=en", headers=header)).text())
    assert spanish.css_first("html").attributes["lang"] == "es"
    assert spanish.css_first("table.choices caption").text() == "Votos válidos por opción"
    assert spanish.css("table.choices th[scope=row]")[1].text() == "Sin sindicato"
    assert spanish.css_first("p#live").attributes["data-events"] == "/e/jfk8/events?lang=es"
    assert negotiated.css_first("html").attributes["lang"] == "es"
    assert english.css_first("html").attributes["lang"] == "en"  # ?lang= wins
    assert english.css_first("table.choices caption").text() == "Valid votes by choice"


async def test_the_spanish_page_says_what_a_spanish_post_says(sqlite_store: Store) -> None:
    """Every word of the page from the catalogues: Spanish sentences, labels and figures
    (Babel's es_US), and no English template word left."""
    await _seed(sqlite_store)
    async with serve(sqlite_store) as web:
        html = await (await web.client.get("/e/jfk8?lang=es")).text()
        listing = await (await web.client.get("/?lang=es")).text()
        missing = await web.client.get("/e/jfk9?lang=es")
        missing_text = HTMLParser(await missing.text()).css_first("main").text()
        chart = (await (await web.client.get("/e/bessemer/chart.svg?lang=es")).read()).decode()
    page = HTMLParser(html)
    es = LOCALES["es"]
    margin = format_decimal(364, locale=es)
    assert page.css_first(".state").text() == (
        f"Recuento en pausa. Amazon Labor Union va adelante por {margin} votos."
    )
    need = format_percent(0.42, locale=es)
    assert page.css_first(".need").text() == (
        f"El sindicato necesita el {need} de las {format_decimal(2197, locale=es)} papeletas"
        " restantes."
    )
    assert page.css_first("#latest-heading").text() == "Escrutinio inicial: Recuento en pausa"
    facts = _facts(page)
    assert facts["eligible"] == format_decimal(8325, locale=es)
    assert page.css_first('tr[data-fact="eligible"] th').text() == "Personas con derecho a voto"
    assert "29-RC-288020" in page.css_first(".meta").text()
    words = page.css_first("body").text(separator=" ")
    for feed_text in (
        "Amazon JFK8 (Staten Island, NY)",
        "Amazon Labor Union",
        "Amazon.com Services LLC",
    ):
        words = words.replace(feed_text, " ")
    words = words.replace("ALU count watchers, unofficial", " ").replace(
        "Count resumes Friday", " "
    )
    assert leaked_english(words.replace("Staten Island, NY", " ")) == set()
    assert "Recuentos de elecciones sindicales" in listing and "Todavía sin escrutinio" in listing
    assert missing.status == 404 and "Ninguna elección se llama “jfk9”." in missing_text
    assert "Escrutinio inicial" in chart and "Sin sindicato" in chart and "votos" in chart
