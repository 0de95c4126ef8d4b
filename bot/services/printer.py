"""The dry run's sender: prints each delivery to stdout (JSON lines or text) instead of
sending it anywhere (DESIGN §6)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TextIO

from bot.render.tally_json import tally_json
from bot.render.text import render_text
from bot.services.delivery import Delivery


def delivery_json(delivery: Delivery) -> dict[str, object]:
    """The dry-run object: target, election, round, events, tally, message."""
    row = delivery.row
    return {
        "target": row.target,
        "election": row.election_id,
        "round": row.round,
        "events": [event.value for event in row.events],
        "tally": tally_json(row.tally),
        "message": delivery.message,
    }


class PrinterSender:
    """Prints every delivery, to any target; it never fails."""

    def __init__(
        self, output: str = "jsonl", stream: TextIO | None = None, delay_s: float = 0.0
    ) -> None:
        self._output = output
        self._stream = stream
        self._delay_s = delay_s  # a slow printer, for crash tests

    async def send(self, delivery: Delivery) -> None:
        if self._delay_s:
            await asyncio.sleep(self._delay_s)
        stream = self._stream or sys.stdout
        if self._output == "jsonl":
            stream.write(json.dumps(delivery_json(delivery), ensure_ascii=False) + "\n")
        else:
            row = delivery.row
            stream.write(f"── to {row.target} · {row.election_id} · {row.round} ──\n")
            stream.write(render_text(delivery.message).rstrip() + "\n\n")
        stream.flush()
