"""Reading nlrb.gov pages with selectolax: refuse firewall and maintenance pages (they come with
HTTP 200), and read `<b>Label:</b> value` runs by label, never by position."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.feeds.base import ParseError, UnavailablePage
from bot.feeds.parsers.nlrb_fields import RawRecord

LABEL_TAGS = frozenset({"b", "strong"})
_FIREWALL = ("request rejected", "the requested url was rejected")
_MAINTENANCE = (
    "under maintenance",
    "undergoing maintenance",
    "down for maintenance",
    "maintenance mode",
    "scheduled maintenance",
    "temporarily unavailable",
    "service unavailable",
)
_FIREWALL_MESSAGE = 'nlrb.gov answered with its firewall page ("Request Rejected"), not results'
_MAINTENANCE_MESSAGE = "nlrb.gov answered with a maintenance page, not results"
NOT_AVAILABLE = "data is not available"


def load_page(body: bytes) -> LexborHTMLParser:
    """Parse HTML; raises ParseError when its title or headings say firewall or maintenance.

    Only headings are judged here: a real page's text may well mention "scheduled
    maintenance" in a unit description. Parsers that find no structure call `not_results`,
    which reads the whole text to say why."""
    text = body.decode("utf-8", errors="replace")
    if "<" not in text[:2_000]:
        raise ParseError("the feed is not an HTML page")
    tree = LexborHTMLParser(text)
    headings = " ".join(node.text(separator=" ") for node in tree.css("title, h1, h2")).lower()
    if any(phrase in headings for phrase in _FIREWALL):
        raise UnavailablePage(_FIREWALL_MESSAGE)
    if any(phrase in headings for phrase in _MAINTENANCE):
        raise UnavailablePage(_MAINTENANCE_MESSAGE)
    return tree


def page_text(tree: LexborHTMLParser) -> str:
    root = tree.body or tree.root
    return " ".join((root.text(separator=" ") if root is not None else "").split())


def not_results(tree: LexborHTMLParser, message: str) -> ParseError:
    """The error for a page without the expected structure: firewall, maintenance, or
    `message` when its text says neither."""
    text = page_text(tree).lower()
    if any(phrase in text for phrase in _FIREWALL):
        return UnavailablePage(_FIREWALL_MESSAGE)
    if any(phrase in text for phrase in _MAINTENANCE):
        return UnavailablePage(_MAINTENANCE_MESSAGE)
    if NOT_AVAILABLE in text:
        return ParseError(f"the page says {NOT_AVAILABLE!r} instead of results")
    return ParseError(message)


def labelled_values(block: LexborNode) -> list[tuple[str, str]]:
    """(label, value) for each `<b>Label:</b> value` in the block, in document order.

    The value is the text after the label up to the next label among its siblings."""
    pairs: list[tuple[str, str]] = []
    for label_node in block.css("b, strong"):
        label = " ".join(label_node.text(separator=" ").split()).rstrip(":").strip()
        if not label:
            continue
        parts: list[str] = []
        node = label_node.next
        while node is not None and node.tag not in LABEL_TAGS:
            parts.append(node.text(separator=" "))
            node = node.next
        value = " ".join(" ".join(parts).split()).removeprefix(":").strip()
        pairs.append((label, value))
    return pairs


def read_block(block: LexborNode, record: RawRecord) -> None:
    """Put every labelled value of the block into the record."""
    for label, value in labelled_values(block):
        record.put(label, value)


def text_of(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    text = " ".join(node.text(separator=" ").split())
    return text or None
