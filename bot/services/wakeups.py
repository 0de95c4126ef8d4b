"""Who hears that a plan was written: this process's delivery worker and web page at once,
and on PostgreSQL every other process through `NOTIFY` in the planning transaction (so it
is heard at commit, and never for a plan that rolled back), DESIGN §9."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.core.plan import Plan
from bot.services.hub import EVERYTHING, ChangeHub
from bot.services.notify import WAKE_CHANNEL, notify
from bot.store import UnitOfWork

PAYLOAD_MAX = 7_000  # NOTIFY payloads must stay under 8,000 bytes
_SEPARATOR = ","


def encode_changes(election_ids: Iterable[str]) -> str:
    """The payload of a wake-up: the changed election ids, or `all` when they are many."""
    text = _SEPARATOR.join(sorted(election_ids))
    return text if len(text) <= PAYLOAD_MAX else EVERYTHING


def decode_changes(payload: str) -> list[str]:
    """The elections a wake-up names; none named (a reconnect): every election."""
    ids = [part for part in payload.split(_SEPARATOR) if part]
    return ids or [EVERYTHING]


class PipelineWakeups:
    """The pipeline's listener (bot.services.pipeline.Wakeups)."""

    def __init__(self, wake_delivery: Callable[[], None], hub: ChangeHub) -> None:
        self._wake = wake_delivery
        self._hub = hub

    async def planned(self, uow: UnitOfWork, result: Plan) -> None:
        if result.deliveries or result.merges or result.published:
            await notify(uow.connection, WAKE_CHANNEL, encode_changes(result.changed_elections))

    def committed(self, result: Plan) -> None:
        if result.deliveries or result.merges:
            self._wake()
        if result.published:
            self._hub.publish(result.changed_elections)

    def heard(self, payload: str) -> None:
        """Another process planned (or the listener reconnected): claim, and refresh."""
        self._wake()
        self._hub.publish(decode_changes(payload))
