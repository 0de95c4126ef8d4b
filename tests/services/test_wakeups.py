"""Wake-ups: the changed elections travel in the NOTIFY payload; a reconnect means all."""

from __future__ import annotations

from bot.services.hub import EVERYTHING, ChangeHub
from bot.services.wakeups import PAYLOAD_MAX, PipelineWakeups, decode_changes, encode_changes


def test_the_payload_names_the_changed_elections_or_all_when_they_are_many() -> None:
    assert decode_changes(encode_changes({"jfk8", "ldj5"})) == ["jfk8", "ldj5"]
    many = {f"election-{n}" for n in range(PAYLOAD_MAX // 10)}
    assert encode_changes(many) == EVERYTHING
    assert decode_changes("") == [EVERYTHING]  # a reconnect: anything may have changed


async def test_a_wake_up_from_another_process_wakes_the_worker_and_the_page() -> None:
    woken: list[bool] = []
    hub = ChangeHub()
    subscription = hub.subscribe()
    PipelineWakeups(lambda: woken.append(True), hub).heard("jfk8")
    assert woken == [True]
    assert await subscription.next_batch() == ["jfk8"]
