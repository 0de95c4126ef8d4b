"""What /subscribe, /unsubscribe and /alerts say, as sentences translated in the reader's
language: a subscription described, what it did, what an overlap with `all` or a change of
mode does (DESIGN §5, §8)."""

from __future__ import annotations

from bot.core.models import Level, SubscriptionMode
from bot.discord.cogs._subscriptions import Outcome, Subscribed
from bot.render.admin import language_name
from bot.render.i18n import Translator
from bot.render.rich import Code, Text, join
from bot.render.said import Arg, Listed, Said, nsaid, psaid, said
from bot.store import ALL_ELECTIONS, Subscription, UnitOfWork

LEVEL_HELP: dict[Level, Said] = {
    Level.ALL: psaid("level help", "every update"),
    Level.MAJOR: psaid("level help", "every post except plain count updates"),
    Level.FINAL: psaid("level help", "results, corrections, new rounds and closing decisions only"),
}
LEVEL_NAMES: dict[Level, Said] = {
    Level.ALL: psaid("level", "all"),
    Level.MAJOR: psaid("level", "major"),
    Level.FINAL: psaid("level", "final"),
}


def election_of(sub: Subscription) -> Said | Code:
    """The election a subscription follows: its id, or every election for `all`."""
    if sub.election_id == ALL_ELECTIONS:
        return psaid("subscription", "every election")
    return Code(sub.election_id)


def describe(sub: Subscription) -> Arg:
    """One subscription in a sentence part: "`jfk8` at level all (every update), pinging
    @role"; each setting beyond the level is one more clause of its own."""
    clauses: list[Said] = [
        psaid(
            "subscription",
            "{election} at level {level} ({help})",
            election=election_of(sub),
            level=LEVEL_NAMES[sub.level],
            help=LEVEL_HELP[sub.level],
        )
    ]
    if sub.mode is SubscriptionMode.LIVE:
        clauses.append(psaid("subscription", "as one live message per round"))
    language = sub.language
    if language is not None:
        clauses.append(
            psaid(
                "subscription",
                "in {language}",
                language=lambda t: language_name(t, language),
            )
        )
    if sub.mention_role_id is not None:
        role = f"<@&{sub.mention_role_id}>"
        clauses.append(psaid("subscription", "pinging {role}", role=role))

    def written(t: Translator) -> Text:
        # Settings follow one another after a comma, each a phrase of its own.
        return join([clause.text(t) for clause in clauses], ", ")

    return written


def subscribed(outcome: Outcome, where: str, sub: Subscription) -> Said:
    """What /subscribe did to a channel's subscription."""
    what = describe(sub)
    if outcome is Outcome.CREATED:
        return said("Subscribed {channel} to {subscription}.", channel=where, subscription=what)
    if outcome is Outcome.UPDATED:
        return said(
            "Updated: {channel} now follows {subscription}.", channel=where, subscription=what
        )
    if outcome is Outcome.ENABLED:
        return said(
            "Re-enabled: {channel} follows {subscription} again.", channel=where, subscription=what
        )
    return said(
        "{channel} already follows {subscription}; nothing changed.",
        channel=where,
        subscription=what,
    )


async def overlap_note(uow: UnitOfWork, sub: Subscription) -> Said | None:
    """What a channel subscription changes when the channel follows `all` and single
    elections at once (DESIGN §8): one post per election goes out, the specific
    subscription's settings winning."""
    follows = await uow.subscriptions.list_by_target(sub.kind, sub.target_id)
    others = [s for s in follows if s.id != sub.id and not s.disabled]
    if sub.election_id == ALL_ELECTIONS:
        own = tuple(Code(s.election_id) for s in others)
        if not own:
            return None
        return _own(own)
    everything = next((s for s in others if s.election_id == ALL_ELECTIONS), None)
    if everything is None:
        return None
    if (everything.level, everything.mode, everything.mention_role_id, everything.language) == (
        sub.level,
        sub.mode,
        sub.mention_role_id,
        sub.language,
    ):
        return said(
            "This channel already gets every {election} post through {all}, with the same "
            "settings: this subscription changes nothing until one of them does.",
            election=Code(sub.election_id),
            all=Code(ALL_ELECTIONS),
        )
    return said(
        "This channel also follows every election through {all}; for {election} this "
        "subscription's settings apply instead (one post per change, never two).",
        election=Code(sub.election_id),
        all=Code(ALL_ELECTIONS),
    )


def _own(own: tuple[Code, ...]) -> Said:
    """Elections of a channel that keep their own subscriptions beside `all`."""
    return nsaid(
        "{elections} keeps its own subscription here: its level, mode and role apply to it "
        "instead of these.",
        "{elections} keep their own subscriptions here: their level, mode and role apply to "
        "them instead of these.",
        len(own),
        elections=Listed(own),
    )


def mode_note(result: Subscribed) -> Said | None:
    """What a change of mode does to the live messages (DESIGN §5)."""
    before, now = result.before, result.subscription
    if before is None or before.mode is now.mode:
        return None
    if now.mode is SubscriptionMode.LIVE:
        return said("The next change posts a live message here, and later changes edit it.")
    return said("Its live messages stay as they are; new changes come as new posts.")
