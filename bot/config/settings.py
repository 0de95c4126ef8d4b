"""The settings model: every key of DESIGN §6 with its default, validated into frozen values."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.config.values import http_url, listen_address, parse_duration, parse_retention
from bot.core.ballot import NO_UNION_NAMES, fold, is_runoff_round
from bot.core.models import DEFAULT_ROUND, LANGUAGES, RESERVED_ID
from bot.core.slugs import CASE_PATTERN, ROUND_PATTERN, SHORT_NAME_MAX, SLUG_PATTERN

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/tallybot.db"
NLRB_MIN_INTERVAL_S = 300.0
HANDFED_MIN_INTERVAL_S = 1.0
HANDFED_FORMATS = frozenset({"native", "sheet-csv"})

Duration = Annotated[float, BeforeValidator(parse_duration)]
Retention = Annotated[float, BeforeValidator(parse_retention)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
Snowflake = Annotated[int, Field(gt=0, lt=2**64)]
Count = Annotated[int, Field(ge=0, le=10_000_000, strict=True)]
Language = Literal["en", "es"]
assert set(LANGUAGES) == {"en", "es"}  # Language above lists the same


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Reporters(_Strict):
    user_ids: tuple[Snowflake, ...] = ()
    role_ids: tuple[Snowflake, ...] = ()


class DiscordSettings(_Strict):
    api_base: str | None = Field(default=None, repr=False)  # may hold userinfo
    dev_guild_ids: tuple[Snowflake, ...] = ()
    owner_ids: tuple[Snowflake, ...] = ()
    reporters: Reporters = Reporters()
    webhook_username: str = Field(default="tallybot", min_length=1, max_length=80)
    webhook_avatar_url: str | None = None
    requests_per_second: float = Field(default=45.0, gt=0, le=50)
    shard_count: int | None = Field(default=None, ge=1, le=1000)
    shard_ids: tuple[Annotated[int, Field(ge=0)], ...] | None = None

    @field_validator("api_base", "webhook_avatar_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value).rstrip("/")

    @model_validator(mode="after")
    def _shards(self) -> DiscordSettings:
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            raise ValueError("shard_ids needs shard_count (the shards of every process)")
        if not self.shard_ids or any(i >= self.shard_count for i in self.shard_ids):
            raise ValueError(f"shard_ids must be distinct ids below shard_count {self.shard_count}")
        if len(set(self.shard_ids)) != len(self.shard_ids):
            raise ValueError("shard_ids lists a shard twice")
        return self


class HttpSettings(_Strict):
    user_agent_contact: str | None = Field(default=None, max_length=200)
    redirect_hosts: tuple[Annotated[str, Field(min_length=1, max_length=253)], ...] = ()
    max_streams: int = Field(default=500, ge=1, le=100_000)
    listen: str | None = None
    public_url: str | None = None

    @field_validator("redirect_hosts")
    @classmethod
    def _hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for host in value:
            if not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", host):
                raise ValueError(f"{host!r} is not a host name (no scheme, path or port)")
        return tuple(host.lower().rstrip(".") for host in value)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        return None if value is None else listen_address(value)

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value).rstrip("/")


class DatabaseSettings(_Strict):
    url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password
    retention: Retention = 30 * 86400.0


class DefaultsSettings(_Strict):
    language: Language = "en"


FeedFormatName = Literal["native", "sheet-csv", "nlrb-csv", "nlrb-case", "nlrb-results"]


class FeedSettings(_Strict):
    id: Slug
    url: str = Field(repr=False)  # may hold userinfo or a key in its query
    format: FeedFormatName
    interval: Duration | None = Field(default=None, validate_default=True)
    timeout: Duration = 10.0
    max_bytes: int = Field(default=5_000_000, gt=0, le=500_000_000)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value, allow_file=True)

    @field_validator("interval")
    @classmethod
    def _interval_floor(cls, value: float | None, info: ValidationInfo) -> float | None:
        official = info.data.get("format", "native") not in HANDFED_FORMATS
        if value is None:
            return 600.0 if official else 15.0
        # The 5-minute floor is politeness to a host (nlrb.gov); a file:// feed has none.
        on_host = not str(info.data.get("url", "")).startswith("file:")
        floor = NLRB_MIN_INTERVAL_S if official and on_host else HANDFED_MIN_INTERVAL_S
        if value < floor:
            what = "nlrb-* feeds poll no more often than every 5m" if official else "minimum 1s"
            raise ValueError(f"{value:g}s is too short: {what}")
        return value

    @property
    def interval_s(self) -> float:
        return self.interval if self.interval is not None else 15.0


class DeclaredChoiceSettings(_Strict):
    name: str = Field(min_length=1, max_length=120)
    against: bool = False


def _choice(value: object) -> object:
    """A declared choice may be written as its name alone."""
    return {"name": value} if isinstance(value, str) else value


DeclaredChoice = Annotated[DeclaredChoiceSettings, BeforeValidator(_choice)]


class ElectionSettings(_Strict):
    id: Slug
    case_number: str | None = None
    unit: str = Field(default="A", pattern=r"^[A-Z]$")
    name: str | None = Field(default=None, max_length=200)
    short_name: str | None = Field(default=None, min_length=1, max_length=SHORT_NAME_MAX)
    aliases: tuple[Slug, ...] = ()
    employer: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)
    round: str = Field(default=DEFAULT_ROUND, max_length=40, pattern=ROUND_PATTERN)
    choices: tuple[DeclaredChoice, ...] = ()
    eligible_voters: Count | None = None
    ballots_cast: Count | None = None

    @field_validator("case_number", mode="before")
    @classmethod
    def _case(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().upper()
            if not re.match(CASE_PATTERN, value):
                raise ValueError(f"{value!r} is not an NLRB case number like 29-RC-288020")
        return value

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == RESERVED_ID:
            raise ValueError(f"'{RESERVED_ID}' is reserved (it means every election)")
        return value

    @model_validator(mode="after")
    def _ballot(self) -> ElectionSettings:
        """The same against-mark rules a hand-fed feed must follow (DESIGN §4)."""
        if not self.choices:
            return self
        if not 2 <= len(self.choices) <= 5:
            raise ValueError("choices: a ballot has 2 to 5 choices")
        against = [c for c in self.choices if c.against]
        if len(against) > 1:
            raise ValueError("choices: only one choice may be marked against (no union)")
        if not against and not is_runoff_round(self.round):
            raise ValueError("choices: mark the no-union choice with against: true")
        for choice in self.choices:
            if fold(choice.name) in NO_UNION_NAMES and not choice.against:
                raise ValueError(f"choices: {choice.name!r} must be marked against: true")
        if len({fold(c.name) for c in self.choices}) != len(self.choices):
            raise ValueError("choices: two choices have the same name")
        return self


SubscriptionLevel = Literal["all", "major", "final"]


class SubscriptionSettings(_Strict):
    election: Slug
    channel_id: Snowflake | None = None
    webhook_url: SecretStr | None = None
    level: SubscriptionLevel = "all"
    mode: Literal["post", "live"] = "post"
    language: Language | None = None
    mention_role_id: Snowflake | None = None

    @model_validator(mode="after")
    def _one_target(self) -> SubscriptionSettings:
        if (self.channel_id is None) == (self.webhook_url is None):
            raise ValueError("give exactly one of channel_id or webhook_url")
        if self.webhook_url is not None:
            parts = urlsplit(self.webhook_url.get_secret_value())
            if parts.scheme != "https" or "/webhooks/" not in parts.path:
                raise ValueError("webhook_url must be https://discord.com/api/webhooks/ID/TOKEN")
        return self

    @property
    def webhook_id(self) -> str | None:
        if self.webhook_url is None:
            return None
        return webhook_id_of(self.webhook_url.get_secret_value())


def webhook_id_of(url: str) -> str:
    """The id part of https://discord.com/api/webhooks/ID/TOKEN."""
    path = urlsplit(url).path.rstrip("/").split("/")
    return path[-2] if len(path) >= 2 else ""


class Settings(_Strict):
    discord: DiscordSettings = DiscordSettings()
    http: HttpSettings = HttpSettings()
    database: DatabaseSettings = DatabaseSettings()
    defaults: DefaultsSettings = DefaultsSettings()
    feeds: tuple[FeedSettings, ...] = ()
    elections: tuple[ElectionSettings, ...] = ()
    subscriptions: tuple[SubscriptionSettings, ...] = ()
    # From the environment only (DISCORD_TOKEN); a `token` key in the file is refused.
    token: SecretStr | None = Field(default=None, exclude=True)
