"""Hand-fed native documents: every slip of DESIGN §4 skips its election with a problem that
names the election, the key path, the value and the fix; the rest of the document goes on.
Documents that are not RFC 8259 JSON, or repeat a key, fail whole."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.models import Choice, Election, Tally
from bot.feeds.base import ParseContext, ParseError, ParseResult
from bot.feeds.parsers import handfed
from bot.feeds.parsers.native import parse_native
from bot.feeds.parsers.native_election import ELECTION_FIELDS, TALLY_FIELDS

CTX = ParseContext("organizers")
DROP = object()  # a change that leaves the key out


def jfk8(**changes: Any) -> dict[str, Any]:
    election: dict[str, Any] = {
        "id": "jfk8",
        "name": "Amazon JFK8 (Staten Island, NY)",
        "status": "counting",
        "eligible_voters": 8325,
        "ballots_cast": 4869,
        "choices": [
            {"name": "Amazon Labor Union", "votes": 1518},
            {"name": "No union", "votes": 1154, "against": True},
        ],
        "challenged": 0,
        "void": 0,
    }
    election.update(changes)
    return {key: value for key, value in election.items() if value is not DROP}


def with_choices(*choices: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return jfk8(choices=list(choices), **changes)


OTHER = jfk8(id="other")


def parsed(*elections: dict[str, Any]) -> ParseResult:
    body = json.dumps({"feed_version": 1, "elections": [*elections, OTHER]}, ensure_ascii=False)
    return parse_native(body.encode(), CTX)


def set_votes(index: int, value: object) -> dict[str, Any]:
    election = jfk8()
    election["choices"][index]["votes"] = value
    return election


SLIPS: list[tuple[str, dict[str, Any], str, str]] = [
    ("typo key", jfk8(challanged=416), "challanged", "did you mean `challenged`?"),
    ("typo key far from any", jfk8(colour="red"), "colour", "the closest is"),
    (
        "typo key in a choice",
        with_choices(
            {"name": "Amazon Labor Union", "votes": 1518},
            {"name": "No union", "votes": 1154, "agianst": True},
        ),
        "choices.1.agianst",
        "did you mean `against`?",
    ),
    (
        "count as text with commas",
        set_votes(0, "1,518"),
        "choices.0.votes",
        '"1,518" is text, not a number: write 1518, without quotes or commas',
    ),
    ("count as text", jfk8(challenged="416"), "challenged", "write 416, without quotes"),
    ("fraction", set_votes(1, 1154.5), "choices.1.votes", "1154.5 is not a whole number"),
    ("negative", jfk8(void=-5), "void", "-5 is negative: a count is 0 or more"),
    ("over the maximum", jfk8(ballots_cast=10_000_001), "ballots_cast", "more than 10,000,000"),
    ("boolean count", jfk8(challenged=True), "challenged", "true is not a number"),
    ("null count", jfk8(void=None), "void", "or leave `void` out"),
    ("NUL in a name", jfk8(name="JFK8\u0000"), "name", "NUL (U+0000)"),
    ("line break in a note", jfk8(note="resumes\nFriday"), "note", "a line break (U+000A)"),
    ("DEL in the location", jfk8(location="Staten\u007f"), "location", "U+007F"),
    ("C1 control in the employer", jfk8(employer="Amazon\u0085"), "employer", "U+0085"),
    (
        "bidi override in a choice name",
        with_choices(
            {"name": "Amazon \u202eLabor Union", "votes": 1518},
            {"name": "No union", "votes": 1154, "against": True},
        ),
        "choices.0.name",
        "bidirectional override, right-to-left override (U+202E)",
    ),
    ("bidi isolate in the short name", jfk8(short_name="\u2066JFK8"), "short_name", "U+2066"),
    ("name too long", jfk8(name="x" * 201), "name", "201 characters long"),
    ("short name too long", jfk8(short_name="J" * 41), "short_name", "more than the 40"),
    (
        "round longer than the store holds",
        jfk8(round="rerun-" + "a" * 40),
        "round",
        "more than the 40 a round may have",
    ),
    (
        "more counted than cast",
        jfk8(ballots_cast=2000),
        "ballots_cast",
        "2,672 ballots are counted (valid 2,672 + void 0 + challenged 0) but `ballots_cast` "
        "is 2,000",
    ),
    (
        "challenged push the count over the ballots cast",
        jfk8(challenged=3000),
        "ballots_cast",
        "challenged 3,000",
    ),
    (
        "more valid votes than eligible voters",
        jfk8(eligible_voters=2000, ballots_cast=DROP),
        "eligible_voters",
        "2,672 valid votes but only 2,000 `eligible_voters`",
    ),
    (
        "two choices marked against",
        with_choices(
            {"name": "Amazon Labor Union", "votes": 1518, "against": True},
            {"name": "No union", "votes": 1154, "against": True},
        ),
        "choices",
        '2 choices are marked against ("Amazon Labor Union", "No union")',
    ),
    (
        "no choice marked against",
        with_choices(
            {"name": "Amazon Labor Union", "votes": 1518},
            {"name": "Against the union", "votes": 1154},
        ),
        "choices",
        'no choice is marked `"against": true`',
    ),
    (
        "no union not marked, another choice marked",
        with_choices(
            {"name": "Amazon Labor Union", "votes": 1518, "against": True},
            {"name": "NO UNION", "votes": 1154},
        ),
        "choices.1.against",
        '"NO UNION" is the no-union choice but is not marked against',
    ),
    (
        "ningún sindicato not marked on a run-off",
        with_choices(
            {"name": "Sindicato de Trabajadores", "votes": 15},
            {"name": "Ningún  sindicato.", "votes": 9},
            round="runoff",
            ballots_cast=DROP,
        ),
        "choices.1.against",
        "is the no-union choice",
    ),
    (
        "none not marked",
        with_choices(
            {"name": "Teamsters", "votes": 5},
            {"name": "SEIU", "votes": 4},
            {"name": "None", "votes": 3},
            ballots_cast=DROP,
        ),
        "choices.2.against",
        "is the no-union choice",
    ),
    ("unknown status", jfk8(status="over"), "status", "write one of scheduled, voting"),
    ("bad id", jfk8(id="JFK 8"), "id", "write a slug"),
    ("bad case number", jfk8(case_number="29-rc-288020"), "case_number", "29-RC-288020"),
    ("one choice", jfk8(choices=[{"name": "ALU", "votes": 3}]), "choices", "2 to 5 choices"),
]


@pytest.mark.parametrize(("slip", "election", "path", "message"), SLIPS, ids=[s[0] for s in SLIPS])
def test_a_slip_skips_its_election_with_a_problem_naming_it(
    slip: str, election: dict[str, Any], path: str, message: str
) -> None:
    result = parsed(election)
    assert [p.tally.election_id for p in result.tallies] == ["other"]
    mine = [p for p in result.problems if p.field == path]
    assert mine, result.problems
    (problem,) = mine[:1]
    assert problem.election == (election["id"] if election["id"].isprintable() else None) or (
        slip == "bad id" and problem.election == "JFK 8"
    )
    assert problem.error.startswith("elections[0]: ")
    assert problem.error.endswith("(election skipped)")
    assert message in problem.error


def test_a_choice_named_no_union_must_be_the_marked_one() -> None:
    unmarked = with_choices(
        {"name": "Amazon Labor Union", "votes": 1518},
        {"name": "No union", "votes": 1154},
    )
    result = parsed(unmarked)
    assert {p.field for p in result.problems} == {"choices", "choices.1.against"}
    assert [p.tally.election_id for p in result.tallies] == ["other"]


def test_a_run_off_between_two_unions_has_no_against() -> None:
    runoff = with_choices(
        {"name": "Trinity College Campus Safety Officers", "votes": 8},
        {"name": "SPFPA Local 502", "votes": 11},
        round="runoff",
        ballots_cast=19,
        status="final",
    )
    result = parsed(runoff)
    assert result.problems == ()
    assert len(result.tallies) == 2


def test_a_final_round_with_fewer_counted_than_cast_is_kept_with_a_problem() -> None:
    result = parsed(jfk8(status="final", ballots_cast=4869))
    assert [p.tally.election_id for p in result.tallies] == ["jfk8", "other"]
    (problem,) = result.problems
    assert (problem.election, problem.field) == ("jfk8", "ballots_cast")
    assert problem.error == (
        "elections[0]: the round is `final` but only 2,672 of the 4,869 ballots cast are "
        "counted: kept, with the other 2,197 taken as not counted"
    )


def test_one_election_and_round_twice_skips_both() -> None:
    result = parsed(jfk8(), jfk8(challanged=3), jfk8(round="rerun"))
    assert sorted((p.tally.election_id, p.tally.round) for p in result.tallies) == [
        ("jfk8", "rerun"),
        ("other", "initial"),
    ]
    twice = [p for p in result.problems if "given" in p.error]
    assert [(p.election, p.field) for p in twice] == [("jfk8", "round")]
    assert "given 2 times (elections[0], elections[1]): all of them are skipped" in (twice[0].error)


def test_whole_floats_are_counts() -> None:
    result = parsed(set_votes(0, 1518.0))
    assert result.problems == ()
    assert result.tallies[0].tally.choices[0] == Choice("Amazon Labor Union", 1518)


def test_short_name_is_read() -> None:
    result = parsed(jfk8(short_name="JFK8"))
    assert result.tallies[0].election.short_name == "JFK8"


def test_non_ascii_text_is_fine() -> None:
    election = with_choices(
        {"name": "Sindicato de Trabajadores de la Caña", "votes": 15},
        {"name": "Ningún sindicato", "votes": 9, "against": True},
        name="Café Ñandú — planta 2 🌵",
        ballots_cast=DROP,
    )
    result = parsed(election)
    assert result.problems == ()
    assert result.tallies[0].election.name == "Café Ñandú — planta 2 🌵"


def test_a_problem_never_carries_the_override_it_refuses() -> None:
    (problem,) = parsed(jfk8(name="evil\u202etxt")).problems
    assert "\u202e" not in problem.error
    assert "\\u202e" in problem.error


# --- documents that fail whole ---------------------------------------------------------------

GOOD = json.dumps({"feed_version": 1, "elections": [jfk8()]})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (GOOD.replace('"void": 0', '"void": NaN'), "NaN or Infinity"),
        (GOOD.replace('"void": 0', '"void": Infinity'), "NaN or Infinity"),
        (GOOD.replace('"void": 0', '"void": -Infinity'), "NaN or Infinity"),
        (GOOD.replace("}]}", ', "x-ratio": NaN}]}'), "NaN or Infinity"),
        (GOOD.replace('"void": 0', '"void": 0, "void": 3'), "gives the key `void` twice"),
        (GOOD.replace('"void": 0', '"void" : 0, "void" :0'), "gives the key `void` twice"),
        (
            # One spaced key hides one repeat from a count of `":`; the colon in the URL
            # hides it from a count of colons.
            GOOD.replace('"void": 0', '"void" : 0, "void": 3, "url": "https://a"'),
            "gives the key `void` twice",
        ),
        (GOOD.replace('"feed_version": 1', '"feed_version": 1, "feed_version": 1'), "twice"),
        (
            GOOD.replace('"votes": 1518', '"votes": 1518, "votes": 1518'),
            "gives the key `votes` twice",
        ),
        (GOOD.replace("}]}", ', "x-a": {"b": 1, "b": 2}}]}'), "gives the key `b` twice"),
        (
            GOOD.replace('"void": 0', '"void": 0, "note": "a\\" :", "void": 1'),
            "gives the key `void` twice",
        ),
    ],
)
def test_documents_that_are_not_rfc_8259_json_or_repeat_a_key_fail(body: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_native(body.encode(), CTX)


@pytest.mark.parametrize(
    "body",
    [
        "\ufeff" + GOOD,
        GOOD.replace('"void": 0', '"void": 0, "note": "resumes 10:00, room \\"B\\": here"'),
        GOOD.replace('"void": 0', '"void" : 0, "url": "https://example.org/a:b"'),
        GOOD.replace('"void": 0', '"void": 0, "note": ":)"'),
        json.dumps(json.loads(GOOD), indent=2),
    ],
    ids=["bom", "escaped-quotes-and-colons", "spaced-colon", "string-opening-colon", "indented"],
)
def test_unusual_but_valid_documents_parse(body: str) -> None:
    result = parse_native(body.encode(), CTX)
    assert result.problems == ()
    assert [p.tally.election_id for p in result.tallies] == ["jfk8"]


# --- properties ------------------------------------------------------------------------------

Slip = Callable[[dict[str, Any], st.DataObject], None]


def _typo(election: dict[str, Any], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(["challenged", "void", "ballots_cast", "eligible_voters"]))
    cut = data.draw(st.integers(min_value=1, max_value=len(key) - 1))
    election[key[:cut] + key[cut + 1 :]] = election.pop(key, 0)


def _text_count(election: dict[str, Any], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(election["choices"]) - 1))
    votes = election["choices"][index]["votes"]
    election["choices"][index]["votes"] = data.draw(st.sampled_from([f"{votes:,}", str(votes)]))


def _fraction(election: dict[str, Any], data: st.DataObject) -> None:
    election["challenged"] = election["challenged"] + 0.5


def _negative(election: dict[str, Any], data: st.DataObject) -> None:
    election["void"] = -data.draw(st.integers(min_value=1, max_value=10**6))


def _bad_text(election: dict[str, Any], data: st.DataObject) -> None:
    char = data.draw(st.sampled_from(["\x00", "\x07", "\n", "\x7f", "\x9b", "\u202a", "\u2069"]))
    key = data.draw(st.sampled_from(["name", "note", "employer", "location", "short_name"]))
    election[key] = "A" + char + "B"


def _over_cast(election: dict[str, Any], data: st.DataObject) -> None:
    counted = sum(c["votes"] for c in election["choices"]) + election["challenged"]
    election["ballots_cast"] = data.draw(st.integers(min_value=0, max_value=counted - 1))


def _over_eligible(election: dict[str, Any], data: st.DataObject) -> None:
    valid = sum(c["votes"] for c in election["choices"])
    election["eligible_voters"] = data.draw(st.integers(min_value=0, max_value=valid - 1))


def _marks(election: dict[str, Any], data: st.DataObject) -> None:
    choices = election["choices"]
    if data.draw(st.booleans()):
        for choice in choices:
            choice.pop("against", None)  # none marked, on a round that is not a run-off
    else:
        choices[0]["against"] = True  # a second mark
        choices[-1]["against"] = True


def _unmarked_no_union(election: dict[str, Any], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(handfed.NO_UNION_NAMES)))
    election["choices"][0]["name"] = data.draw(st.sampled_from([name, name.upper(), name + "."]))


SLIP_MAKERS: list[Slip] = [
    _typo,
    _text_count,
    _fraction,
    _negative,
    _bad_text,
    _over_cast,
    _over_eligible,
    _marks,
    _unmarked_no_union,
]


@st.composite
def good_elections(draw: st.DrawFn) -> dict[str, Any]:
    unions = draw(st.integers(min_value=1, max_value=3))
    votes = draw(st.lists(st.integers(1, 5000), min_size=unions + 1, max_size=unions + 1))
    choices: list[dict[str, Any]] = [
        {"name": f"Union {i + 1}", "votes": votes[i]} for i in range(unions)
    ]
    choices.append({"name": "No union", "votes": votes[-1], "against": True})
    challenged = draw(st.integers(0, 500))
    extra = draw(st.integers(0, 500))
    counted = sum(votes) + challenged
    return {
        "id": "e1",
        "name": "Warehouse",
        "note": "Count resumes Friday",
        "employer": "Example Inc.",
        "location": "Springfield",
        "short_name": "WH1",
        "round": draw(st.sampled_from(["initial", "rerun", "revised", "initial-sd"])),
        "status": draw(st.sampled_from(["counting", "paused", "voting"])),
        "choices": choices,
        "challenged": challenged,
        "void": 0,
        "ballots_cast": counted + extra,
        "eligible_voters": counted + extra + draw(st.integers(0, 500)),
    }


def body_of(*elections: dict[str, Any]) -> bytes:
    return json.dumps({"feed_version": 1, "elections": list(elections)}).encode()


@given(election=good_elections())
def test_a_good_election_always_yields_its_tally_without_problems(
    election: dict[str, Any],
) -> None:
    result = parse_native(body_of(election), CTX)
    assert result.problems == ()
    assert len(result.tallies) == 1


@given(election=good_elections(), slip=st.sampled_from(SLIP_MAKERS), data=st.data())
def test_an_election_with_any_slip_never_yields_a_tally(
    election: dict[str, Any], slip: Slip, data: st.DataObject
) -> None:
    slipped = copy.deepcopy(election)
    slip(slipped, data)
    result = parse_native(body_of(slipped, {**election, "id": "e2"}), CTX)
    assert [p.tally.election_id for p in result.tallies] == ["e2"]
    assert any(p.election == "e1" for p in result.problems)


@given(election=good_elections(), data=st.data())
def test_extensions_change_nothing(election: dict[str, Any], data: st.DataObject) -> None:
    plain = parse_native(body_of(election), CTX)
    extended = copy.deepcopy(election)
    extended["x-" + data.draw(st.text("abc", min_size=1, max_size=5))] = data.draw(
        st.none() | st.integers() | st.lists(st.integers(), max_size=3)
    )
    extended["choices"][0]["x-seat"] = {"row": 1}
    assert parse_native(body_of(extended), CTX) == plain


@given(
    round_=st.sampled_from(["initial", "runoff", "revised-runoff", "rerun-2"]),
    status=st.sampled_from(["counting", "final", "certified"]),
    marks=st.lists(st.booleans(), min_size=2, max_size=5),
    names=st.lists(st.sampled_from(["ALU", "No union", "SEIU", "ninguno", "Neither"]), max_size=5),
    votes=st.lists(st.integers(0, 50), min_size=5, max_size=5),
    challenged=st.integers(0, 20),
    cast=st.none() | st.integers(0, 300),
    eligible=st.none() | st.integers(0, 300),
)
def test_the_cheap_tally_test_agrees_with_the_findings(
    round_: str,
    status: str,
    marks: list[bool],
    names: list[str],
    votes: list[int],
    challenged: int,
    cast: int | None,
    eligible: int | None,
) -> None:
    names = [*names, "A", "B", "C", "D", "E"][: len(marks)]
    choices = [Choice(n, v, a) for n, v, a in zip(names, votes, marks, strict=False)]
    figures = (round_, status, choices, challenged, 0, cast, eligible)
    findings = handfed.tally_findings(*figures)
    assert handfed.tally_looks_fine(*figures) == (findings == [])


def test_the_positional_fields_follow_the_dataclasses() -> None:
    assert tuple(f.name for f in dataclasses.fields(Tally)) == TALLY_FIELDS
    assert tuple(f.name for f in dataclasses.fields(Election)) == ELECTION_FIELDS
