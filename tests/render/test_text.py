"""The text adapter (dry run, demo): the same view as a Discord post, read without markup."""

from __future__ import annotations

import pytest

from bot.core.models import LANGUAGES, Choice, Election, Event, Status, Tally
from bot.render.i18n import translator
from bot.render.text import render_post_text
from bot.render.view import RenderMode

from .builders import JFK8, NOW, alu, jfk8_paused, num, post_of


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("mode", list(RenderMode))
def test_a_post_as_text(language: str, mode: RenderMode) -> None:
    t = translator(language)
    post = post_of(jfk8_paused(), Event.COUNT_UPDATED, previous=alu(826, 519))
    text = render_post_text(JFK8, post, language=language, mode=mode, public_url="https://t.org")
    first, underline = text.splitlines()[:2]
    assert first.startswith("JFK8: ") and set(underline) == {"="}
    assert num(1518, language) in text and t.signed(692) in text
    assert t.date_time(NOW) in text  # moments written out in UTC, not as <t:…>
    assert "<t:" not in text and "**" not in text and "`" not in text
    assert "https://t.org/e/jfk8" in text
    assert (t.gettext("Live message: updated in place at every change.") in text) == (
        mode is RenderMode.LIVE
    )


def test_feed_text_is_shown_as_written() -> None:
    tally = Tally(
        "x",
        choices=(Choice("**A** <@1>", 3), Choice("No union", 2, True)),
        note="@everyone look",
        status=Status.COUNTING,
    )
    text = render_post_text(Election("x", name="# Big"), post_of(tally, Event.COUNT_UPDATED))
    assert "**A** <@1>" in text and "@everyone look" in text and "# Big" in text
    assert "\\" not in text and "\u200b" not in text
