"""Value types of the config file: durations (`15s`, `10m`, `30d`), URLs, listen addresses."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_LISTEN = re.compile(r"^(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(?P<port>[0-9]{1,5})$")


def parse_duration(value: object, *, allow_zero: bool = False) -> float:
    """Seconds from `15s`, `10m`, `1h30m`, `500ms`, `30d`, or a bare number of seconds."""
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
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise ValueError("a duration must be more than zero")
    return seconds


def parse_retention(value: object) -> float:
    """A duration that may be `0s` (prune at the next run)."""
    return parse_duration(value, allow_zero=True)


def format_duration(seconds: float) -> str:
    """The shortest of `15s`, `10m`, `1h30m`, `30d` for a number of seconds."""
    if seconds == 0:
        return "0s"
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts)


def http_url(value: str, *, allow_file: bool = False) -> str:
    """`value` when it is an http(s) URL with a host (or a file:// URL with a path)."""
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


def listen_address(value: str) -> str:
    """`host:port` with a port from 1 to 65535 (`[::1]:8080` for IPv6)."""
    match = _LISTEN.match(value.strip())
    if match is None or not 0 < int(match.group("port")) < 65536:
        raise ValueError(f"{value!r} is not host:port (e.g. 127.0.0.1:8080)")
    return value.strip()


def split_listen(value: str) -> tuple[str, int]:
    """(host, port) of a checked listen address; brackets of an IPv6 host removed."""
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


def shard_ids_from_env(value: str) -> tuple[int, ...]:
    """`TALLYBOT_SHARD_IDS=0,1` as shard ids."""
    try:
        ids = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"TALLYBOT_SHARD_IDS={value!r}: write shard ids like 0,1") from None
    if not ids:
        raise ValueError("TALLYBOT_SHARD_IDS is empty: write shard ids like 0,1")
    return ids
