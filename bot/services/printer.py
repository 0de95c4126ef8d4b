"""The dry run's sender: prints each delivery to stdout (JSON lines or text) instead of
sending it anywhere (DESIGN §6)."""

from __future__ import annotations

import itertools
import json
import sys
from typing import TextIO

from bot.render.tally_json import tally_json
from bot.render.text import render_text
from bot.services.delivery import Outgoing, Sender

# Message ids the printer "creates", so live messages are edited in a dry run too.
_FIRST_MESSAGE_ID = 1


def delivery_json(outgoing: Outgoing) -> dict[str, object]:
    """The dry-run object of DESIGN §6: target, election, round, events, tally, previous,
    mode, message (without nonce: it varies per delivery)."""
    post = outgoing.post
    return {
        "target": outgoing.target,
        "election": post.election_id,
        "round": post.round,
        "events": [event.value for event in post.events],
        "tally": tally_json(post.tally),
        "previous": None if post.previous is None else tally_json(post.previous),
        "mode": outgoing.mode.value,
        "message": outgoing.message,
    }


class PrinterSender:
    """Prints every delivery, to any target; it never fails."""

    def __init__(self, output: str = "jsonl", stream: TextIO | None = None) -> None:
        self._output = output
        self._stream = stream
        self._ids = itertools.count(_FIRST_MESSAGE_ID)

    async def send(self, outgoing: Outgoing) -> int | None:
        stream = self._stream or sys.stdout
        if self._output == "jsonl":
            stream.write(json.dumps(delivery_json(outgoing), ensure_ascii=False) + "\n")
        else:
            post = outgoing.post
            mode = "" if outgoing.mode.value == "post" else f" · {outgoing.mode.value}"
            stream.write(f"── to {outgoing.target} · {post.election_id} · {post.round}{mode} ──\n")
            stream.write(render_text(outgoing.message).rstrip() + "\n\n")
        stream.flush()
        return next(self._ids)


class PrintAfterSending:
    """`run --output jsonl`: each delivery actually sent is also printed (for logs, pipes)."""

    def __init__(self, inner: Sender, output: str) -> None:
        self._inner = inner
        self._printer = PrinterSender(output)

    async def send(self, outgoing: Outgoing) -> int | None:
        message_id = await self._inner.send(outgoing)
        await self._printer.send(outgoing)
        return message_id
