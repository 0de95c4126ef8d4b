"""The HTML of the status page (`/`, `/e/{id}`, not-found pages) from Jinja2 templates with
autoescaping, one environment per language, each page built once per (state, language);
and the page's own static files, served from the package.

All feed text reaches the templates as plain strings and is escaped there. The one thing
marked safe is Jinja's own output: each line of the list is rendered (and escaped) once
per election state, then the lines are joined into the page.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from bot.render.charts import chart_size
from bot.render.i18n import translator
from bot.web import feed_doc
from bot.web.figures import ElectionView, election_view, listing_line
from bot.web.i18n import Catalogues
from bot.web.links import election_path
from bot.web.state import Body, ElectionState, Snapshot

LANGUAGE_NAMES = {"en": "English", "es": "Español"}
STATIC_TYPES = {
    "page.css": "text/css; charset=utf-8",
    "page.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
PAGE_CACHE_SIZE = 256  # election pages kept, per (election state, language, query)
CHART_WIDTH = 800  # the chart's width on the page, in CSS pixels (it scales down on a phone)


@dataclass(frozen=True, slots=True)
class StaticFile:
    content: bytes
    content_type: str
    etag: str


def load_static() -> dict[str, StaticFile]:
    """The page's CSS, JavaScript and icon, read from the package once."""
    folder = resources.files("bot.web") / "static"
    files = {}
    for name, content_type in STATIC_TYPES.items():
        content = (folder / name).read_bytes()
        tag = hashlib.blake2b(content, digest_size=8).hexdigest()
        files[name] = StaticFile(content, content_type, f'"{tag}"')
    return files


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the list of every election."""

    id: str
    title: str
    line: Markup
    updated: str | None
    updated_iso: str | None


class Pages:
    """Renders and caches the HTML pages."""

    def __init__(
        self,
        catalogues: Catalogues,
        static: dict[str, StaticFile],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._catalogues = catalogues
        self._clock = clock
        self._environments: dict[str, jinja2.Environment] = {}
        self._assets = {
            "css": "/static/page.css?v=" + static["page.css"].etag.strip('"'),
            "js": "/static/page.js?v=" + static["page.js"].etag.strip('"'),
            "icon": "/static/icon.svg?v=" + static["icon.svg"].etag.strip('"'),
        }
        self._index: dict[tuple[str, bool], tuple[int, Body]] = {}
        # (id, language, sticky) -> (version, the rendered line)
        self._entries: dict[tuple[str, str, bool], tuple[str, Markup]] = {}
        self._elections: OrderedDict[tuple[str, str, str, bool], Body] = OrderedDict()

    @property
    def languages(self) -> tuple[str, ...]:
        return self._catalogues.available

    def index(self, snapshot: Snapshot, language: str, *, sticky: bool) -> Body:
        """Every election in one list; `sticky`: the language came from `?lang=` and the
        links keep it. Each line is made again only when its election changed."""
        key = (language, sticky)
        cached = self._index.get(key)
        if cached is not None and cached[0] == snapshot.version:
            return cached[1]
        states = snapshot.ordered()
        lines = Markup("\n").join(self._entry(state, language, sticky) for state in states)
        if len(self._entries) > 2 * len(states) * 2 * len(LANGUAGE_NAMES):
            ids = {state.id for state in states}  # forget elections that are gone
            self._entries = {k: v for k, v in self._entries.items() if k[0] in ids}
        body = _body(self._render("index.html", language, sticky, entries=lines))
        self._index[key] = (snapshot.version, body)
        return body

    def _entry(self, state: ElectionState, language: str, sticky: bool) -> Markup:
        """One line of the list, rendered once per (election state, language, link form)."""
        key = (state.id, language, sticky)
        cached = self._entries.get(key)
        if cached is not None and cached[0] == state.version:
            return cached[1]
        latest = state.latest
        when = (latest.tally.updated_at or latest.updated_at) if latest else None
        election = state.election
        entry = Entry(
            id=state.id,
            title=election.name or election.short_name or state.id,
            line=listing_line(latest, language),
            updated=translator(language).date_time(when) if when else None,
            updated_iso=when.isoformat() if when else None,
        )
        template = self._environment(language).get_template("entry.html")
        html = Markup(template.render(entry=entry, lang_query=_lang_query(language, sticky)))
        self._entries[key] = (state.version, html)
        return html

    def election(self, state: ElectionState, language: str, *, sticky: bool) -> Body:
        """One election's page."""
        key = (state.id, state.version, language, sticky)
        cached = self._elections.get(key)
        if cached is not None:
            self._elections.move_to_end(key)
            return cached
        view = self.view(state, language)
        width, height = chart_size(len(state.rounds))
        query = f"?lang={language}" if sticky else ""
        body = _body(
            self._render(
                "election.html",
                language,
                sticky,
                view=view,
                version=state.version,
                events_url=election_path(state.id) + "/events" + query,
                chart_width=CHART_WIDTH,
                chart_height=round(CHART_WIDTH * height / width),
            )
        )
        self._elections[key] = body
        while len(self._elections) > PAGE_CACHE_SIZE:
            self._elections.popitem(last=False)
        return body

    def not_found(self, language: str, message: str, *, sticky: bool) -> bytes:
        return self._render("not_found.html", language, sticky, message=message)

    def view(self, state: ElectionState, language: str) -> ElectionView:
        return election_view(state.election, state.rounds, language, self._clock())

    def _render(self, template: str, language: str, sticky: bool, **context: Any) -> bytes:
        environment = self._environment(language)
        page = environment.get_template(template).render(
            lang=language,
            lang_query=_lang_query(language, sticky),
            lang_amp=f"&lang={language}" if sticky else "",
            languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in self.languages],
            assets=self._assets,
            **context,
        )
        return page.encode()

    def _environment(self, language: str) -> jinja2.Environment:
        environment = self._environments.get(language)
        if environment is None:
            environment = jinja2.Environment(
                loader=jinja2.PackageLoader("bot.web", "templates"),
                autoescape=jinja2.select_autoescape(["html"]),
                undefined=jinja2.StrictUndefined,
                extensions=["jinja2.ext.i18n"],
                trim_blocks=False,
            )
            # Old-style gettext: the templates' messages carry no placeholders, and a new-style
            # `_()` would %-format every message (a "%" in a translation would then fail).
            translations = self._catalogues.translations(language)
            environment.install_gettext_translations(translations, newstyle=False)  # type: ignore[attr-defined]
            self._environments[language] = environment
        return environment


def _lang_query(language: str, sticky: bool) -> str:
    return f"?lang={language}" if sticky else ""


def _body(content: bytes) -> Body:
    return Body(content, feed_doc.etag(content), None)
