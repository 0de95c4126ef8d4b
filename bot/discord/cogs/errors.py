"""Domain errors of the slash commands: each carries a message that is safe to show the user."""

from __future__ import annotations

from collections.abc import Sequence


class UserError(Exception):
    """Something the user can fix or should know; `message` is shown to them as it is
    (ephemeral), and nothing is logged as a failure."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownElection(UserError):
    """An election id or alias the store does not know; `suggestions` are the closest ids."""

    def __init__(self, text: str, suggestions: Sequence[str]) -> None:
        self.text = text
        self.suggestions = tuple(suggestions)
        shown = _code(text)
        if self.suggestions:
            options = ", ".join(_code(s) for s in self.suggestions)
            message = f"I don't know an election {shown}. Did you mean {options}?"
        else:
            message = f"I don't know an election {shown}. `/elections` lists the ones I follow."
        super().__init__(message)


def _code(text: str) -> str:
    """User text inside inline code: backticks would end it early, and it stays short."""
    cleaned = text.replace("`", "'").strip()[:60]
    return f"`{cleaned}`" if cleaned else "(empty)"
