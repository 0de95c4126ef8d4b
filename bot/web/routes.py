"""The handlers of DESIGN §12's page and API routes: `/`, `/e/{id}`, `/e/{id}.json`,
`/e/{id}/events`, `/e/{id}/chart.svg`, `/feed.json`, and the page's static files.

Every handler reads the snapshot (never the store, except the chart's history) and
answers from bodies cached per published state.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.render.i18n import translator
from bot.web.context import CONTEXT, WebContext
from bot.web.i18n import negotiate, primary_tag
from bot.web.links import election_path
from bot.web.responses import SVG_POLICY, cached
from bot.web.state import ElectionState

HTML = "text/html; charset=utf-8"
JSON = "application/json"
SVG = "image/svg+xml"
ID = r"{id:[^/.]+}"
# Anyone may read the public feed from a script on another site (no credentials).
OPEN_READ = {"Access-Control-Allow-Origin": "*"}


class Answer(Exception):
    """Stops a handler with this response (a 404 page, a redirect, a 503)."""

    def __init__(self, response: web.StreamResponse) -> None:
        super().__init__(response.status)
        self.response = response


@web.middleware
async def _answers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Answer as answer:
        return answer.response


def add_routes(app: web.Application) -> None:
    app.middlewares.append(_answers)
    app.router.add_get("/", index)
    app.router.add_get("/feed.json", feed)
    app.router.add_get(f"/e/{ID}.json", election_json)
    app.router.add_get(f"/e/{ID}/events", events, allow_head=False)
    app.router.add_get(f"/e/{ID}/chart.svg", chart)
    app.router.add_get(f"/e/{ID}", election_page)
    app.router.add_get("/static/{name}", static)


def _context(request: web.Request) -> WebContext:
    context = request.app[CONTEXT]
    if not context.snapshot.loaded:
        text = "Starting: the published state is not read yet.\n"
        raise Answer(web.Response(status=503, text=text, headers={"Retry-After": "2"}))
    return context


def _language(request: web.Request, context: WebContext) -> tuple[str, bool]:
    """The page's language, and whether it came from `?lang=` (links then keep it)."""
    query = request.query.get("lang")
    available = context.pages.languages
    language = negotiate(
        query,
        request.headers.get("Accept-Language"),
        available=available,
        default=context.language_default,
    )
    return language, query is not None and language == primary_tag(query)


def _election(request: web.Request, context: WebContext, suffix: str) -> ElectionState:
    """The election the path names; an alias redirects to its id, anything else is 404."""
    key = request.match_info["id"]
    election_id = context.snapshot.resolve(key)
    if election_id is None:
        raise _not_found(request, context, key)
    if election_id != key:
        location = election_path(election_id) + suffix
        if request.query_string:
            location += "?" + request.query_string
        raise Answer(web.Response(status=301, headers={"Location": location}))
    state = context.snapshot.get(election_id)
    assert state is not None  # resolve() found it
    return state


def _not_found(request: web.Request, context: WebContext, key: str) -> Answer:
    language, sticky = _language(request, context)
    template = translator(language).gettext("No election is called “{key}”.")
    message = template.format(key=key[:100])
    if request.path.endswith((".json", "/events", ".svg")):
        return Answer(web.Response(status=404, text=message + "\n"))
    body = context.pages.not_found(language, message, sticky=sticky)
    return Answer(web.Response(status=404, body=body, headers={"Content-Type": HTML}))


async def index(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    language, sticky = _language(request, context)
    body = context.pages.index(context.snapshot, language, sticky=sticky)
    return cached(request, body, HTML, vary="Accept-Encoding, Accept-Language")


async def election_page(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    state = _election(request, context, "")
    language, sticky = _language(request, context)
    body = context.pages.election(state, language, sticky=sticky)
    headers = {}
    if context.public_url:
        url = context.public_url.rstrip("/") + election_path(state.id)
        headers["Link"] = f'<{url}>; rel="canonical"'
    return cached(request, body, HTML, headers=headers, vary="Accept-Encoding, Accept-Language")


async def feed(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    return cached(request, context.snapshot.feed(), JSON, headers=OPEN_READ)


async def election_json(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    state = _election(request, context, ".json")
    return cached(request, state.document, JSON, headers=OPEN_READ)


async def events(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    state = _election(request, context, "/events")
    current = (state.version, state.document.content)
    since = request.query.get("since")
    return await context.streams.serve(request, state.id, current, since, OPEN_READ)


async def chart(request: web.Request) -> web.StreamResponse:
    context = _context(request)
    state = _election(request, context, "/chart.svg")
    language, _sticky = _language(request, context)
    view = context.pages.view(state, language)
    body = await context.charts.svg(state, language, view.chart_alt)
    headers = {"Content-Security-Policy": SVG_POLICY}
    return cached(request, body, SVG, headers=headers, vary="Accept-Encoding, Accept-Language")


async def static(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    found = context.static.get(request.match_info["name"])
    if found is None:
        return web.Response(status=404, text="Not found.\n")
    headers = {"Cache-Control": "public, max-age=86400", "ETag": found.etag}
    if request.headers.get("If-None-Match") == found.etag:
        return web.Response(status=304, headers=headers)
    return web.Response(body=found.content, headers={**headers, "Content-Type": found.content_type})
