"""Small builders for tallies in core tests."""

from __future__ import annotations

from bot.core.models import Choice, Status, Tally


def single(
    union: int,
    against: int,
    challenged: int = 0,
    void: int = 0,
    status: Status = Status.COUNTING,
    **kwargs: object,
) -> Tally:
    """A one-union ballot: the union against "No union"."""
    choices = (Choice("Union", union), Choice("No union", against, against=True))
    return Tally(
        "e",
        choices=choices,
        challenged=challenged,
        void=void,
        status=status,
        **kwargs,  # type: ignore[arg-type]
    )


def multi(*votes: int, against: int | None = None, challenged: int = 0, **kwargs: object) -> Tally:
    """A ballot with several unions (U1, U2, …) and, optionally, "No union"."""
    choices = [Choice(f"U{i + 1}", v) for i, v in enumerate(votes)]
    if against is not None:
        choices.append(Choice("No union", against, against=True))
    return Tally("e", choices=tuple(choices), challenged=challenged, **kwargs)  # type: ignore[arg-type]
