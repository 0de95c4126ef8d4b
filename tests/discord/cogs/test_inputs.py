"""Command inputs (DESIGN §8, issue 12): text with NUL, control characters or text-direction
overrides, or longer than the store holds, is refused by the tree before any command or
autocomplete reaches the store, with an ephemeral reply naming the option; /report counts;
a deferred command's reply is edited on an error too; /subscribe stays in its own server.
On SQLite and on PostgreSQL (where a NUL used to raise a database error)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.discord.cogs._inputs import check_options, problem
from bot.discord.cogs.elections import Elections
from bot.discord.cogs.errors import UserError
from bot.discord.cogs.report import Reports
from bot.discord.cogs.subscriptions import Subscriptions
from bot.discord.tree import GENERIC_FAILURE
from bot.store import Store, SubscriptionKind, UnitOfWork
from tests.discord.cogs.fakes import (
    GUILD_ID,
    MANAGER,
    ORGANIZER_ID,
    OTHER_CHANNEL_ID,
    POSTING,
    REPORTER_ID,
    T0,
    answer_of,
    complete,
    make_bot,
    make_interaction,
    make_member,
    other_channel,
    run,
)

NUL = "jf\x00k8"
BAD_TEXTS = {
    "NUL": ("jf\x00k8", "a control character (U+0000) at position 3"),
    "newline": ("jfk8\n", "a control character (U+000A) at position 5"),
    "bidi": ("\u202ejfk8", "a text-direction override (U+202E) at position 1"),
    "isolate": ("jfk8\u2066", "a text-direction override (U+2066) at position 5"),
    "surrogate": ("jfk8\ud800", "a broken character (U+D800) at position 5"),
}
LONG_ROUND = "rerun-" + "a" * 40  # 46 characters: the round column holds 40


class CountingStore:
    """The real store, counting every unit of work a command opens."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.opened = 0

    def read(self) -> AbstractAsyncContextManager[UnitOfWork]:
        self.opened += 1
        return self.store.read()

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        self.opened += 1
        return self.store.transaction()


def counting_bot(store: Store) -> tuple[Any, CountingStore]:
    counted = CountingStore(store)
    bot = make_bot(store)
    bot.store = counted
    return bot, counted


@pytest.fixture
def on_sqlite(store: Store) -> tuple[Any, CountingStore]:
    """A bot on the SQLite store, counting what it opens (for refusals: they open nothing)."""
    return counting_bot(store)


@pytest.fixture
def on_both(any_store: Store) -> tuple[Any, CountingStore]:
    """The same on SQLite, then on PostgreSQL."""
    return counting_bot(any_store)


def cogs(bot: Any) -> dict[str, Any]:
    clock = lambda: T0 + timedelta(hours=9)  # noqa: E731
    return {
        "elections": Elections(bot, clock=clock),
        "subscriptions": Subscriptions(bot),
        "reports": Reports(bot, clock=clock),
    }


def caller(bot: Any, command: str) -> Any:
    member = make_member(REPORTER_ID if command == "report" else ORGANIZER_ID)
    return make_interaction(bot, user=member, permissions=MANAGER, command=command)


COMMANDS = [
    ("status", "elections", {"election": "{bad}"}),
    ("status", "elections", {"election": "jfk8", "round_": "{bad}"}),
    ("history", "elections", {"election": "{bad}"}),
    ("elections", "elections", {"filter_": "{bad}"}),
    ("subscribe", "subscriptions", {"election": "{bad}"}),
    ("unsubscribe", "subscriptions", {"election": "{bad}"}),
    ("alerts", "subscriptions", {"election": "{bad}"}),
    ("report", "reports", {"election": "{bad}", "counts": "1600 1200"}),
    ("report", "reports", {"election": "jfk8", "counts": "{bad}"}),
    ("report", "reports", {"election": "jfk8", "counts": "1600 1200", "round_": "{bad}"}),
]


