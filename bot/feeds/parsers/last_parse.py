"""What a parser remembers of each feed's last parse, to reuse for its unchanged records.

One entry per feed, replaced at every parse, so memory follows the feed's current size and
not its history; a few feeds at most (the least recently parsed is dropped first). Parses
of different feeds run in worker threads at once: the table is locked."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

FEEDS_REMEMBERED = 64  # a bot follows a few feeds

T = TypeVar("T")


class LastParse(Generic[T]):
    """Feed id -> what its last parse left."""

    def __init__(self, feeds: int = FEEDS_REMEMBERED) -> None:
        self._feeds = feeds
        self._memos: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, feed_id: str) -> T | None:
        with self._lock:
            return self._memos.get(feed_id)

    def keep(self, feed_id: str, memo: T) -> None:
        with self._lock:
            self._memos[feed_id] = memo
            self._memos.move_to_end(feed_id)
            while len(self._memos) > self._feeds:
                self._memos.popitem(last=False)

    def __len__(self) -> int:
        return len(self._memos)

    def clear(self) -> None:
        with self._lock:
            self._memos.clear()
