"""The JFK8 2022 count as native feed documents, from the public figures (DESIGN §1):
1,518–1,154 at the end of day one; final 2,654–2,131, 67 challenged, 17 void, 8,325
eligible. The states in between (scheduled, counting 0–0) are the count's own stages."""

from __future__ import annotations

from typing import Any


def jfk8(
    status: str, union: int, against: int, challenged: int = 0, void: int = 0, **extra: Any
) -> dict[str, Any]:
    election = {
        "id": "jfk8",
        "name": "Amazon JFK8 (Staten Island, NY)",
        "case_number": "29-RC-288020",
        "status": status,
        "eligible_voters": 8325,
        "choices": [
            {"name": "Amazon Labor Union", "votes": union},
            {"name": "No union", "votes": against, "against": True},
        ],
        "challenged": challenged,
        "void": void,
        **extra,
    }
    return {"feed_version": 1, "source": "ALU count watchers, unofficial", "elections": [election]}


REPLAY = [
    jfk8("scheduled", 0, 0),
    jfk8("counting", 0, 0),
    jfk8("paused", 1518, 1154),
    jfk8("counting", 1518, 1154),
    jfk8("final", 2654, 2131, challenged=67, void=17),
]


# DESIGN §6's dry-run example: JFK8 paused at the end of day one, as the tally object.
DAY_ONE_TALLY_JSON = {
    "status": "paused",
    "choices": [
        {"name": "Amazon Labor Union", "votes": 1518},
        {"name": "No union", "votes": 1154, "against": True},
    ],
    "challenged": 0,
    "void": 0,
    "valid": 2672,
    "leader": "Amazon Labor Union",
    "margin": 364,
    "outcome": "union_wins",
    "challenges_determinative": False,
    "remaining": None,
    "decided": False,
    "eligible_voters": 8325,
}