def fill(options: dict[str, str], bad: str) -> dict[str, str]:
    return {name: bad if value == "{bad}" else value for name, value in options.items()}


def shown_name(options: dict[str, str]) -> str:
    return next(name for name, value in options.items() if value == "{bad}").rstrip("_")


async def refused(
    bot: Any, counted: CountingStore, command: str, cog_name: str, options: dict[str, str], bad: str
) -> None:
    text, says = BAD_TEXTS[bad]
    cog = cogs(bot)[cog_name]
    interaction = caller(bot, command)
    await run(getattr(cog, command), cog, interaction, **fill(options, text))
    answer = answer_of(interaction)
    assert answer.via == "response" and answer.ephemeral
    assert answer.kwargs["content"] == (
        f"The `{shown_name(options)}` option holds {says}. Type it again without it."
    )
    assert counted.opened == 0
    interaction.response.defer.assert_not_awaited()
    bot.runtime.report.assert_not_awaited()


@pytest.mark.parametrize(("command", "cog_name", "options"), COMMANDS)
async def test_a_nul_is_refused_before_the_store_saying_so(
    on_both: tuple[Any, CountingStore], command: str, cog_name: str, options: dict[str, str]
) -> None:
    await refused(*on_both, command, cog_name, options, "NUL")


@pytest.mark.parametrize("bad", [bad for bad in BAD_TEXTS if bad != "NUL"])
@pytest.mark.parametrize(("command", "cog_name", "options"), [COMMANDS[0], COMMANDS[-2]])
async def test_control_characters_and_overrides_are_refused_saying_which(
    on_sqlite: tuple[Any, CountingStore],
    command: str,
    cog_name: str,
    options: dict[str, str],
    bad: str,
) -> None:
    await refused(*on_sqlite, command, cog_name, options, bad)


@pytest.mark.parametrize(
    ("command", "cog_name", "options", "limit"),
    [
        ("status", "elections", {"election": "j" * 101}, 100),
        ("status", "elections", {"election": "jfk8", "round_": LONG_ROUND}, 40),
        ("elections", "elections", {"filter_": "j" * 101}, 100),
        ("subscribe", "subscriptions", {"election": "j" * 101}, 100),
        ("alerts", "subscriptions", {"election": "j" * 5000}, 100),
        (
            "report",
            "reports",
            {"election": "jfk8", "counts": "1600 1200", "round_": LONG_ROUND},
            40,
        ),
        ("report", "reports", {"election": "jfk8", "counts": "9" * 5000 + " 1"}, 200),
    ],
)
async def test_text_longer_than_the_store_holds_is_refused(
    on_both: tuple[Any, CountingStore],
    command: str,
    cog_name: str,
    options: dict[str, str],
    limit: int,
) -> None:
    bot_on, counted = on_both
    cog = cogs(bot_on)[cog_name]
    interaction = caller(bot_on, command)
    await run(getattr(cog, command), cog, interaction, **options)
    answer = answer_of(interaction)
    assert answer.ephemeral and answer.via == "response"
    assert f"it takes at most {limit:,}." in answer.kwargs["content"]
    assert counted.opened == 0
    interaction.response.defer.assert_not_awaited()


async def test_text_at_the_limits_reaches_the_store_and_is_answered(
    on_both: tuple[Any, CountingStore],
) -> None:
    bot_on, _ = on_both
    elections = cogs(bot_on)["elections"]
    interaction = caller(bot_on, "status")
    await run(elections.status, elections, interaction, election="j" * 100)
    assert "I don't know an election" in answer_of(interaction).text  # no database error
    interaction = caller(bot_on, "status")
    await run(elections.status, elections, interaction, election="jfk8", round_="rerun-" + "a" * 34)
    assert "There is no published round" in answer_of(interaction).text
    interaction = caller(bot_on, "status")
    await run(elections.status, elections, interaction, election="Amazon JFK8 — «Staten» 🗽")
    assert "I don't know an election" in answer_of(interaction).text  # Unicode is fine


