"""Ballot facts shared by every reader of hand-fed input: which choice names can only be
"no union", how names fold for comparison, which rounds are run-offs (DESIGN §4)."""

from __future__ import annotations

import unicodedata

# Folded names that can only be the "no union" choice (DESIGN §4, against marks).
NO_UNION_NAMES = frozenset(
    {
        "nounion",
        "none",
        "neither",
        "no",
        "against",
        "norepresentative",
        "ningunsindicato",
        "ninguno",
    }
)


def fold(name: str) -> str:
    """A name folded for comparison: case, accents, spaces and punctuation gone
    ("Ningún sindicato" → "ningunsindicato")."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in plain if ch.isalnum())


def is_runoff_round(round_: str) -> bool:
    """`runoff`, `runoff-2`, `revised-runoff`: a run-off may have no "no union" choice."""
    return round_.removeprefix("revised-").startswith("runoff")
