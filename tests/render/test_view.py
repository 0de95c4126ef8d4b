"""The view model, in every language: titles by event precedence, outcomes only when
decided, what moved, the challenged-ballots line, live messages, short names. Expected words
come from the catalogues and numbers from Babel, so these tests pin structure, not English."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import EVENT_PRECEDENCE, LANGUAGES, Choice, Election, Event, Status, Tally
from bot.core.rules import summarize
from bot.render.i18n import translator
from bot.render.moved import MovementKind
from bot.render.rich import Code, Feed, Link, Moment, Plain, Strong, Text, TimeStyle
from bot.render.text import words
from bot.render.view import FigureKey, RenderMode, Tone, View, post_view, short_name

from .builders import (
    BESSEMER,
    JFK8,
    NOW,
    alu,
    bessemer_2021,
    bessemer_2022,
    jfk8_final,
    jfk8_paused,
    num,
    pct,
    post_of,
)

COUNTING = alu(1518, 1154, status=Status.COUNTING, ballots_cast=4869)


def view(
    tally: Tally,
    *events: Event,
    language: str = "en",
    election: Election = JFK8,
    mode: RenderMode = RenderMode.POST,
    previous: Tally | None = None,
    other_rounds: tuple[Tally, ...] = (),
) -> View:
    post = post_of(tally, *events, previous=previous, other_rounds=other_rounds)
    return post_view(election, post, language=language, mode=mode)


def said(text: Text | None, language: str = "en") -> str:
    assert text is not None
    return words(text, language)


def title(template: str, language: str, **values: str) -> str:
    """A title as the catalogue says it for `language`."""
    return translator(language).pgettext("title", template).format(**values)


def result(template: str, language: str) -> str:
    return translator(language).pgettext("result", template)


# --- titles ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_title_follows_the_highest_event(language: str) -> None:
    tally = alu(100, 90, challenged=30, ballots_cast=400)
    for index, top in enumerate(EVENT_PRECEDENCE):
        lower = EVENT_PRECEDENCE[index + 1 :]
        mixed = view(tally, *lower, top, language=language)
        alone = view(tally, top, language=language)
        assert mixed.title == alone.title
        assert mixed.event is top


@pytest.mark.parametrize("language", LANGUAGES)
def test_titles_of_different_events_differ(language: str) -> None:
    tally = alu(300, 90, challenged=10, ballots_cast=500)  # decided, 100 ballots left
    titles = {said(view(tally, event, language=language).title, language) for event in Event}
    assert len(titles) == len(Event)


@pytest.mark.parametrize("language", LANGUAGES)
def test_titles_say_the_catalogue_sentence(language: str) -> None:
    assert said(view(COUNTING, Event.CORRECTION, language=language).title, language) == title(
        "{name}: correction", language, name="JFK8"
    )
    final = view(jfk8_final(), Event.COUNT_FINAL, language=language)
    assert said(final.title, language) == title(
        "{name}: count complete — {result}",
        language,
        name="JFK8",
        result=result("union wins", language),
    )
    rerun = view(bessemer_2022(), Event.COUNT_FINAL, language=language, election=BESSEMER)
    assert said(rerun.title, language) == title(
        "{name}: count complete — {result}",
        language,
        name="Bessemer",
        result=result("result depends on challenged ballots", language),
    )
    update = view(COUNTING, Event.COUNT_UPDATED, language=language)
    score = f"{num(1518, language)}–{num(1154, language)}"
    assert said(update.title, language) == title(
        "{name}: new count: {score}", language, name="JFK8", score=score
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_resumed_only_after_a_pause(language: str) -> None:
    paused = replace(COUNTING, status=Status.PAUSED)
    resumed = view(COUNTING, Event.STATUS_CHANGED, language=language, previous=paused)
    assert said(resumed.title, language) == title("{name}: count resumed", language, name="JFK8")
    for before in (Status.VOTING, Status.SCHEDULED, Status.COUNTING):
        other = view(
            COUNTING,
            Event.STATUS_CHANGED,
            language=language,
            previous=replace(COUNTING, status=before),
        )
        assert other.title != resumed.title
    first = view(COUNTING, Event.STATUS_CHANGED, language=language, previous=None)
    assert first.title != resumed.title


def test_short_names() -> None:
    assert short_name(Election("jfk8")) == "JFK8"
    assert short_name(Election("abcdef")) == "ABCDEF"
    assert short_name(Election("bessemer", name="Amazon BHM1")) == "Amazon BHM1"
    assert short_name(Election("bessemer")) == "bessemer"
    assert short_name(Election("bessemer", name="Amazon BHM1", short_name="BHM1")) == "BHM1"
    assert short_name(Election("jfk8", short_name="  ")) == "JFK8"


# --- outcomes -------------------------------------------------------------------------

single_union = st.builds(
    lambda u, a, c, v, left, status, flag: alu(
        u,
        a,
        challenged=c,
        void=v,
        ballots_cast=None if left is None else u + a + c + v + left,
        status=status,
        determinative_flag=flag,
    ),
    st.integers(0, 300),
    st.integers(0, 300),
    st.integers(0, 60),
    st.integers(0, 20),
    st.none() | st.integers(0, 300),
    st.sampled_from(list(Status)),
    st.none() | st.booleans(),
)


@given(single_union, st.sets(st.sampled_from(list(Event))), st.sampled_from(LANGUAGES))
def test_an_outcome_only_when_decided(tally: Tally, events: set[Event], language: str) -> None:
    shown = view(tally, *sorted(events), language=language)
    summary = summarize(tally)
    if not summary.decided:
        assert shown.outcome is None
        assert shown.tone not in (Tone.WIN, Tone.LOSS)
    elif tally.status not in (Status.RERUN_ORDERED, Status.WITHDRAWN, Status.DISMISSED):
        assert shown.outcome is not None


@pytest.mark.parametrize("language", LANGUAGES)
def test_bessemer_rerun_waits_on_its_challenged_ballots(language: str) -> None:
    shown = view(bessemer_2022(), Event.COUNT_FINAL, language=language, election=BESSEMER)
    assert shown.outcome is None and shown.complete
    assert shown.tone is Tone.UNDECIDED
    assert num(416, language) in said(shown.determinative, language)
    challenged = next(f for f in shown.figures if f.key is FigureKey.CHALLENGED)
    assert challenged.alert


@pytest.mark.parametrize("language", LANGUAGES)
def test_jfk8_final_is_decided(language: str) -> None:
    shown = view(jfk8_final(), Event.COUNT_FINAL, language=language)
    assert shown.outcome is not None and shown.tone is Tone.WIN and shown.determinative is None
    assert pct(2654 / 4785, language) in said(shown.state, language)
    figures = {f.key: said(f.value, language) for f in shown.figures}
    assert figures[FigureKey.TURNOUT] == pct((4785 + 17 + 67) / 8325, language)
    assert figures[FigureKey.ELIGIBLE] == num(8325, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_it_takes_after_day_one(language: str) -> None:
    shown = view(jfk8_paused(), Event.STATUS_CHANGED, language=language)
    text = said(shown.what_it_takes, language)
    assert translator(language).whole_percent(42) in text and num(2197, language) in text
    assert shown.tone is Tone.PAUSED and shown.unofficial


@pytest.mark.parametrize("language", LANGUAGES)
def test_challenged_ballots_during_a_count_are_a_line_not_an_event(language: str) -> None:
    during = view(alu(100, 90, challenged=30, ballots_cast=400), language=language)
    assert num(30, language) in said(during.determinative, language)
    assert num(10, language) in said(during.determinative, language)  # the margin
    done = view(alu(100, 90, challenged=30, status=Status.FINAL), language=language)
    assert done.determinative is not None and done.determinative != during.determinative
    safe = view(alu(100, 20, challenged=30, ballots_cast=400), language=language)
    assert safe.determinative is None


# --- what moved -----------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_moved_per_choice_challenged_and_void(language: str) -> None:
    before = alu(826, 519, challenged=3, void=1)
    after = alu(1518, 1154, challenged=5, void=1)
    moved = view(after, Event.COUNT_UPDATED, language=language, previous=before).moved
    assert moved is not None and not moved.correction
    kinds = [(item.kind, item.new - item.old) for item in moved.items]
    assert kinds == [
        (MovementKind.CHOICE, 692),
        (MovementKind.CHOICE, 635),
        (MovementKind.CHALLENGED, 2),
    ]
    t = translator(language)
    line = said(moved.line, language)
    for change in (692, 635, 2):
        assert t.signed(change) in line
    assert "Amazon Labor Union" in line


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_correction_shows_old_and_new(language: str) -> None:
    before, after = alu(2210, 2000), alu(2201, 2000)
    moved = view(after, Event.CORRECTION, language=language, previous=before).moved
    assert moved is not None and moved.correction
    assert len(moved.items) == 1
    line = said(moved.line, language)
    assert f"{num(2210, language)} → {num(2201, language)}" in line


def test_sources_that_name_choices_differently_still_match() -> None:
    before = Tally("jfk8", choices=(Choice("ALU", 800), Choice("Votes against", 600, against=True)))
    moved = view(alu(1518, 1154), Event.COUNT_UPDATED, previous=before).moved
    assert moved is not None
    assert [(i.old, i.new) for i in moved.items] == [(800, 1518), (600, 1154)]
    several_before = Tally(
        "x", choices=(Choice("UNION A", 10), Choice("Union B", 5), Choice("None", 3, True))
    )
    several_now = Tally(
        "x", choices=(Choice("Union A", 12), Choice("Union B", 5), Choice("No union", 4, True))
    )
    moved = view(several_now, Event.COUNT_UPDATED, previous=several_before).moved
    assert moved is not None
    assert [(i.old, i.new) for i in moved.items] == [(10, 12), (3, 4)]


def test_nothing_moved_is_said_and_a_first_post_has_no_line() -> None:
    counting = replace(jfk8_paused(), status=Status.COUNTING)
    same = view(jfk8_paused(), Event.STATUS_CHANGED, previous=counting)
    assert same.moved is not None and same.moved.items == ()
    assert view(jfk8_paused(), Event.COUNT_STARTED, previous=None).moved is None


# --- live messages --------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_live_message_shows_its_state_and_last_batch(language: str) -> None:
    before = alu(826, 519, ballots_cast=4869)
    live = view(
        jfk8_paused(),
        Event.COUNT_UPDATED,
        Event.STATUS_CHANGED,
        language=language,
        mode=RenderMode.LIVE,
        previous=before,
    )
    assert live.event is None
    assert said(live.title, language) == title("{name}: count paused", language, name="JFK8")
    assert live.moved is not None and live.live_note is not None
    moments = [s for s in live.moved.line if isinstance(s, Moment)]
    assert moments == [Moment(NOW, TimeStyle.TIME)]
    assert live.what_it_takes is not None


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_live_message_says_when_the_count_is_complete(language: str) -> None:
    ongoing = view(COUNTING, Event.COUNT_UPDATED, language=language, mode=RenderMode.LIVE)
    done = view(jfk8_final(), Event.COUNT_FINAL, language=language, mode=RenderMode.LIVE)
    assert done.complete and not ongoing.complete
    assert done.live_note != ongoing.live_note
    complete_words = translator(language).pgettext("status", "Count complete").casefold()
    assert complete_words in said(done.title, language).casefold()


def test_a_count_is_complete_when_every_ballot_is_counted() -> None:
    every = alu(2654, 2131, challenged=67, void=17, ballots_cast=4869, status=Status.COUNTING)
    shown = view(every, Event.COUNT_UPDATED, mode=RenderMode.LIVE)
    assert shown.complete
    assert said(shown.state).startswith(translator("en").gettext("Count complete."))


# --- no markup in the view --------------------------------------------------------------

hostile = st.text(alphabet="*_`~|<>@&#![]()\\\n abc", max_size=30)


def spans(text: Text) -> list[Plain | Feed | Code | Moment]:
    found: list[Plain | Feed | Code | Moment] = []
    for span in text:
        if isinstance(span, Strong):
            found += spans(span.content)
        elif isinstance(span, Link):
            found += spans(span.label)
        else:
            found.append(span)
    return found


@given(hostile, hostile, st.sampled_from(LANGUAGES))
def test_feed_text_is_always_marked_as_feed(name: str, note: str, language: str) -> None:
    tally = Tally(
        "x",
        choices=(Choice(name or "a", 3), Choice("b", 2, against=True)),
        note=note,
        source_label=name,
    )
    shown = view(tally, Event.COUNT_UPDATED, language=language, election=Election("x", name=name))
    texts = [shown.title, shown.state, shown.heading, shown.source, shown.note or ()]
    texts += [choice.name for choice in shown.choices]
    for text in texts:
        for span in spans(text):
            if isinstance(span, Plain):
                assert "**" not in span.text and "<t:" not in span.text
                assert not (name.strip() and len(name.strip()) > 3 and name.strip() in span.text)


def test_earlier_rounds_are_summarised() -> None:
    shown = view(
        bessemer_2022(),
        Event.ROUND_OPENED,
        election=BESSEMER,
        other_rounds=(bessemer_2021(),),
    )
    (line,) = shown.other_rounds
    assert f"{num(738)}–{num(1798)}" in said(line) and num(505) in said(line)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_live_message_names_a_status_change_as_its_last_change(language: str) -> None:
    counting = replace(jfk8_paused(), status=Status.COUNTING)
    live = view(
        jfk8_paused(),
        Event.STATUS_CHANGED,
        language=language,
        mode=RenderMode.LIVE,
        previous=counting,
    )
    assert live.moved is not None and live.moved.items == ()
    status = translator(language).pgettext("status", "Count paused")
    assert status in said(live.moved.line, language)
    same = view(jfk8_paused(), Event.NOTE_CHANGED, mode=RenderMode.LIVE, previous=jfk8_paused())
    assert same.moved is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_a_round_came_to_for_tables_and_lists(language: str) -> None:
    """`result`: the outcome when decided; for a finished count without one, what it waits
    on; nothing while counting undecided, nothing for a round set aside."""
    waits = view(bessemer_2022(), Event.COUNT_FINAL, language=language, election=BESSEMER)
    assert said(waits.result, language) == result("result depends on challenged ballots", language)
    won = view(jfk8_final(), Event.COUNT_FINAL, language=language)
    assert won.result == won.outcome is not None
    assert view(COUNTING, Event.COUNT_UPDATED, language=language).result is None
    set_aside = view(bessemer_2021(), Event.STATUS_CHANGED, language=language, election=BESSEMER)
    assert set_aside.result is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_leading_choice_is_marked_and_nobody_leads_a_tie(language: str) -> None:
    leading = [c.leading for c in view(COUNTING, language=language).choices]
    assert leading == [True, False]
    assert not any(c.leading for c in view(alu(700, 700), language=language).choices)
    assert not any(c.leading for c in view(alu(0, 0), language=language).choices)


def test_the_source_by_itself_and_in_its_sentence() -> None:
    shown = view(jfk8_paused(), Event.STATUS_CHANGED)
    assert said(shown.source_name) == "ALU count watchers (unofficial)"
    assert said(shown.source) == "Source: ALU count watchers (unofficial)"
