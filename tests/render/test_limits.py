"""Every body fits Discord's limits (fit_limits, and every renderer through it) and validates
against Discord's OpenAPI spec with unknown keys forbidden."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from bot.core.models import LANGUAGES, Choice, Election, Event, Post, SourceKind, Status, Tally
from bot.render.body import (
    ELLIPSIS,
    Embed,
    EmbedAuthor,
    EmbedField,
    EmbedFooter,
    MessageBody,
    fit_limits,
)
from bot.render.listing import ElectionEntry, render_elections_page
from bot.render.messages import render_post, render_status, with_mention
from bot.render.view import RenderMode

from .builders import (
    BESSEMER,
    JFK8,
    NOW,
    bessemer_2021,
    bessemer_2022,
    jfk8_final,
    jfk8_paused,
    post_of,
)
from .openapi_util import MESSAGE_CREATE, load_spec, request_validator, validation_errors

# Big generated bodies: fewer examples keep the suite fast; each is a full render and check.
RELAXED = settings(
    max_examples=60, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def limit_problems(body: MessageBody) -> list[str]:
    """Each Discord limit that `body` breaks, beyond what the OpenAPI spec checks."""
    problems = []
    if len(body["content"]) > 2000:
        problems.append("content over 2,000")
    if len(body["embeds"]) > 10:
        problems.append("over 10 embeds")
    total = 0
    for embed in body["embeds"]:
        sizes = {
            "title": (len(embed.get("title", "")), 256),
            "description": (len(embed.get("description", "")), 4096),
            "fields": (len(embed.get("fields", [])), 25),
            "footer": (len(embed.get("footer", {"text": ""})["text"]), 2048),
            "author": (len(embed.get("author", {"name": ""})["name"]), 256),
        }
        problems += [f"{key} over {limit}" for key, (size, limit) in sizes.items() if size > limit]
        for field in embed.get("fields", []):
            if not 0 < len(field["name"]) <= 256 or not 0 < len(field["value"]) <= 1024:
                problems.append("field name or value empty or too long")
        total += sum(sizes[key][0] for key in ("title", "description", "footer", "author"))
        total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    if total > 6000:
        problems.append(f"embeds total {total} over 6,000")
    return problems


@pytest.fixture(scope="module")
def message_validator(shared_dir: Path) -> Draft202012Validator:
    return request_validator(load_spec(shared_dir), *MESSAGE_CREATE)


def assert_sendable(body: MessageBody, validator: Draft202012Validator) -> None:
    assert limit_problems(body) == []
    assert validation_errors(validator, body) == []


# --- fit_limits on any body -----------------------------------------------------------

long_text = st.text(max_size=3000) | st.integers(0, 9000).map(lambda n: "x" * n)
fields = st.lists(
    st.builds(EmbedField, name=long_text, value=long_text, inline=st.booleans()), max_size=40
)
embeds = st.builds(
    lambda t, d, f, foot, auth: Embed(
        title=t,
        description=d,
        fields=f,
        footer=EmbedFooter(text=foot),
        author=EmbedAuthor(name=auth),
    ),
    long_text,
    long_text,
    fields,
    long_text,
    long_text,
)
bodies = st.builds(
    lambda c, e: MessageBody(content=c, embeds=e, allowed_mentions={"parse": []}),
    long_text,
    st.lists(embeds, max_size=12),
)


@RELAXED
@given(bodies)
def test_fit_limits_fits_any_body(body: MessageBody) -> None:
    fitted = fit_limits(body)
    assert limit_problems(fitted) == []
    assert fit_limits(fitted) == fitted


def test_fit_limits_leaves_a_small_body_alone() -> None:
    body = MessageBody(
        content="hi",
        embeds=[Embed(title="t", fields=[EmbedField(name="a", value="b", inline=True)])],
        allowed_mentions={"parse": []},
    )
    assert fit_limits(body) == body


def test_fit_limits_drops_the_last_fields_first() -> None:
    many = [EmbedField(name=f"f{i}", value="v" * 1000, inline=False) for i in range(8)]
    body = MessageBody(
        content="",
        embeds=[Embed(title="keep", description="d" * 100, fields=many)],
        allowed_mentions={"parse": []},
    )
    fitted = fit_limits(body)["embeds"][0]
    assert [f["name"] for f in fitted["fields"]] == ["f0", "f1", "f2", "f3", "f4"]
    assert fitted["title"] == "keep" and fitted["description"] == "d" * 100


def test_fit_limits_cuts_with_an_ellipsis() -> None:
    body = MessageBody(content="c" * 2500, embeds=[], allowed_mentions={"parse": []})
    content = fit_limits(body)["content"]
    assert len(content) == 2000 and content.endswith(ELLIPSIS)


# --- renderers on hostile data ---------------------------------------------------------

names = st.text(min_size=1, max_size=400) | st.integers(1, 2000).map(lambda n: "N" * n)
counts = st.integers(0, 10_000_000)
maybe_counts = st.none() | counts


@st.composite
def tallies(draw: st.DrawFn, election_id: str = "e") -> Tally:
    choices = draw(
        st.lists(
            st.builds(Choice, names, counts, st.booleans()),
            max_size=40,
            unique_by=lambda c: c.name,
        )
    )
    return Tally(
        election_id,
        round=draw(st.sampled_from(["initial", "rerun", "rerun-2", "revised-runoff-sd"])),
        choices=tuple(choices),
        challenged=draw(maybe_counts),
        void=draw(maybe_counts),
        status=draw(st.sampled_from(list(Status))),
        ballots_cast=draw(maybe_counts),
        eligible_voters=draw(maybe_counts),
        determinative_flag=draw(st.none() | st.booleans()),
        updated_at=draw(st.none() | st.datetimes(timezones=st.just(UTC))),
        source=draw(st.text(max_size=50)),
        source_kind=draw(st.sampled_from(list(SourceKind))),
        source_label=draw(st.none() | names),
        note=draw(st.none() | names),
        url=draw(st.none() | st.just("https://example.org/" + "p" * 3000)),
    )


elections = st.builds(
    Election,
    id=st.from_regex(r"[a-z0-9-]{1,60}", fullmatch=True),
    name=st.none() | names,
    case_number=st.none() | st.text(max_size=100),
    url=st.none() | st.just("https://example.org/e"),
)
roles = st.none() | st.integers(1, 2**63 - 1)


languages = st.sampled_from(LANGUAGES)
modes = st.sampled_from(list(RenderMode))


@RELAXED
@given(
    elections,
    tallies(),
    st.lists(st.sampled_from(list(Event)), unique=True),
    st.none() | tallies(),
    st.lists(tallies(), max_size=12),
    roles,
    languages,
    modes,
)
def test_every_post_is_sendable(
    message_validator: Draft202012Validator,
    election: Election,
    tally: Tally,
    events: list[Event],
    previous: Tally | None,
    earlier: list[Tally],
    role: int | None,
    language: str,
    mode: RenderMode,
) -> None:
    post = Post(
        election.id,
        tally.round,
        tuple(events),
        tally,
        previous=previous,
        other_rounds=tuple(earlier),
        planned_at=datetime(2022, 4, 1, tzinfo=UTC),
    )
    body = with_mention(render_post(election, post, language=language, mode=mode), role)
    assert_sendable(body, message_validator)
    if role is not None:
        assert body["content"].startswith(f"<@&{role}>")
        assert body["allowed_mentions"] == {"parse": [], "roles": [str(role)]}
    else:
        assert body["allowed_mentions"] == {"parse": []}


@RELAXED
@given(elections, st.lists(tallies(), max_size=12))
def test_every_status_is_sendable(
    message_validator: Draft202012Validator, election: Election, rounds: list[Tally]
) -> None:
    for language in LANGUAGES:
        assert_sendable(render_status(election, rounds, NOW, language=language), message_validator)


@RELAXED
@given(
    st.lists(st.builds(ElectionEntry, elections, st.none() | tallies()), max_size=30),
    st.integers(-3, 10),
    st.none() | names,
)
def test_every_elections_page_is_sendable(
    message_validator: Draft202012Validator,
    entries: list[ElectionEntry],
    page: int,
    query: str | None,
) -> None:
    for language in LANGUAGES:
        body = render_elections_page(entries, page=page, query=query, language=language)
        assert_sendable(body, message_validator)


def test_the_facts_are_sendable(message_validator: Draft202012Validator) -> None:
    bodies = [render_status(BESSEMER, [bessemer_2021(), bessemer_2022()], NOW)]
    for language in LANGUAGES:
        for mode in RenderMode:
            paused = post_of(jfk8_paused(), Event.STATUS_CHANGED, previous=jfk8_final())
            bodies.append(render_post(JFK8, paused, language=language, mode=mode))
            final = render_post(JFK8, post_of(jfk8_final(), Event.COUNT_FINAL), language=language)
            bodies.append(with_mention(final, 123456789012345678))
    for body in bodies:
        assert_sendable(body, message_validator)


def test_the_validator_forbids_unknown_keys(message_validator: Draft202012Validator) -> None:
    body = render_status(BESSEMER, [bessemer_2022()], NOW)
    assert validation_errors(message_validator, body) == []
    body["embeds"][0]["flags"] = 0  # type: ignore[typeddict-unknown-key]
    assert validation_errors(message_validator, body)
    del body["embeds"][0]["flags"]  # type: ignore[typeddict-item]
    body["embeds"][0]["fields"][0]["colour"] = 1  # type: ignore[typeddict-unknown-key]
    assert validation_errors(message_validator, body)


def test_a_huge_post_keeps_its_title_and_first_choices(
    message_validator: Draft202012Validator,
) -> None:
    choices = tuple(Choice("N" * 400 + str(i), 1000 * i, i == 0) for i in range(40))
    tally = Tally("e", choices=choices, challenged=5, note="x" * 2000, source_label="y" * 3000)
    election = Election("e", name="@everyone" * 100, case_number="29-RC-1")
    post = post_of(tally, *Event, previous=Tally("e"), other_rounds=(tally,) * 12)
    body = with_mention(render_post(election, post, mode=RenderMode.POST), 5)
    assert_sendable(body, message_validator)
    embed = body["embeds"][0]
    assert embed["title"] == "E: correction"
    assert embed["description"].startswith("**")  # the state sentence stays
    assert "… and 20 more choices" in embed["description"]
    assert embed["footer"]["text"].endswith(f"{ELLIPSIS} (unofficial)")