async def test_a_report_on_a_round_at_the_limit_goes_through(
    on_both: tuple[Any, CountingStore],
) -> None:
    bot_on, _ = on_both
    reports = cogs(bot_on)["reports"]
    interaction = caller(bot_on, "report")
    round_ = "rerun-" + "a" * 34
    await run(reports.report, reports, interaction, election="jfk8", counts="10 5", round_=round_)
    [parsed] = bot_on.runtime.report.await_args.args
    assert parsed.tally.round == round_


AUTOCOMPLETES = [
    ("elections", "_status_election", "election", {}),
    ("elections", "_status_round", "round", {"election": "bessemer"}),
    ("elections", "_status_round", "round", {"election": NUL}),
    ("elections", "_history_election", "election", {}),
    ("subscriptions", "_subscribe_election", "election", {}),
    ("subscriptions", "_unsubscribe_election", "election", {}),
    ("subscriptions", "_alerts_election", "election", {}),
    ("reports", "_report_election", "election", {}),
    ("reports", "_report_round", "round", {"election": "jfk8"}),
]


@pytest.mark.parametrize(("cog_name", "method", "option", "others"), AUTOCOMPLETES)
async def test_autocomplete_of_bad_text_offers_no_choices_and_asks_nothing(
    on_both: tuple[Any, CountingStore],
    cog_name: str,
    method: str,
    option: str,
    others: dict[str, Any],
) -> None:
    bot_on, counted = on_both
    autocomplete = getattr(cogs(bot_on)[cog_name], method)
    interaction = make_interaction(bot_on, channel=None, **others)
    current = "" if others.get("election") == NUL else NUL
    assert await complete(autocomplete, interaction, option, current, **others) is None
    interaction.response.autocomplete.assert_awaited_once_with([])
    assert counted.opened == 0
    good = make_interaction(bot_on, channel=None, election="bessemer")
    context = {} if option == "election" else {"election": "bessemer"}
    assert await complete(autocomplete, good, option, "", **context) is not None


@pytest.mark.parametrize(
    ("counts", "says"),
    [
        ("-5 3", "`-5` is a negative number: votes cannot be below 0."),
        ("1600 -1200", "`-1200` is a negative number"),
        ("1600 \u22121200", "`-1200` is a negative number"),  # U+2212, the minus sign
        ("١٦٠٠ 1200", "`١٦٠٠` uses digits other than 0–9."),
        ("1600 １２００", "`１２００` uses digits other than 0–9."),
        ("1234567890 1", "`1234567890` is too large for a count of votes (at most 999,999,999)."),
        ("9" * 150 + " 1", "is too large for a count of votes"),
    ],
)
async def test_report_counts_that_cannot_be_votes_are_refused_clearly(
    on_sqlite: tuple[Any, CountingStore], counts: str, says: str
) -> None:
    bot_on, _ = on_sqlite
    reports = cogs(bot_on)["reports"]
    interaction = caller(bot_on, "report")
    await run(reports.report, reports, interaction, election="jfk8", counts=counts)
    answer = answer_of(interaction)
    assert answer.ephemeral and says in answer.text
    assert "Write the votes in ballot order" in answer.text or "too large" in says
    bot_on.runtime.report.assert_not_awaited()


@pytest.mark.parametrize("counts", ["1518 - 1154", "1518-1154", "1,518–1,154", " 1518 1154 "])
async def test_dashes_between_counts_are_separators_not_signs(
    on_sqlite: tuple[Any, CountingStore], counts: str
) -> None:
    bot_on, _ = on_sqlite
    reports = cogs(bot_on)["reports"]
    interaction = caller(bot_on, "report")
    await run(reports.report, reports, interaction, election="jfk8", counts=counts)
    [parsed] = bot_on.runtime.report.await_args.args
    assert [c.votes for c in parsed.tally.choices] == [1518, 1154]


