"""A send's outcome into the store: sent (and a live message remembered), queued again with
a backoff, posted again as a new live message, or failed for good with its subscription
disabled (DESIGN §7)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.models import DeliveryMode
from bot.store import LiveMessage, UnitOfWork

if TYPE_CHECKING:
    from bot.services.delivery import Outgoing, SendFailure

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
GIVE_UP_DEFER = timedelta(hours=1)  # after MAX_ATTEMPTS, the delivery waits this long, queued


def retry_delay(attempts: int) -> float:
    """2, 4, 8 … seconds, at most 5 minutes."""
    return float(min(2 ** max(1, attempts), 300))


@dataclass
class Settle:
    """A send's outcome, kept until the store has it."""

    outgoing: Outgoing
    message_id: int | None = None
    failure: SendFailure | None = None


async def apply(uow: UnitOfWork, outcome: Settle, holder: str, now: datetime) -> float | None:
    """Record a send's outcome; returns the retry delay when it is queued again."""
    outgoing, failure = outcome.outgoing, outcome.failure
    delivery = outgoing.delivery
    if failure is None:
        if await uow.deliveries.mark_sent(delivery.id, holder, now, outcome.message_id):
            await _remember_live(uow, outgoing, outcome.message_id, now)
        return None
    if failure.message_gone and outgoing.live is not None:
        await uow.live.forget(*delivery.key)
        await uow.deliveries.recreate_live(delivery.id, holder, now)
        log.info("delivery %s: the live message is gone; posting it again", outgoing.target)
        return 0.0
    if failure.permanent:
        await uow.deliveries.mark_failed(delivery.id, holder, failure.reason, now)
        if delivery.subscription_id is not None:
            await uow.subscriptions.disable(delivery.subscription_id, failure.reason, now=now)
        log.warning("delivery %s: %s; subscription disabled", outgoing.target, failure.reason)
        return None
    attempts = delivery.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        delay = GIVE_UP_DEFER.total_seconds()
        log.error(
            "delivery %s: %s; %d attempts, trying again in an hour",
            outgoing.target,
            failure.reason,
            attempts,
        )
    else:
        delay = max(failure.retry_after_s or 0.0, retry_delay(attempts))
        log.warning(
            "delivery %s: %s; retry %d in %.1fs", outgoing.target, failure.reason, attempts, delay
        )
    await uow.deliveries.reschedule(
        delivery.id, holder, failure.reason, now + timedelta(seconds=delay)
    )
    return delay


async def _remember_live(
    uow: UnitOfWork, outgoing: Outgoing, message_id: int | None, now: datetime
) -> None:
    """A live message was created (its id kept for the edits) or edited."""
    delivery = outgoing.delivery
    if outgoing.mode is DeliveryMode.LIVE_CREATE and message_id is not None:
        channel = outgoing.live.channel_id if outgoing.live else None
        await uow.live.save(
            LiveMessage(
                *delivery.key,
                message_id=message_id,
                channel_id=channel,
                subscription_id=delivery.subscription_id,
                post_id=delivery.post_id,
            ),
            now,
        )
    elif outgoing.mode is DeliveryMode.LIVE_EDIT:
        await uow.live.touch(*delivery.key, delivery.post_id, now)
