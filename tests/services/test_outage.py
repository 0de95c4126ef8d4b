"""Store outages: logged when they begin and end, backed off in between."""

from __future__ import annotations

import logging

import pytest

from bot.services.outage import FIRST_WAIT_S, LONGEST_WAIT_S, StoreHealth


def test_an_outage_is_one_line_at_its_start_and_one_at_its_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    health = StoreHealth(clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="bot.services.outage"):
        for _ in range(10):
            health.failed(ConnectionRefusedError("refused"), "polling")
            now[0] += health.seconds_to_wait()
        health.succeeded()
        health.succeeded()
    messages = [r.message for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("store unavailable (ConnectionRefusedError: refused")
    assert messages[1].startswith("store available again after")


def test_retries_back_off_from_one_second_to_thirty() -> None:
    now = [0.0]
    health = StoreHealth(clock=lambda: now[0])
    assert health.may_try() and not health.down
    waits = []
    for _ in range(8):
        health.failed(OSError("disk full"), "writing")
        waits.append(health.seconds_to_wait())
        assert not health.may_try()
    assert waits[0] == FIRST_WAIT_S and waits[-1] == LONGEST_WAIT_S
    now[0] += LONGEST_WAIT_S
    assert health.may_try()
