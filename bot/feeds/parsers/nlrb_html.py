"""Reading nlrb.gov pages with selectolax: refuse firewall and maintenance pages (they come with
HTTP 200), and read `<b>Label:</b> value` runs by label, never by position.

Work is linear in the page's size, whatever its shape: a page nested deeper than any real
one is refused before lexbor sees it (lexbor's own parse is quadratic in nesting depth), and
every text is read with a budget of nodes and characters, never by `.text()` over a subtree
that may hold the rest of the page (nested `<b>` made that quadratic: 27 s for 280 KB)."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import accumulate
from operator import sub

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.feeds.base import ParseError, UnavailablePage
from bot.feeds.parsers.nlrb_fields import MAX_VALUE, RawRecord

LABEL_TAGS = frozenset({"b", "strong"})
MAX_DEPTH = 512  # as browsers cap their trees; nlrb.gov pages nest about 30 deep
MAX_LABEL = 200  # characters: a longer bold text is no label
LABEL_NODES = 8  # nodes a label may span (`<b>Case <span>Number</span>:</b>`)
VALUE_NODES = 64  # nodes a value may span before the next label
TEXT_NODES = 256  # nodes read for a heading, title or name
HEADINGS = 50  # headings judged for firewall and maintenance words
CHECK_EVERY = 256  # labels between two deadline checks
# Elements that lexbor nests (start tag, end tag): void elements and those whose end tag is
# implied (p, li, td …) never make a page deep, so they are not counted.
# A tag: its slash, name, and the rest up to ">" (never across "<", so nothing backtracks
# over the page); and where a comment or a raw-text element (no markup inside) starts.
_TAG = re.compile(r"<(/?)([a-z][a-z0-9-]*)([^<>]*)>")
_UNMARKED = re.compile(r"<!--|<(script|style|textarea|title|xmp|noscript)\b")
_FLAT = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "rb", "rt",
        "rtc", "rp", "tr", "td", "th", "tbody", "thead", "tfoot", "colgroup", "caption",
        "html", "head", "body", "frame", "image", "keygen",
    }
)  # fmt: skip
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
    """Parse HTML; raises ParseError when its title or headings say firewall or maintenance,
    or when it nests elements deeper than MAX_DEPTH.

    Only headings are judged here: a real page's text may well mention "scheduled
    maintenance" in a unit description. Parsers that find no structure call `not_results`,
    which reads the whole text to say why."""
    text = body.decode("utf-8", errors="replace")
    if "<" not in text[:2_000]:
        raise ParseError("the feed is not an HTML page")
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise ParseError(
            f"the page nests its elements more than {MAX_DEPTH} deep ({depth:,}): "
            "no nlrb.gov page does; refused unread"
        )
    tree = LexborHTMLParser(text)
    headings = " ".join(
        bounded_text(node, TEXT_NODES, MAX_VALUE)[0]
        for node in tree.css("title, h1, h2")[:HEADINGS]
    ).lower()
    if any(phrase in headings for phrase in _FIREWALL):
        raise UnavailablePage(_FIREWALL_MESSAGE)
    if any(phrase in headings for phrase in _MAINTENANCE):
        raise UnavailablePage(_MAINTENANCE_MESSAGE)
    return tree


def nesting_depth(text: str) -> int:
    """How deep the page's elements nest, read from its tags alone (comments and the insides
    of scripts and styles skipped): an element that nests counts one level until its end
    tag. Misnested or unclosed tags make it an upper bound, which is what a limit needs.

    Linear, and in C but for one list comprehension: the depth after each tag is the running
    sum of +1/-1 less its lowest point so far (a stray end tag never goes below 0)."""
    tags = _TAG.findall(_markup(text.lower()))
    steps = [-1 if end else 1 for end, name, rest in tags if name not in _FLAT and rest[-1:] != "/"]
    sums = list(accumulate(steps))
    lows = accumulate(sums, min, initial=0)
    next(lows)
    return max(map(sub, sums, lows), default=0)


def _markup(text: str) -> str:
    """`text` without comments and without the insides of raw-text elements; what follows an
    unclosed one is all its inside (as the HTML tokenizer reads it)."""
    kept: list[str] = []
    position = 0
    while (match := _UNMARKED.search(text, position)) is not None:
        kept.append(text[position : match.start()])
        name = match.group(1)
        if name is None:
            end = text.find("-->", match.end())
            position = end + 3
        else:
            start_end = text.find(">", match.end())
            kept.append(text[match.start() : start_end + 1] if start_end >= 0 else "")
            end = text.find(f"</{name}", match.end())
            position = end
        if end < 0:
            return "".join(kept)
    kept.append(text[position:])
    return "".join(kept)


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


def bounded_text(
    node: LexborNode, max_nodes: int, max_chars: int, *, stop_at: frozenset[str] = frozenset()
) -> tuple[str, int]:
    """The text of `node`'s subtree (its text nodes joined by spaces, in document order),
    reading at most `max_nodes` nodes and about `max_chars` characters, and ending before
    the first element (below `node`) whose tag is in `stop_at`; and the number of nodes
    read: more than `max_nodes` when it stopped early for any reason."""
    parts: list[str] = []
    size = 0
    read = 0
    for item in node.traverse(include_text=True):
        read += 1
        if read > max_nodes or size >= max_chars or (read > 1 and item.tag in stop_at):
            return " ".join(parts)[:max_chars], max_nodes + 1
        if item.is_text_node:
            piece = item.text_content or ""
            parts.append(piece)
            size += len(piece)
    return " ".join(parts)[:max_chars], read


def labelled_values(
    block: LexborNode, check: Callable[[], None] | None = None
) -> list[tuple[str, str]]:
    """(label, value) for each `<b>Label:</b> value` in the block, in document order.

    The value is the text after the label up to the next label, among its siblings or inside
    one of them, or the end of its parent. A bold text inside another label is part of that
    label, not a label of its own; a label longer than MAX_LABEL characters or LABEL_NODES
    nodes is no label; a value is read up to VALUE_NODES nodes and MAX_VALUE characters.
    `check` is called every few labels (the parse's deadline)."""
    pairs: list[tuple[str, str]] = []
    for index, label_node in enumerate(block.css("b, strong")):
        if check is not None and index % CHECK_EVERY == 0:
            check()
        parent = label_node.parent
        if parent is not None and parent.tag in LABEL_TAGS:
            continue
        label = _label(label_node)
        if label:
            pairs.append((label, _value_after(label_node)))
    return pairs


def _label(node: LexborNode) -> str:
    """A label's text without its colon; "" when it is empty or too long to be a label."""
    child = node.child
    if child is not None and child.next is None and child.is_text_node:
        text = child.text_content or ""  # the usual `<b>Case Number:</b>`
    else:
        text, read = bounded_text(node, LABEL_NODES, MAX_LABEL + 1)
        if read > LABEL_NODES:
            return ""
    if len(text) > 4 * MAX_LABEL:
        return ""
    label = " ".join(text.split()).rstrip(":").strip()
    return label if len(label) <= MAX_LABEL else ""


def _value_after(label_node: LexborNode) -> str:
    """The text after the label, up to the next label (a sibling, or one inside a sibling)
    or the end of its parent, within budget."""
    parts: list[str] = []
    budget = VALUE_NODES
    node = label_node.next
    while node is not None and node.tag not in LABEL_TAGS and budget > 0:
        text, read = bounded_text(node, budget, MAX_VALUE, stop_at=LABEL_TAGS)
        parts.append(text)
        budget -= read
        node = node.next
    return " ".join(" ".join(parts).split()).removeprefix(":").strip()[:MAX_VALUE]


def read_block(
    block: LexborNode, record: RawRecord, check: Callable[[], None] | None = None
) -> None:
    """Put every labelled value of the block into the record."""
    for label, value in labelled_values(block, check):
        record.put(label, value)


def text_of(node: LexborNode | None) -> str | None:
    """A node's text, whitespace collapsed and read within budget; None when empty."""
    if node is None:
        return None
    text = " ".join(bounded_text(node, TEXT_NODES, MAX_VALUE)[0].split())
    return text or None


def top_level(blocks: list[LexborNode]) -> list[LexborNode]:
    """Blocks not nested in another block, in document order. Linear: each ancestor is
    climbed through once, its answer remembered for the blocks that share it."""
    ids = {block.mem_id for block in blocks}
    inside: dict[int, bool] = {}  # ancestor -> whether a block holds it (or is it)
    top = []
    for block in blocks:
        climbed: list[int] = []
        parent = block.parent
        nested = False
        while parent is not None:
            key = parent.mem_id
            if key in inside:
                nested = inside[key]
                break
            if key in ids:
                nested = True
                break
            climbed.append(key)
            parent = parent.parent
        for key in climbed:
            inside[key] = nested
        if not nested:
            top.append(block)
    return top
