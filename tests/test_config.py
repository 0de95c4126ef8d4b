"""Config: every key of DESIGN §6, every problem at once with file, key path and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import (
    ConfigError,
    Settings,
    describe_settings,
    load_settings,
    parse_duration,
)
from bot.core.masking import mask_url
from tests.conftest import REPO_ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), env or {})
    return caught.value.problems


def test_the_example_config_is_valid() -> None:
    settings = load_settings(REPO_ROOT / "config.example.yaml", {})
    assert [f.id for f in settings.feeds] == ["organizers", "nlrb-jfk8"]
    assert settings.feeds[1].interval == 600.0
    assert settings.elections[0].case_number == "29-RC-288020"


def test_defaults_match_the_design(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "feeds: []\n"), {})
    assert settings.database.url == "sqlite+aiosqlite:///data/tallybot.db"
    assert settings.discord.webhook_username == "tallybot"
    assert settings.discord.api_base is None
    assert settings.feeds == () and settings.subscriptions == ()


def test_a_misspelled_key_is_named_with_its_line(tmp_path: Path) -> None:
    found = problems(tmp_path, "discord:\n  dev_guild_id: [1]\n")
    assert len(found) == 1
    assert "config.yaml:2: discord.dev_guild_id: unknown key 'dev_guild_id'" in found[0]
    assert "did you mean 'dev_guild_ids'" in found[0]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = """\
feeds:
  - id: a
    url: https://example.org/a.json
    format: native
  - id: a
    url: ftp://example.org/b
    format: nlrb-csv
    interval: 1m
elections:
  - id: all
subscriptions:
  - election: jfk8
"""
    found = problems(tmp_path, text)
    joined = "\n".join(found)
    assert len(found) == 5, joined
    assert ":5: feeds[1].id: duplicate 'a'" in joined
    assert ":6: feeds[1].url:" in joined
    assert ":8: feeds[1].interval: 60s is too short" in joined
    assert ":10: elections[0].id: 'all' is reserved" in joined
    assert ":12: subscriptions[0]: give exactly one of channel_id or webhook_url" in joined


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "the top level must be a mapping"),
        ("feeds: [\n", "not valid YAML"),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in problems(tmp_path, text)[0]


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.yaml", {})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15s", 15),
        ("10m", 600),
        ("1h30m", 5400),
        ("500ms", 0.5),
        (20, 20),
        ("2.5s", 2.5),
        ("30d", 30 * 86400),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "15", "ten seconds", "-5s", "0s", True, "5x", "1w"])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_nlrb_feeds_keep_the_five_minute_floor(tmp_path: Path) -> None:
    base = "feeds:\n  - id: n\n    url: https://www.nlrb.gov/x\n    format: nlrb-case\n"
    assert "too short" in problems(tmp_path, base + "    interval: 4m\n")[0]
    assert load_settings(write(tmp_path, base + "    interval: 5m\n"), {}).feeds[0].interval == 300


def test_native_feed_minimum_is_one_second(tmp_path: Path) -> None:
    base = "feeds:\n  - id: n\n    url: file:///tmp/x.json\n    format: native\n"
    assert "minimum 1s" in problems(tmp_path, base + "    interval: 500ms\n")[0]
    assert load_settings(write(tmp_path, base), {}).feeds[0].interval == 15


def test_environment_supplies_secrets_and_deployment_settings(tmp_path: Path) -> None:
    env = {
        "DISCORD_TOKEN": "abc.def",
        "DATABASE_URL": "postgres://u:pw@db.example:5432/x",
        "PORT": "5000",
        "TALLYBOT_SHARD_IDS": "0,2",
    }
    text = "discord:\n  shard_count: 4\n  shard_ids: [1]\n"
    settings = load_settings(write(tmp_path, text), env)
    assert settings.token is not None and settings.token.get_secret_value() == "abc.def"
    # Heroku's postgres:// is translated by the store (bot.store.urls), which reads it as is.
    assert settings.database.url == "postgres://u:pw@db.example:5432/x"
    assert settings.http.listen == "0.0.0.0:5000"
    assert settings.discord.shard_ids == (0, 2)


def test_listen_in_the_file_wins_over_port(tmp_path: Path) -> None:
    text = "http:\n  listen: 127.0.0.1:8080\n"
    settings = load_settings(write(tmp_path, text), {"PORT": "5000"})
    assert settings.http.listen == "127.0.0.1:8080"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("token: abc\n", ":1: token: a secret does not belong in the file"),
        ("discord:\n  token: abc\n", ":2: discord.token: a secret does not belong"),
        ("feeds:\n  - id: a\n    token: x\n", ":3: feeds[0].token: a secret"),
    ],
)
def test_a_token_in_the_file_is_an_error_that_points_at_the_environment(
    tmp_path: Path, text: str, expected: str
) -> None:
    found = "\n".join(problems(tmp_path, text, {"DISCORD_TOKEN": "from-env"}))
    assert expected in found
    assert "DISCORD_TOKEN" in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("discord:\n  shard_ids: [0]\n", "shard_ids needs shard_count"),
        ("discord:\n  shard_count: 2\n  shard_ids: [2]\n", "below shard_count 2"),
        ("discord:\n  requests_per_second: 60\n", "requests_per_second"),
        ("http:\n  listen: localhost\n", "is not host:port"),
        ("http:\n  redirect_hosts: ['https://x.org/']\n", "is not a host name"),
        ("database:\n  retention: -1s\n", "is not a duration"),
        ("defaults:\n  language: fr\n", "defaults.language"),
        ("subscriptions:\n  - election: a\n    channel_id: 5\n    mode: edit\n", "mode"),
    ],
)
def test_deployment_keys_are_checked(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in "\n".join(problems(tmp_path, text))


def test_new_keys_have_the_design_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "feeds: []\n"), {})
    assert settings.discord.requests_per_second == 45
    assert settings.discord.shard_count is None and settings.discord.shard_ids is None
    assert settings.http.redirect_hosts == () and settings.http.max_streams == 500
    assert settings.http.listen is None and settings.http.public_url is None
    assert settings.database.retention == 30 * 86400
    assert settings.defaults.language == "en"
    zero = load_settings(write(tmp_path, "database:\n  retention: 0s\n"), {})
    assert zero.database.retention == 0


def test_a_declared_ballot(tmp_path: Path) -> None:
    text = """\
