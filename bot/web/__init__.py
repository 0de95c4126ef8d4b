"""The web edge (DESIGN §12): the status page, its event streams and chart, the feed v1
API; served by the bot process on its own event loop when `http.listen` or PORT is set."""

from bot.web.app import RouteAdder, WebSettings, build_web_app
from bot.web.links import election_path, election_url
from bot.web.server import WebServer

__all__ = [
    "RouteAdder",
    "WebServer",
    "WebSettings",
    "build_web_app",
    "election_path",
    "election_url",
]
