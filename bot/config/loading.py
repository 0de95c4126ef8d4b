"""Loading the config: the YAML file plus the environment into Settings, with every problem
reported at once by file, key path and line (DESIGN §6); and the resolved settings shown
with every secret masked (`check-config`)."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.config.settings import Settings
from bot.config.values import format_duration, shard_ids_from_env
from bot.core.masking import mask_url

SECRET_KEYS = frozenset({"token"})


class ConfigError(Exception):
    """The config is unusable; `problems` lists every reason, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


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
    problems = _duplicate_problems(data, source, root) + _secret_problems(data, source, root)
    merged, env_problems = _with_environment(data, environ)
    problems += env_problems
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_by_line(_describe(exc, source, root) + problems)) from None
    if problems:
        raise ConfigError(_by_line(problems))
    return settings


def _with_environment(
    data: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """The file's values with the environment's on top: DATABASE_URL, DISCORD_TOKEN, PORT
    (the web server's port when `http.listen` is not set), TALLYBOT_SHARD_IDS."""
    merged: dict[str, Any] = dict(data)
    problems: list[str] = []

    def section(name: str) -> dict[str, Any]:
        value = merged.get(name)
        merged[name] = dict(value) if isinstance(value, Mapping) else {}
        return merged[name]  # type: ignore[no-any-return]

    if environ.get("DATABASE_URL"):
        section("database")["url"] = environ["DATABASE_URL"]
    if environ.get("DISCORD_TOKEN"):
        merged["token"] = environ["DISCORD_TOKEN"]
    port = environ.get("PORT", "").strip()
    if port and not (isinstance(data.get("http"), Mapping) and data["http"].get("listen")):
        if port.isdigit():
            section("http")["listen"] = f"0.0.0.0:{port}"
        else:
            problems.append(f"environment: PORT={port[:20]!r} is not a port number")
    shards = environ.get("TALLYBOT_SHARD_IDS", "").strip()
    if shards:
        try:
            section("discord")["shard_ids"] = list(shard_ids_from_env(shards))
        except ValueError as exc:
            problems.append(f"environment: {exc}")
    return merged, problems


def _secret_problems(data: Mapping[str, Any], source: str, root: yaml.Node | None) -> list[str]:
    """A key named `token`, at any level: secrets come from the environment (DESIGN §6)."""
    problems = []
    for loc in _keys_named(data, SECRET_KEYS, ()):
        line = _line_of(root, loc) if root is not None else None
        where = f"{source}:{line}" if line else source
        problems.append(
            f"{where}: {_format_path(loc)}: a secret does not belong in the file: remove it "
            "and set the environment variable DISCORD_TOKEN instead"
        )
    return problems


def _keys_named(
    value: object, names: frozenset[str], loc: tuple[Any, ...]
) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in names:
                yield (*loc, key)
            else:
                yield from _keys_named(item, names, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _keys_named(item, names, (*loc, index))


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
    data = _masked(data)  # every URL: feeds', the database's, webhooks', the API base …
    for feed in data["feeds"]:
        feed["interval"] = format_duration(feed["interval"])
        feed["timeout"] = format_duration(feed["timeout"])
    data["database"]["retention"] = format_duration(data["database"]["retention"])
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
