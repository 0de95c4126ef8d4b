"""The Discord adapter: posts, live messages, /status and /elections bodies in both languages;
the JFK8 and Bessemer facts; mentions that never ping; a Spanish post without English."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from bot.core.diff import diff
from bot.core.models import LANGUAGES, Choice, Election, Event, SourceKind, Status, Tally
from bot.render.body import CONTENT_MAX, MessageBody
from bot.render.i18n import translator
from bot.render.listing import ElectionEntry, page_count, render_elections_page
from bot.render.messages import (
    COLOUR_CORRECTION,
    COLOUR_LOSS,
    COLOUR_PAUSED,
    COLOUR_UNDECIDED,
    COLOUR_WIN,
    render_post,
    render_status,
    with_mention,
)
from bot.render.text import render_text
from bot.render.view import RenderMode

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
from .catalogue_util import read_catalogue

MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")
RESULT_WORDS = re.compile(r"\b(wins|won|loses|lost|gana|pierde)\b", re.IGNORECASE)


def post(
    tally: Tally,
    *events: Event,
    election: Election = JFK8,
    language: str = "en",
    mode: RenderMode = RenderMode.POST,
    previous: Tally | None = None,
    other_rounds: tuple[Tally, ...] = (),
) -> MessageBody:
    the_post = post_of(tally, *events, previous=previous, other_rounds=other_rounds)
    return render_post(election, the_post, language=language, mode=mode)


def title(body: MessageBody) -> str:
    return body["embeds"][0]["title"]


def everything(body: MessageBody) -> str:
    return json.dumps(body, ensure_ascii=False)


# --- the facts ------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_jfk8_after_day_one(language: str) -> None:
    t = translator(language)
    body = post(jfk8_paused(), Event.COUNT_UPDATED, Event.STATUS_CHANGED, language=language)
    text = render_text(body)
    assert t.whole_percent(42) in text and num(2197, language) in text
    assert f"{num(1518, language)}–{num(1154, language)}" in body["content"]
    assert f"{t.pgettext('figure', 'Remaining')}: {num(2197, language)}" in text
    footer = body["embeds"][0]["footer"]["text"]
    assert "ALU count watchers" in footer and t.pgettext("source", "unofficial") in footer
    assert body["content"].endswith(t.pgettext("content", "unofficial"))
    assert body["embeds"][0]["color"] == COLOUR_PAUSED
    assert not RESULT_WORDS.search(text)


def test_jfk8_final_says_the_union_wins() -> None:
    body = post(jfk8_final(), Event.COUNT_UPDATED, Event.OUTCOME_DECIDED, Event.COUNT_FINAL)
    text = render_text(body)
    assert title(body) == "JFK8: count complete — union wins"
    assert f"Amazon Labor Union wins with {pct(2654 / 4785)} of the valid votes" in text
    for label, value in (("Challenged", 67), ("Void", 17), ("Eligible voters", 8325)):
        assert f"{label}: {num(value)}" in text
    assert f"Turnout: {pct((4785 + 17 + 67) / 8325)}" in text
    assert "unofficial" not in everything(body) and "NLRB (official)" in text
    assert "⚠️" not in text  # 67 challenged cannot change a 523-vote lead
    assert body["embeds"][0]["color"] == COLOUR_WIN


@pytest.mark.parametrize("language", LANGUAGES)
def test_bessemer_rerun_depends_on_challenged_ballots(language: str) -> None:
    body = post(
        bessemer_2022(), Event.ROUND_OPENED, Event.COUNT_FINAL, election=BESSEMER, language=language
    )
    text = render_text(body)
    depends = translator(language).pgettext("result", "result depends on challenged ballots")
    assert depends in title(body)
    assert "⚠️ " in text and num(416, language) in text
    assert all(num(n, language) in text for n in (875, 993, 6153))
    assert not RESULT_WORDS.search(text)
    assert body["embeds"][0]["color"] == COLOUR_UNDECIDED


def test_a_decided_loss_is_called_a_loss() -> None:
    body = post(replace(bessemer_2021(), status=Status.FINAL), Event.COUNT_FINAL, election=BESSEMER)
    assert title(body) == "Bessemer: count complete — union loses"
    assert body["embeds"][0]["color"] == COLOUR_LOSS


def test_correction_has_its_own_colour_and_shows_old_and_new() -> None:
    body = post(alu(2201, 2000), Event.CORRECTION, previous=alu(2210, 2000))
    assert body["embeds"][0]["color"] == COLOUR_CORRECTION
    assert f"Amazon Labor Union {num(2210)} → {num(2201)}" in body["embeds"][0]["description"]


def test_every_post_says_what_moved() -> None:
    body = post(alu(1518, 1154), Event.COUNT_UPDATED, previous=alu(826, 519))
    assert "Amazon Labor Union +692 · No union +635" in body["embeds"][0]["description"]


def test_the_run_off_keeps_names_as_written() -> None:
    choices = (Choice("UNITE HERE", 40), Choice("SEIU Local 1", 35), Choice("No union", 25, True))
    tally = Tally("x", choices=choices, status=Status.FINAL)
    body = post(tally, Event.COUNT_FINAL, election=Election("x"))
    assert title(body) == "X: count complete — run-off between UNITE HERE and SEIU Local 1"
    assert "**Run-off between UNITE HERE and SEIU Local 1.**" in body["embeds"][0]["description"]


def test_post_links_the_case_or_the_election() -> None:
    embed = post(jfk8_final(), Event.COUNT_FINAL)["embeds"][0]
    assert embed["url"] == "https://www.nlrb.gov/case/29-RC-288020"
    assert any("29-RC-288020" in f["value"] for f in embed["fields"])
    counting = alu(10, 5)
    election = Election("x", url="https://example.org/count")
    assert post(counting, Event.COUNT_UPDATED, election=election)["embeds"][0]["url"] == (
        "https://example.org/count"
    )
    assert "url" not in post(counting, Event.COUNT_UPDATED, election=Election("x"))["embeds"][0]


def test_post_time_is_a_discord_timestamp() -> None:
    body = post(jfk8_paused(), Event.STATUS_CHANGED)
    assert f"<t:{int(NOW.timestamp())}:R>" in body["embeds"][0]["description"]
    live = post(jfk8_paused(), Event.COUNT_UPDATED, mode=RenderMode.LIVE, previous=alu(826, 519))
    assert f"<t:{int(NOW.timestamp())}:t>" in live["embeds"][0]["description"]


def test_a_live_message_pings_no_one() -> None:
    live = post(jfk8_paused(), Event.COUNT_FINAL, mode=RenderMode.LIVE)
    assert live["allowed_mentions"] == {"parse": []}
    assert not MENTION.search(everything(live))


def test_title_follows_a_real_diff() -> None:
    change = diff(alu(1400, 1100, status=Status.COUNTING, ballots_cast=4869), jfk8_paused())
    assert change is not None
    body = render_post(JFK8, post_of(change.current, *change.events, previous=change.previous))
    assert title(body) == "JFK8: count paused"


# --- Spanish --------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_WORD = re.compile(r"[^\W\d_]+")
_URL = re.compile(r"https?://\S+")


def catalogue_words(language: str) -> set[str]:
    found: set[str] = set()
    for message in read_catalogue(language):
        if not message.id:
            continue
        forms = (message.string,) if isinstance(message.string, str) else message.string
        for form in forms:
            found |= {w.casefold() for w in _WORD.findall(_PLACEHOLDER.sub(" ", form))}
    return found


def english_only_words() -> set[str]:
    """The words of the English templates that Spanish never uses."""
    return catalogue_words("en") - catalogue_words("es")


FEED_WORDS = (
    "Amazon Labor Union",
    "Amazon JFK8 (Staten Island, NY)",
    "ALU count watchers",
    "Amazon BHM1 (Bessemer, AL)",
    "RWDSU",
    "Bessemer",
    "JFK8",
)


def english_words_in(body: MessageBody) -> set[str]:
    """English template words left in a body, once its feed names and links are taken out."""
    text = _URL.sub(" ", render_text(body))  # an address is not a word of the post
    for name in FEED_WORDS:
        text = text.replace(name, " ")
    return {w.casefold() for w in _WORD.findall(text)} & english_only_words()


def test_the_english_word_check_finds_english() -> None:
    assert {"challenged", "ballots", "union", "count"} <= english_only_words()
    english = post(bessemer_2022(), Event.COUNT_FINAL, election=BESSEMER, language="en")
    assert {"challenged", "ballots", "count"} <= english_words_in(english)


@pytest.mark.parametrize(
    "events",
    [(Event.COUNT_UPDATED, Event.STATUS_CHANGED), (Event.CORRECTION,), (Event.LEAD_CHANGED,)],
)
@pytest.mark.parametrize("mode", list(RenderMode))
def test_a_spanish_post_has_no_english_template_words(
    events: tuple[Event, ...], mode: RenderMode
) -> None:
    before = alu(826, 519, challenged=3, void=2, ballots_cast=4869)
    bodies = [
        post(jfk8_paused(), *events, language="es", mode=mode, previous=before),
        post(
            bessemer_2022(),
            *events,
            election=BESSEMER,
            language="es",
            mode=mode,
            previous=bessemer_2021(),
            other_rounds=(bessemer_2021(),),
        ),
    ]
    for body in bodies:
        assert english_words_in(body) == set()


def test_spanish_calls_the_no_union_choice_sin_sindicato() -> None:
    body = post(jfk8_paused(), Event.COUNT_UPDATED, language="es", previous=alu(826, 519))
    assert "**Sin sindicato** " + num(1154, "es") in body["embeds"][0]["description"]
    assert "Sin sindicato +635" in body["embeds"][0]["description"]
    assert "No union" not in everything(body)
    odd = Tally("x", choices=(Choice("Union", 3), Choice("Against", 2, against=True)))
    assert "Against" in everything(post(odd, Event.COUNT_UPDATED, language="es"))


def test_spanish_vocabulary() -> None:
    """DESIGN §13's words, in a Spanish post of the Bessemer rerun."""
    body = post(bessemer_2022(), Event.COUNT_FINAL, election=BESSEMER, language="es")
    text = render_text(body)
    for word in ("recuento", "papeletas impugnadas", "Nulas", "Votos válidos"):
        assert word in text
    assert "Personas con derecho a voto" in text and "Participación" in text
    rerun = post(bessemer_2022(), Event.ROUND_OPENED, election=BESSEMER, language="es")
    assert "repetición de la elección" in title(rerun)
    union = post(jfk8_final(), Event.COUNT_FINAL, language="es")
    assert title(union) == "JFK8: recuento terminado — gana el sindicato"