elections:
  - id: jfk8
    short_name: JFK8
    round: initial
    choices:
      - Amazon Labor Union
      - {name: No union, against: true}
    eligible_voters: 8325
    ballots_cast: 4869
"""
    [election] = load_settings(write(tmp_path, text), {}).elections
    assert [(c.name, c.against) for c in election.choices] == [
        ("Amazon Labor Union", False),
        ("No union", True),
    ]
    assert (election.eligible_voters, election.ballots_cast) == (8325, 4869)


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        ("[A, B]", "mark the no-union choice"),
        ("[A, {name: X, against: true}, {name: Y, against: true}]", "only one choice"),
        ("[{name: A, against: true}, No union]", "'No union' must be marked against"),
        ("[A]", "2 to 5 choices"),
    ],
)
def test_declared_ballots_follow_the_against_rules(
    tmp_path: Path, choices: str, expected: str
) -> None:
    text = f"elections:\n  - id: e\n    choices: {choices}\n"
    assert expected in "\n".join(problems(tmp_path, text))


def test_a_declared_runoff_may_have_no_against_choice(tmp_path: Path) -> None:
    text = "elections:\n  - id: e\n    round: runoff\n    choices: [A, B]\n"
    assert load_settings(write(tmp_path, text), {}).elections[0].round == "runoff"


def test_secrets_are_masked_when_printed(tmp_path: Path) -> None:
    text = """\
subscriptions:
  - election: jfk8
    webhook_url: https://discord.com/api/webhooks/123/s3cr3t-token
"""
    env = {"DISCORD_TOKEN": "tok3n", "DATABASE_URL": "postgres://u:pa55@h/db"}
    settings = load_settings(write(tmp_path, text), env)
    shown = describe_settings(settings) + repr(settings)
    for secret in ("s3cr3t-token", "tok3n", "pa55"):
        assert secret not in shown
    assert "webhooks/123/****" in shown
    assert mask_url("sqlite+aiosqlite:///data/x.db") == "sqlite+aiosqlite:///data/x.db"


def test_feed_urls_and_query_passwords_are_masked_when_printed(tmp_path: Path) -> None:
    text = """\
discord:
  api_base: http://proxy:PROXYPASS@127.0.0.1:9/api
feeds:
  - id: organizers
    url: http://user:FEEDPASS@feeds.example.org/feed?apikey=FEEDKEY
    format: native
"""
    env = {"DATABASE_URL": "postgres://app@db/x?password=QUERYPASS"}
    settings = load_settings(write(tmp_path, text), env)
    shown = describe_settings(settings) + repr(settings)
    for secret in ("PROXYPASS", "FEEDPASS", "FEEDKEY", "QUERYPASS"):
        assert secret not in shown
    assert "http://****:****@feeds.example.org/feed?apikey=****" in shown
    assert "://****@db/x?password=****" in shown


def test_duplicate_aliases_and_cases(tmp_path: Path) -> None:
    text = """\
elections:
  - id: jfk8
    case_number: 29-rc-288020
    aliases: [si]
  - id: si
    case_number: 29-RC-288020
"""
    joined = "\n".join(problems(tmp_path, text))
    assert "duplicate 'si'" in joined
    assert "duplicate '29-RC-288020 unit A'" in joined


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(Exception, match="frozen"):
        settings.database = settings.database  # type: ignore[misc]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )


def test_check_config_cli_exit_codes(tmp_path: Path) -> None:
    good = run_cli("check-config", "--config", str(REPO_ROOT / "config.example.yaml"))
    assert good.returncode == 0, good.stderr
    assert "id: jfk8" in good.stdout
    bad = write(tmp_path, "discord:\n  api_bse: null\n")
    result = run_cli("check-config", "--config", str(bad))
    assert result.returncode == 2
    assert "config.yaml:2: discord.api_bse: unknown key 'api_bse'" in result.stderr
    assert result.stdout == ""


def test_file_feeds_of_nlrb_formats_have_no_host_to_spare(tmp_path: Path) -> None:
    text = "feeds:\n  - id: n\n    url: file:///tmp/x.csv\n    format: nlrb-csv\n    interval: 1s\n"
    assert load_settings(write(tmp_path, text), {}).feeds[0].interval == 1
