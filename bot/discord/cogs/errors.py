"""Domain errors of the slash commands: each carries a message that is safe to show the user,
as a sentence translated when the tree answers (in the interaction's language)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import DEFAULT_LANGUAGE
from bot.discord.cogs._replies import command_name
from bot.render.rich import Code, Text
from bot.render.said import Listed, Said, psaid, said

CODE_MAX = 60  # user text echoed back stays short


class UserError(Exception):
    """Something the user can fix or should know, shown to them ephemerally and never
    logged as a failure. `said` is a catalogue sentence with named values, rendered in the
    reader's language by `render`; a plain `str` is shown as it is, in every language."""

    def __init__(self, message: Said | str) -> None:
        self.said = message if isinstance(message, Said) else None
        self.message = str(message)  # English, for logs and tests
        super().__init__(self.message)

    def render(self, language: str = DEFAULT_LANGUAGE) -> str:
        """What the user reads, in `language`."""
        return self.said.markdown(language) if self.said is not None else self.message


class UnknownElection(UserError):
    """An election id or alias the store does not know; `suggestions` are the closest ids."""

    def __init__(self, text: str, suggestions: Sequence[str]) -> None:
        self.text = text
        self.suggestions = tuple(suggestions)
        shown = code(text)
        if self.suggestions:
            options = Listed(tuple(code(s) for s in self.suggestions), "or")
            message = said(
                "I don't know an election {election}. Did you mean {options}?",
                election=shown,
                options=options,
            )
        else:
            message = said(
                "I don't know an election {election}. {command} lists the ones I follow.",
                election=shown,
                command=command_name("elections"),
            )
        super().__init__(message)


def code(text: str, limit: int = CODE_MAX) -> Text | Said:
    """User text echoed inside inline code: cut short, "(empty)" when there is nothing."""
    cleaned = text.strip()[:limit]
    return (Code(cleaned),) if cleaned else psaid("user text", "(empty)")