# --- mentions -------------------------------------------------------------------------

HOSTILE = Election("hostile", name="@everyone <@&123>", case_number="<@456>")


def hostile_tally() -> Tally:
    choices = (Choice("@here <#789>", 10), Choice("<@!1> **x**", 5, against=True))
    return Tally(
        "hostile",
        choices=choices,
        source_label="@everyone",
        note="<@&99> @here",
        status=Status.FINAL,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_feed_text_never_pings(language: str) -> None:
    body = post(hostile_tally(), Event.COUNT_FINAL, election=HOSTILE, language=language)
    assert body["allowed_mentions"] == {"parse": []}
    assert not MENTION.search(everything(body))


def test_with_mention_allows_only_the_given_role() -> None:
    body = post(hostile_tally(), Event.COUNT_FINAL, election=HOSTILE)
    mentioned = with_mention(body, 4242)
    assert mentioned["allowed_mentions"] == {"parse": [], "roles": ["4242"]}
    assert mentioned["content"] == "<@&4242> " + body["content"]
    assert re.findall(r"<@&\d+>", everything(mentioned)) == ["<@&4242>"]
    assert mentioned["embeds"] is body["embeds"]  # shared, not copied
    assert body["allowed_mentions"] == {"parse": []}  # the shared body is left alone
    assert with_mention(body, None) is body


def test_with_mention_keeps_the_content_within_the_limit() -> None:
    body = MessageBody(content="x" * CONTENT_MAX, embeds=[], allowed_mentions={"parse": []})
    mentioned = with_mention(body, 2**63 - 1)
    assert len(mentioned["content"]) == CONTENT_MAX
    assert mentioned["content"].startswith(f"<@&{2**63 - 1}> ")


# --- /status, /elections, text --------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_status_shows_the_latest_round_and_summarises_the_others(language: str) -> None:
    body = render_status(BESSEMER, [bessemer_2021(), bessemer_2022()], NOW, language=language)
    embed = body["embeds"][0]
    t = translator(language)
    assert t.pgettext("result", "result depends on challenged ballots") in embed["title"]
    others = next(f for f in embed["fields"] if f["name"] == t.pgettext("figure", "Other rounds"))
    assert f"{num(738, language)}–{num(1798, language)}" in others["value"]
    assert t.pgettext("round", "Initial tally") in others["value"]
    assert body["allowed_mentions"] == {"parse": []}


def test_status_can_show_an_earlier_round_and_nothing_yet() -> None:
    body = render_status(BESSEMER, [bessemer_2021(), bessemer_2022()], NOW, round_="initial")
    assert num(738) in body["embeds"][0]["description"]
    assert body["embeds"][0]["title"] == "Bessemer: rerun ordered"
    assert render_status(JFK8, [], NOW)["embeds"][0]["title"] == "JFK8: no published tally yet"
    spanish = render_status(JFK8, [], NOW, language="es")["embeds"][0]["title"]
    assert spanish == "JFK8: todavía no hay escrutinio publicado"


@pytest.mark.parametrize("language", LANGUAGES)
def test_elections_are_paged(language: str) -> None:
    entries = [ElectionEntry(Election(f"e{i:02}", name=f"Election {i}")) for i in range(23)]
    entries[0] = ElectionEntry(JFK8, jfk8_final())
    assert page_count(23, 10) == 3
    first = render_elections_page(entries, page=1, per_page=10, language=language)
    assert "`jfk8`" in first["embeds"][0]["description"]
    assert f"{num(2654, language)}–{num(2131, language)}" in first["embeds"][0]["description"]
    last = render_elections_page(entries, page=9, per_page=10, language=language)  # clamped
    assert last["embeds"][0]["description"].count("\n") == 2
    footer = translator(language).ngettext(
        "Page {page} of {pages} · {count} election",
        "Page {page} of {pages} · {count} elections",
        23,
    )
    assert last["embeds"][0]["footer"]["text"] == footer.format(page=3, pages=3, count=23)
    one = render_elections_page(entries[:1], language=language)["embeds"][0]["footer"]["text"]
    assert one != footer.format(page=1, pages=1, count=1)  # "1 elections" is a slip


def test_no_elections_and_no_match() -> None:
    empty = render_elections_page([], query="zzz")
    assert "No election matches “zzz”." in empty["embeds"][0]["description"]
    assert render_elections_page([])["embeds"][0]["title"] == "Elections"


def test_text_rendering_reads_like_discord() -> None:
    body = with_mention(post(hostile_tally(), Event.COUNT_FINAL, election=HOSTILE), 7)
    text = render_text(body)
    assert text.startswith("@role:7 HOSTILE: count complete") is False  # 7 characters: the name
    assert text.startswith("@role:7 @everyone <@&123>: count complete")
    assert "<@!1> **x** 5" in text  # the name's own asterisks, not markup
    assert "\u200b" not in text and "\\" not in text
    assert "Source: @everyone (unofficial)" in text


def test_source_kinds_are_labelled() -> None:
    counting = alu(1518, 1154)
    report = replace(counting, source="report", source_kind=SourceKind.REPORT)
    assert "reported in Discord (unofficial)" in render_text(post(report, Event.COUNT_UPDATED))
    native = replace(counting, source="organizers")
    assert "feed organizers (unofficial)" in render_text(post(native, Event.COUNT_UPDATED))
    spanish = render_text(post(native, Event.COUNT_UPDATED, language="es"))
    assert "fuente organizers (no oficial)" in spanish
