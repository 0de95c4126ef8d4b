"""Every key, command and slash command the README names exists (and the reverse for keys)."""

from __future__ import annotations

import re

from pydantic import BaseModel

from bot.cli.main import build_parser
from bot.config import Settings
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def settings_keys(model: type[BaseModel] = Settings, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        nested = annotation if isinstance(annotation, type) else inner
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            is_list = getattr(annotation, "__origin__", None) is tuple
            keys |= settings_keys(nested, f"{prefix}{name}{'[]' if is_list else ''}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def readme_config_keys() -> set[str]:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_.\[\]]+)` \|", section, flags=re.MULTILINE))


def test_readme_config_table_matches_the_settings_model() -> None:
    assert readme_config_keys() == settings_keys()


def test_readme_cli_commands_exist() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    known = set(subparsers.choices)  # type: ignore[arg-type]
    named = set(re.findall(r"`python -m bot ([a-z-]+)", README))
    assert named and named <= known
    assert known <= named, f"commands missing from the README: {known - named}"
    for command, sub in subparsers.choices.items():  # type: ignore[union-attr]
        options = {o for a in sub._actions for o in a.option_strings if o.startswith("--")}
        row = next(line for line in README.splitlines() if f"`python -m bot {command}" in line)
        for option in set(re.findall(r"(--[a-z-]+)", row)):
            assert option in options, f"{command} has no {option}"


def test_makefile_targets_named_in_the_readme_exist() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in set(re.findall(r"`make ([a-z]+)`", README)):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target


def readme_slash_rows() -> dict[str, set[str]]:
    """Slash command -> the option names its README row lists."""
    section = README.split("## Slash commands", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`/"):
            continue
        options = set(re.findall(r"`([a-z_]+)`", cells[1])) - {"all", "major", "final"}
        for name in re.findall(r"`/([a-z]+)`", cells[0]):
            rows[name] = options
    return rows


async def test_readme_slash_commands_and_options_exist_in_the_command_tree() -> None:
    import aiohttp

    from bot.discord.client import TallyBot
    from bot.discord.cogs import add_cogs
    from bot.store import Store

    store = await Store.open("sqlite+aiosqlite:///:memory:")
    try:
        async with aiohttp.ClientSession() as session:
            bot = TallyBot(settings=Settings(), store=store, session=session, run_services=False)
            await add_cogs(bot)
            tree = {c.name: c for c in bot.tree.get_commands()}
    finally:
        await store.close()
    rows = readme_slash_rows()
    assert set(rows) == set(tree)
    for name, options in rows.items():
        parameters = {p.display_name for p in getattr(tree[name], "parameters", [])}
        assert options <= parameters, f"/{name}: README names {options - parameters}"


def readme_sample_post() -> str:
    return README.split("```\n", 2)[1].split("```", 1)[0].rstrip("\n")


def test_readme_sample_post_is_what_the_bot_prints() -> None:
    """The post at the top of the README, as the dry run prints it (DESIGN §6 text)."""
    from datetime import UTC, datetime

    from bot.core.models import Choice, Election, Event, Post, Status, Tally
    from bot.render.messages import render_post
    from bot.render.text import render_text

    def jfk8(union: int, against: int, status: Status) -> Tally:
        return Tally(
            "jfk8",
            choices=(Choice("Amazon Labor Union", union), Choice("No union", against, True)),
            status=status,
            ballots_cast=4869,
            eligible_voters=8325,
            updated_at=datetime(2022, 3, 31, 23, 5, tzinfo=UTC),
            source="organizers",
            source_label="ALU count watchers, unofficial",
        )

    election = Election("jfk8", name="Amazon JFK8 (Staten Island, NY)", case_number="29-RC-288020")
    post = Post(
        "jfk8",
        "initial",
        (Event.COUNT_UPDATED, Event.STATUS_CHANGED),
        jfk8(1518, 1154, Status.PAUSED),
        previous=jfk8(612, 488, Status.COUNTING),
    )
    assert readme_sample_post() == render_text(render_post(election, post))
