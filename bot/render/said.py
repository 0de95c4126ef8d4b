"""Sentences said before their language is known: a catalogue message and its named values,
translated when a reader is chosen. A command's error is raised deep in a helper and shown by
the tree in the interaction's language; a reply is built before it is sent.

    said("I don't know an election {election}.", election=Code("jfk9"))
    nsaid("{count} post queued.", "{count} posts queued.", posts, count=posts)

The marker functions (`said`, `psaid`, `nsaid`, `npsaid`) take the English words as literals,
so the catalogue extractor finds them as it finds `gettext` calls. A value may be a number
(written by Babel in the reader's language), our own words (`str`), rich text (feed words,
codes, emphasis), another `Said`, a `Listed` group (joined as the language lists things), or
a function of the reader's `Translator` (a label only the language can write).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from babel.lists import format_list

from bot.core.models import DEFAULT_LANGUAGE
from bot.render.i18n import Translator, translator
from bot.render.messages import markdown
from bot.render.rich import Span, Text, fill, plain

ListStyle = Literal["standard", "or"]


@dataclass(frozen=True, slots=True)
class Listed:
    """Values listed as the language lists them: "A, B, and C" / "A, B y C" (Babel)."""

    items: tuple[Arg, ...]
    style: ListStyle = "standard"


@dataclass(frozen=True, slots=True)
class Said:
    """One catalogue sentence (or its plural forms) with its named values, untranslated."""

    message: str
    values: Mapping[str, Arg] = field(default_factory=dict)
    context: str | None = None
    plural: str | None = None
    count: int = 1

    def template(self, t: Translator) -> str:
        """The sentence in `t`'s language, placeholders still in it."""
        if self.plural is None:
            if self.context is None:
                return t.gettext(self.message)
            return t.pgettext(self.context, self.message)
        if self.context is None:
            return t.ngettext(self.message, self.plural, self.count)
        return t.npgettext(self.context, self.message, self.plural, self.count)

    def text(self, t: Translator) -> Text:
        """The sentence in `t`'s language as rich text, every value written for it."""
        values = {name: resolve(t, value) for name, value in self.values.items()}
        return fill(self.template(t), **values)

    def markdown(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The sentence as a Discord message writes it (feed words escaped)."""
        return markdown(self.text(translator(language)))

    def __str__(self) -> str:
        """The English words as a message writes them (for logs and exceptions)."""
        return self.markdown(DEFAULT_LANGUAGE)


# What a placeholder may take (recursive: a function of the language returns one of them).
Arg: TypeAlias = "int | str | Span | Text | Said | Listed | Callable[[Translator], Arg]"


def said(message: str, /, **values: Arg) -> Said:
    """A sentence to translate later."""
    return Said(message, values)


def psaid(context: str, message: str, /, **values: Arg) -> Said:
    """A sentence to translate later, in a catalogue context (for words that read
    differently elsewhere)."""
    return Said(message, values, context=context)


def nsaid(singular: str, plural: str, count: int, /, **values: Arg) -> Said:
    """A sentence whose form follows `count` by the catalogue's plural rules."""
    return Said(singular, values, plural=plural, count=count)


def npsaid(context: str, singular: str, plural: str, count: int, /, **values: Arg) -> Said:
    return Said(singular, values, context=context, plural=plural, count=count)


def resolve(t: Translator, value: Arg) -> Text:
    """A value as rich text in `t`'s language."""
    if isinstance(value, bool):
        raise TypeError("a sentence's value cannot be a bool")
    if isinstance(value, int):
        return plain(t.number(value))
    if isinstance(value, str):
        return plain(value)
    if isinstance(value, Said):
        return value.text(t)
    if isinstance(value, Listed):
        return listed(t, [resolve(t, item) for item in value.items], value.style)
    if isinstance(value, tuple):
        return value
    if callable(value):
        return resolve(t, value(t))
    return (value,)


def listed(t: Translator, items: Sequence[Text], style: ListStyle = "standard") -> Text:
    """Rich texts listed by the language's own pattern (Babel's CLDR list patterns)."""
    if not items:
        return ()
    names = {f"item{index}": item for index, item in enumerate(items)}
    pattern = format_list(["{" + name + "}" for name in names], style=style, locale=t.locale)
    return fill(pattern, **names)


def lines(parts: Sequence[Said | None], language: str = DEFAULT_LANGUAGE) -> str:
    """Sentences one per line, as a reply writes them (None: left out)."""
    return "\n".join(part.markdown(language) for part in parts if part is not None)
