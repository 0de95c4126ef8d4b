"""What posts, /status and /elections say: titles by event precedence, the JFK8 and Bessemer
facts, outcomes only when decided, mentions that never ping."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.diff import diff
from bot.core.models import EVENT_PRECEDENCE, Choice, Election, Event, SourceKind, Status, Tally
from bot.core.rules import summarize
from bot.render.body import MessageBody
from bot.render.listing import ElectionEntry, page_count, render_elections_page
from bot.render.messages import (
    COLOUR_CORRECTION,
    COLOUR_LOSS,
    COLOUR_PAUSED,
    COLOUR_UNDECIDED,
    COLOUR_WIN,
    PostView,
    render_post,
    render_status,
)
from bot.render.text import render_text

from .builders import (
    BESSEMER,
    JFK8,
    NOW,
    alu,
    bessemer_2021,
    bessemer_2022,
    jfk8_final,
    jfk8_paused,
)

MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")
RESULT_WORDS = re.compile(r"\b(wins|won|loses|lost)\b", re.IGNORECASE)


def post(tally: Tally, *events: Event, election: Election = JFK8, **kw: object) -> MessageBody:
    return render_post(PostView(election=election, tally=tally, events=events, now=NOW, **kw))  # type: ignore[arg-type]


def title(body: MessageBody) -> str:
    return body["embeds"][0]["title"]


def everything(body: MessageBody) -> str:
    return json.dumps(body, ensure_ascii=False)


# --- titles ---------------------------------------------------------------------------

COUNTING = alu(1518, 1154, status=Status.COUNTING, ballots_cast=4869)


@pytest.mark.parametrize(
    ("tally", "events", "expected"),
    [
        (COUNTING, (Event.CORRECTION,), "JFK8: correction"),
        (jfk8_final(), (Event.COUNT_FINAL,), "JFK8: count complete — union wins"),
        (
            bessemer_2022(),
            (Event.COUNT_FINAL,),
            "Bessemer: count complete — result depends on challenged ballots",
        ),
        (
            alu(3000, 1000, ballots_cast=4869),
            (Event.OUTCOME_DECIDED,),
            "JFK8: outcome decided — union wins",
        ),
        (
            alu(100, 90, challenged=30),
            (Event.CHALLENGES_DETERMINATIVE,),
            "JFK8: challenged ballots could decide it",
        ),
        (
            alu(100, 50, challenged=30),
            (Event.CHALLENGES_DETERMINATIVE,),
            "JFK8: challenged ballots can no longer decide it",
        ),
        (COUNTING, (Event.LEAD_CHANGED,), "JFK8: union takes the lead"),
        (alu(10, 20), (Event.LEAD_CHANGED,), "JFK8: no union takes the lead"),
        (alu(20, 20), (Event.LEAD_CHANGED,), "JFK8: tied"),
        (bessemer_2022(), (Event.ROUND_OPENED,), "Bessemer: new round — rerun"),
        (alu(0, 0), (Event.COUNT_STARTED,), "JFK8: count started"),
        (jfk8_paused(), (Event.STATUS_CHANGED,), "JFK8: count paused"),
        (COUNTING, (Event.STATUS_CHANGED,), "JFK8: count resumed"),
        (
            replace(jfk8_final(), status=Status.CERTIFIED),
            (Event.STATUS_CHANGED,),
            "JFK8: certified — union wins",
        ),
        (COUNTING, (Event.COUNT_UPDATED,), "JFK8: new count: 1,518–1,154"),
    ],
)
def test_title_names_the_event(tally: Tally, events: tuple[Event, ...], expected: str) -> None:
    election = BESSEMER if tally.election_id == "bessemer" else JFK8
    assert title(post(tally, *events, election=election)) == expected


@pytest.mark.parametrize("index", range(len(EVENT_PRECEDENCE)))
def test_title_follows_the_highest_event(index: int) -> None:
    top, lower = EVENT_PRECEDENCE[index], EVENT_PRECEDENCE[index + 1 :]
    tally = alu(100, 90, challenged=30, ballots_cast=400)
    assert title(post(tally, *lower, top)) == title(post(tally, top))


def test_titles_of_different_events_differ() -> None:
    tally = alu(100, 90, challenged=30, ballots_cast=400)
    titles = {title(post(tally, event)) for event in Event}
    assert len(titles) == len(Event)


def test_resumed_only_after_a_pause() -> None:
    voting = replace(COUNTING, status=Status.VOTING)
    body = post(COUNTING, Event.STATUS_CHANGED, previous=voting)
    assert title(body) == "JFK8: counting"


def test_title_follows_a_real_diff() -> None:
    change = diff(alu(1400, 1100, status=Status.COUNTING, ballots_cast=4869), jfk8_paused())
    assert change is not None
    body = render_post(PostView.from_change(JFK8, change, now=NOW))
    assert title(body) == "JFK8: count paused"


# --- the facts ------------------------------------------------------------------------


def test_jfk8_after_day_one_says_what_the_union_needs() -> None:
    body = post(jfk8_paused(), Event.COUNT_UPDATED, Event.STATUS_CHANGED)
    text = render_text(body)
    assert "The union needs 42% of the 2,197 ballots left" in text
    assert "1,518" in text and "1,154" in text
    assert "Remaining: 2,197" in text
    assert "unofficial" in body["embeds"][0]["footer"]["text"]
    assert "ALU count watchers" in body["embeds"][0]["footer"]["text"]
    assert "unofficial" in body["content"]
    assert body["embeds"][0]["color"] == COLOUR_PAUSED
    assert not RESULT_WORDS.search(text)


def test_jfk8_final_says_the_union_wins() -> None:
    tally = jfk8_final()
    assert summarize(tally).decided
    body = post(tally, Event.COUNT_UPDATED, Event.OUTCOME_DECIDED, Event.COUNT_FINAL)
    text = render_text(body)
    assert title(body) == "JFK8: count complete — union wins"
    assert "Amazon Labor Union wins with 55.5% of the valid votes" in text
    for figure in ("2,654", "2,131", "Challenged: 67", "Void: 17", "Eligible: 8,325"):
        assert figure in text
    assert "Turnout: 58.5%" in text  # (4,785 + 17 + 67) / 8,325
    assert "unofficial" not in everything(body)
    assert "NLRB (official)" in text
    assert "⚠️" not in text  # 67 challenged cannot change a 523-vote lead
    assert body["embeds"][0]["color"] == COLOUR_WIN


def test_bessemer_rerun_depends_on_challenged_ballots_and_never_loses() -> None:
    tally = bessemer_2022()
    assert not summarize(tally).decided
    body = post(tally, Event.ROUND_OPENED, Event.COUNT_FINAL, election=BESSEMER)
    text = render_text(body)
    assert "result depends on challenged ballots" in title(body)
    assert "The 416 challenged ballots can change the result" in text
    assert "416 ⚠️ determinative" in text
    assert "875" in text and "993" in text and "6,153" in text
    assert not RESULT_WORDS.search(text)
    assert body["embeds"][0]["color"] == COLOUR_UNDECIDED


def test_a_decided_loss_is_called_a_loss() -> None:
    tally = replace(bessemer_2021(), status=Status.FINAL)
    body = post(tally, Event.COUNT_FINAL, election=BESSEMER)
    assert title(body) == "Bessemer: count complete — union loses"
    assert body["embeds"][0]["color"] == COLOUR_LOSS


def test_correction_has_its_own_colour() -> None:
    body = post(jfk8_final(), Event.CORRECTION)
    assert body["embeds"][0]["color"] == COLOUR_CORRECTION


def test_post_links_the_case() -> None:
    embed = post(jfk8_final(), Event.COUNT_FINAL)["embeds"][0]
    assert embed["url"] == "https://www.nlrb.gov/case/29-RC-288020"
    assert any("29-RC-288020" in f["value"] for f in embed["fields"])


def test_post_without_case_links_the_election_url() -> None:
    election = Election("x", url="https://example.org/count")
    assert post(COUNTING, Event.COUNT_UPDATED, election=election)["embeds"][0]["url"] == (
        "https://example.org/count"
    )
    assert "url" not in post(COUNTING, Event.COUNT_UPDATED, election=Election("x"))["embeds"][0]


def test_post_time_is_a_discord_timestamp() -> None:
    body = post(jfk8_paused(), Event.STATUS_CHANGED)
    assert f"<t:{int(NOW.timestamp())}:R>" in body["embeds"][0]["description"]


def test_several_unions_are_named() -> None:
    choices = (Choice("Union A", 40), Choice("Union B", 35), Choice("No union", 25, against=True))
    tally = Tally("x", choices=choices, status=Status.FINAL)
    body = post(tally, Event.LEAD_CHANGED, election=Election("x"))
    assert title(body) == "X: Union A takes the lead"
    final = post(tally, Event.COUNT_FINAL, election=Election("x"))
    assert title(final) == "X: count complete — run-off between Union A and Union B"


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


@given(single_union, st.sets(st.sampled_from(list(Event)), min_size=1))
def test_never_wins_or_loses_unless_decided(tally: Tally, events: set[Event]) -> None:
    text = render_text(post(tally, *sorted(events)))
    if not summarize(tally).decided:
        assert not RESULT_WORDS.search(text)


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


def test_feed_text_never_pings() -> None:
    body = post(hostile_tally(), Event.COUNT_FINAL, election=HOSTILE)
    assert body["allowed_mentions"] == {"parse": []}
    assert not MENTION.search(everything(body))


def test_only_the_subscription_role_is_mentioned() -> None:
    body = post(hostile_tally(), Event.COUNT_FINAL, election=HOSTILE, mention_role_id=4242)
    assert body["allowed_mentions"] == {"parse": [], "roles": ["4242"]}
    assert body["content"].startswith("<@&4242> ")
    assert MENTION.findall(everything(body)) == [""]  # the one role mention, no group
    assert re.findall(r"<@&\d+>", everything(body)) == ["<@&4242>"]


# --- /status, /elections, text --------------------------------------------------------


def test_status_shows_the_latest_round_and_summarises_earlier_ones() -> None:
    body = render_status(BESSEMER, [bessemer_2021(), bessemer_2022()], NOW)
    embed = body["embeds"][0]
    assert embed["title"] == "Bessemer: count complete — result depends on challenged ballots"
    earlier = next(f for f in embed["fields"] if f["name"] == "Earlier rounds")
    assert "Initial tally" in earlier["value"] and "738–1,798" in earlier["value"]
    assert "505 challenged" in earlier["value"]
    assert body["allowed_mentions"] == {"parse": []}


def test_status_can_show_an_earlier_round() -> None:
    body = render_status(BESSEMER, [bessemer_2021(), bessemer_2022()], NOW, round_="initial")
    assert "738" in body["embeds"][0]["description"]
    assert body["embeds"][0]["title"] == "Bessemer: rerun ordered"


def test_status_without_tallies() -> None:
    body = render_status(JFK8, [], NOW)
    assert body["embeds"][0]["title"] == "JFK8: no published tally yet"


def test_elections_are_paged() -> None:
    entries = [ElectionEntry(Election(f"e{i:02}", name=f"Election {i}")) for i in range(23)]
    entries[0] = ElectionEntry(JFK8, jfk8_final())
    assert page_count(23, 10) == 3
    first = render_elections_page(entries, page=1, per_page=10)
    assert "`jfk8`" in first["embeds"][0]["description"]
    assert "2,654–2,131" in first["embeds"][0]["description"]
    last = render_elections_page(entries, page=9, per_page=10)  # clamped to the last page
    assert last["embeds"][0]["description"].count("\n") == 2
    assert last["embeds"][0]["footer"]["text"] == "Page 3 of 3 · 23 elections"
    empty = render_elections_page([], query="zzz")
    assert "No election matches" in empty["embeds"][0]["description"]


def test_text_rendering_reads_like_discord() -> None:
    body = post(hostile_tally(), Event.COUNT_FINAL, election=HOSTILE, mention_role_id=7)
    text = render_text(body)
    assert text.startswith("@role:7 Hostile: count complete")
    assert "@everyone <@&123>" in text  # shown as written, escapes and breaks removed
    assert "<@!1> **x** 5" in text  # the name's own asterisks, not markup
    assert "\u200b" not in text and "\\" not in text
    assert "Source: @everyone (unofficial)" in text


def test_source_kinds_are_labelled() -> None:
    report = replace(COUNTING, source="report", source_kind=SourceKind.REPORT)
    assert "reported in Discord (unofficial)" in render_text(post(report, Event.COUNT_UPDATED))
    native = replace(COUNTING, source="organizers")
    assert "feed organizers (unofficial)" in render_text(post(native, Event.COUNT_UPDATED))
