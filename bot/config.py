"""Settings: the YAML config file plus the environment, validated into frozen typed values,
with every problem reported at once by file, key path and line (DESIGN §6)."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.core.masking import mask_url

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/tallybot.db"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
CASE_PATTERN = r"^[0-9]{2}-[A-Z]{2}-[0-9]{6}$"
NLRB_MIN_INTERVAL_S = 300.0
NATIVE_MIN_INTERVAL_S = 1.0
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class ConfigError(Exception):
    """The config is unusable; `problems` lists every reason, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def parse_duration(value: object) -> float:
    """Seconds from `15s`, `10m`, `1h30m`, `500ms`, or a bare number of seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 15s or 10m")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace(" ", "")
        parts = _DURATION_PART.findall(text)
        if "".join(n + u for n, u in parts) != text:
            raise ValueError(f"{value!r} is not a duration such as 15s, 10m or 1h")
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    else:
        raise ValueError("expected a duration such as 15s or 10m")
    if seconds <= 0:
        raise ValueError("a duration must be more than zero")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest of `15s`, `10m`, `1h30m` for a number of seconds."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts)


Duration = Annotated[float, BeforeValidator(parse_duration)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
Snowflake = Annotated[int, Field(gt=0, lt=2**64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _http_url(value: str, *, allow_file: bool = False) -> str:
    parts = urlsplit(value)
    schemes = {"http", "https", "file"} if allow_file else {"http", "https"}
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(f"{s}://" for s in schemes))
        raise ValueError(f"{value!r} is not a URL ({allowed})")
    if parts.scheme != "file" and not parts.netloc:
        raise ValueError(f"{value!r} has no host")
    if parts.scheme == "file" and not parts.path:
        raise ValueError(f"{value!r} has no path")
    return value


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

    @field_validator("api_base", "webhook_avatar_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value).rstrip("/")


class HttpSettings(_Strict):
    user_agent_contact: str | None = Field(default=None, max_length=200)
    # Hosts a feed may redirect to besides its own (DESIGN §4 Redirects).
    redirect_hosts: tuple[Annotated[str, Field(min_length=1, max_length=253)], ...] = ()


class DatabaseSettings(_Strict):
    url: str = Field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password


FeedFormatName = Literal["native", "nlrb-csv", "nlrb-case", "nlrb-results"]


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
        return _http_url(value, allow_file=True)

    @field_validator("interval")
    @classmethod
    def _interval_floor(cls, value: float | None, info: ValidationInfo) -> float | None:
        official = info.data.get("format", "native") != "native"
        if value is None:
            return 600.0 if official else 15.0
        # The 5-minute floor is politeness to a host (nlrb.gov); a file:// feed has none.
        on_host = not str(info.data.get("url", "")).startswith("file:")
        floor = NLRB_MIN_INTERVAL_S if official and on_host else NATIVE_MIN_INTERVAL_S
        if value < floor:
            what = "nlrb-* feeds poll no more often than every 5m" if official else "minimum 1s"
            raise ValueError(f"{value:g}s is too short: {what}")
        return value

    @property
    def interval_s(self) -> float:
        return self.interval if self.interval is not None else 15.0


class ElectionSettings(_Strict):
    id: Slug
    case_number: str | None = None
    unit: str = Field(default="A", pattern=r"^[A-Z]$")
    name: str | None = Field(default=None, max_length=200)
    aliases: tuple[Slug, ...] = ()
    employer: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)

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
        if value == "all":
            raise ValueError("'all' is reserved (it means every election)")
        return value


class SubscriptionSettings(_Strict):
    election: Slug
    channel_id: Snowflake | None = None
    webhook_url: SecretStr | None = None
    level: Literal["all", "major", "final"] = "all"
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
    def key(self) -> str:
        """Stable identity of a static subscription across restarts."""
        target = f"channel:{self.channel_id}" if self.channel_id else f"webhook:{self.webhook_id}"
        return f"{target}:{self.election}"

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
    feeds: tuple[FeedSettings, ...] = ()
    elections: tuple[ElectionSettings, ...] = ()
    subscriptions: tuple[SubscriptionSettings, ...] = ()
    token: SecretStr | None = Field(default=None, exclude=True)


def _duplicate_problems(data: Mapping[str, Any], source: str, root: yaml.Node | None) -> list[str]:
    """Duplicate feed ids, election ids or aliases, and election cases: checked on the raw
    file so they are reported together with every other problem."""
    problems: list[str] = []
    sections: dict[str, Callable[[Mapping[str, Any]], list[tuple[str, object]]]] = {
        "feeds": _feed_keys,
        "elections": _election_keys,
    }
    for section, keys_of in sections.items():
        items = data.get(section)
        if not isinstance(items, list):
            continue
        seen: dict[object, str] = {}
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            for key, value in keys_of(item):
                if value is None:
                    continue
                loc = (section, index, key)
                if value in seen:
                    line = _line_of(root, loc) if root is not None else None
                    where = f"{source}:{line}" if line else source
                    problems.append(
                        f"{where}: {_format_path(loc)}: duplicate {value!r} "
                        f"(already used by {seen[value]})"
                    )
                else:
                    seen[value] = _format_path(loc)
    return problems


def _feed_keys(item: Mapping[str, Any]) -> list[tuple[str, object]]:
    return [("id", item.get("id"))]


def _election_keys(item: Mapping[str, Any]) -> list[tuple[str, object]]:
    aliases = item.get("aliases")
    names = (
        [("aliases", a) for a in aliases if isinstance(a, str)] if isinstance(aliases, list) else []
    )
    return [("id", item.get("id")), *names, ("case_number", _case_key(item))]


def _by_line(problems: list[str]) -> list[str]:
    def line(problem: str) -> int:
        match = re.match(r"[^:]*:(\d+):", problem)
        return int(match.group(1)) if match else 0

    return sorted(problems, key=line)


def _case_key(item: Mapping[str, Any]) -> str | None:
    case = item.get("case_number")
    if not isinstance(case, str):
        return None
    return f"{case.strip().upper()} unit {str(item.get('unit') or 'A').strip().upper()}"


def translate_database_url(url: str) -> str:
    """Heroku's postgres:// and plain postgresql:// become SQLAlchemy's asyncpg URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, validate and resolve; raises ConfigError with every problem."""
    env = os.environ if environ is None else environ
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{name}: file not found (copy config.example.yaml)"]) from None
    except OSError as exc:
        raise ConfigError([f"{name}: cannot read: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError([f"{name}{line}: not valid YAML: {exc}"]) from None
    if data is None:
        raise ConfigError([f"{name}: the file is empty"])
    if not isinstance(data, dict):
        raise ConfigError([f"{name}:1: the top level must be a mapping of keys"])
    return settings_from_mapping(data, env, source=name, root=root)


def settings_from_mapping(
    data: Mapping[str, Any],
    environ: Mapping[str, str],
    *,
    source: str = "<config>",
    root: yaml.Node | None = None,
) -> Settings:
    """Validate a parsed config plus the environment into Settings."""
    merged: dict[str, Any] = dict(data)
    if environ.get("DATABASE_URL"):
        database = dict(merged.get("database") or {})
        database["url"] = environ["DATABASE_URL"]
        merged["database"] = database
    if environ.get("DISCORD_TOKEN"):
        merged["token"] = environ["DISCORD_TOKEN"]
    problems = _duplicate_problems(data, source, root)
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_by_line(_describe(exc, source, root) + problems)) from None
    if problems:
        raise ConfigError(_by_line(problems))
    database_url = translate_database_url(settings.database.url)
    if database_url != settings.database.url:
        settings = settings.model_copy(update={"database": DatabaseSettings(url=database_url)})
    return settings


def _describe(exc: ValidationError, source: str, root: yaml.Node | None) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not isinstance(p, str) or p != "token")
        line = _line_of(root, loc) if root is not None else None
        where = f"{source}:{line}" if line else source
        path = _format_path(loc) or "(top level)"
        problems.append(f"{where}: {path}: {_message(error, loc)}")
    return problems


def _message(error: Mapping[str, Any], loc: tuple[Any, ...]) -> str:
    if error["type"] == "extra_forbidden" and loc:
        key = str(loc[-1])
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key {key!r}{hint}"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _known_keys(parent: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = Settings
    for part in parent:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        else:
            return []
    return [k for k in model.model_fields if k != "token"]


def _format_path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif str(part).startswith("function-") or str(part) in ("nullable",):
            continue
        else:
            text += ("." if text else "") + str(part)
    return text


def _line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest node of `loc` that the file has."""
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == str(part)), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def describe_settings(settings: Settings) -> str:
    """The resolved settings as YAML, secrets masked, for `check-config`."""
    data = settings.model_dump(mode="json")
    data["database"]["url"] = settings.database.url
    for sub, raw in zip(data["subscriptions"], settings.subscriptions, strict=True):
        if raw.webhook_url is not None:
            sub["webhook_url"] = raw.webhook_url.get_secret_value()
        else:
            sub.pop("webhook_url")
    data = _masked(data)  # every URL: feeds', the database's, webhooks', the API base
    for feed in data["feeds"]:
        feed["interval"] = format_duration(feed["interval"])
        feed["timeout"] = format_duration(feed["timeout"])
    data["discord_token"] = "set (hidden)" if settings.token else "not set"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _masked(value: Any) -> Any:
    """`value` with every string that holds a URL masked, at any depth."""
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    return value
