"""Sentences said before their language is known: translated when written, values written for
the reader's language (Babel's numbers and lists), feed words escaped, plurals by the
catalogue's rules."""

from __future__ import annotations

import pytest
from babel.lists import format_list
from babel.numbers import format_decimal

from bot.render.format import sanitize
from bot.render.i18n import LOCALES, Translator, translator
from bot.render.rich import Code, feed
from bot.render.said import Listed, lines, npsaid, nsaid, psaid, said


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_sentence_is_translated_when_written_with_babels_numbers(language: str) -> None:
    t = translator(language)
    sentence = nsaid("{count} post queued.", "{count} posts queued.", 8325, count=8325)
    template = t.ngettext("{count} post queued.", "{count} posts queued.", 8325)
    expected = template.format(count=format_decimal(8325, locale=LOCALES[language]))
    assert sentence.markdown(language) == expected


def test_plural_forms_follow_the_count() -> None:
    t = translator("es")
    forms = {n: t.npgettext("report", "{count} void", "{count} void", n) for n in (1, 2)}
    assert forms[1] != forms[2]  # "1 nula", "2 nulas"
    for n, form in forms.items():
        sentence = npsaid("report", "{count} void", "{count} void", n, count=n)
        assert sentence.markdown("es") == form.format(count=n)


@pytest.mark.parametrize("language", ["en", "es"])
def test_lists_are_written_as_the_language_lists_things(language: str) -> None:
    names = Listed(("A", "B", "C"))
    sentence = said("I need {permissions} here to do that.", permissions=names)
    listed = format_list(["A", "B", "C"], locale=LOCALES[language])
    assert listed in sentence.markdown(language)
    either = Listed((Code("jfk8"), Code("bessemer")), "or")
    unknown = said(
        "I don't know an election {election}. Did you mean {options}?",
        election=Code("jfk9"),
        options=either,
    )
    expected = format_list(["`jfk8`", "`bessemer`"], style="or", locale=LOCALES[language])
    assert expected in unknown.markdown(language)


def test_values_may_be_sentences_rich_text_or_words_only_the_language_knows() -> None:
    def level(t: Translator) -> str:
        return t.pgettext("level", "final")

    sentence = psaid(
        "subscription",
        "{election} at level {level} ({help})",
        election=Code("jf`k8"),
        level=level,
        help=psaid("level help", "every update"),
    )
    english = sentence.markdown("en")
    assert english == "`jf'k8` at level final (every update)"  # code stays code
    spanish = sentence.markdown("es")
    assert translator("es").pgettext("level", "final") in spanish
    assert translator("es").pgettext("level help", "every update") in spanish


def test_feed_words_are_escaped_and_english_is_what_str_says() -> None:
    sentence = said("That report is not valid: {reason}", reason=feed("**bold** @everyone"))
    written = sentence.markdown("en")
    assert written == "That report is not valid: " + sanitize("**bold** @everyone")
    assert "**bold**" not in written
    assert str(sentence) == written


def test_a_bool_is_not_a_number() -> None:
    with pytest.raises(TypeError):
        said("{count} post queued.", count=True).markdown("en")


def test_lines_leave_out_what_is_not_said() -> None:
    first = said("This command works only in a server.")
    assert lines([first, None, first], "en") == f"{first}\n{first}"
