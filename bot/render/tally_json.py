"""One tally as the JSON object of DESIGN §6 (dry-run deliveries and `check-feed --output
jsonl`): its counts and every figure the rules derive from them."""

from __future__ import annotations

from bot.core.models import Tally
from bot.core.rules import summarize


def tally_json(tally: Tally) -> dict[str, object]:
    """status, choices, challenged, void, valid, leader, margin, outcome,
    challenges_determinative, remaining, decided, eligible_voters (in that order)."""
    summary = summarize(tally)
    choices: list[dict[str, object]] = []
    for choice in tally.choices:
        item: dict[str, object] = {"name": choice.name, "votes": choice.votes}
        if choice.against:
            item["against"] = True
        choices.append(item)
    return {
        "status": tally.status.value,
        "choices": choices,
        "challenged": tally.challenged,
        "void": tally.void,
        "valid": summary.valid,
        "leader": summary.leader,
        "margin": summary.margin,
        "outcome": summary.outcome.kind.value,
        "challenges_determinative": summary.challenges_determinative,
        "remaining": summary.remaining,
        "decided": summary.decided,
        "eligible_voters": tally.eligible_voters,
    }