@pytest.mark.parametrize(
    ("failure", "says"),
    [(RuntimeError("database gone"), GENERIC_FAILURE), (UserError("Try later."), "Try later.")],
)
async def test_a_report_failing_after_its_defer_gets_its_reply_edited(
    on_sqlite: tuple[Any, CountingStore], failure: Exception, says: str
) -> None:
    bot_on, _ = on_sqlite
    bot_on.runtime.report.side_effect = failure
    reports = cogs(bot_on)["reports"]
    interaction = caller(bot_on, "report")
    await run(reports.report, reports, interaction, election="jfk8", counts="1600 1200")
    interaction.response.defer.assert_awaited_once()
    answer = answer_of(interaction)
    assert answer.via == "edit" and answer.ephemeral
    assert answer.kwargs["content"] == says
    assert answer.kwargs["embeds"] == [] and answer.kwargs["attachments"] == []
    interaction.delete_original_response.assert_not_awaited()


async def subscriptions_of(store: Store) -> list[Any]:
    async with store.read() as uow:
        return await uow.subscriptions.list_by_target(SubscriptionKind.CHANNEL, OTHER_CHANNEL_ID)


@pytest.mark.parametrize("command", ["subscribe", "unsubscribe"])
async def test_a_channel_of_another_server_is_refused(
    on_both: tuple[Any, CountingStore], any_store: Store, command: str
) -> None:
    bot_on, _ = on_both
    subscriptions = cogs(bot_on)["subscriptions"]
    interaction = caller(bot_on, command)
    elsewhere = other_channel(member=MANAGER, bot=POSTING, guild_id=GUILD_ID + 1)
    await run(
        getattr(subscriptions, command),
        subscriptions,
        interaction,
        election="jfk8",
        channel=elsewhere,
    )
    answer = answer_of(interaction)
    assert answer.ephemeral and f"<#{OTHER_CHANNEL_ID}> is in another server" in answer.text
    assert await subscriptions_of(any_store) == []


async def test_a_subscription_is_stored_under_its_channels_server(
    on_both: tuple[Any, CountingStore], any_store: Store
) -> None:
    bot_on, _ = on_both
    subscriptions = cogs(bot_on)["subscriptions"]
    interaction = caller(bot_on, "subscribe")
    target = other_channel(member=MANAGER, bot=POSTING)
    await run(subscriptions.subscribe, subscriptions, interaction, election="jfk8", channel=target)
    assert "Subscribed" in answer_of(interaction).text
    [stored] = await subscriptions_of(any_store)
    assert stored.guild_id == GUILD_ID == target.guild_id


def test_problems_name_the_option_and_the_fix() -> None:
    assert problem("election", "jfk8", 100) is None
    assert problem("election", "j" * 100, 100) is None
    assert str(problem("election", "j" * 101, 100)) == (
        "The `election` option is 101 characters long; it takes at most 100."
    )
    assert str(problem("round", "\tinitial", 40)) == (
        "The `round` option holds a control character (U+0009) at position 1. "
        "Type it again without it."
    )


async def test_an_interaction_without_text_options_passes(
    on_sqlite: tuple[Any, CountingStore],
) -> None:
    bot_on, _ = on_sqlite
    elections = cogs(bot_on)["elections"]
    interaction = caller(bot_on, "elections")
    await run(elections.elections, elections, interaction, page=1)
    assert answer_of(interaction).ephemeral
    assert isinstance(answer_of(interaction).embeds, list)
    assert discord.InteractionType.application_command is interaction.type


def test_options_of_subcommands_are_checked_too() -> None:
    nested = {
        "options": [
            {"type": 1, "name": "feeds", "options": [{"type": 3, "name": "poll", "value": "a\0"}]}
        ]
    }
    with pytest.raises(UserError, match="The `poll` option holds a control character"):
        check_options(nested)
    check_options({"options": [{"type": 4, "name": "page", "value": 3}]})
    check_options({})
