"""Failures on demand, Discord's error bodies and rate-limit headers, the global limit."""

from __future__ import annotations

import fnmatch
import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any

# Real Discord answers carry `Via`; discord.py takes a 429 without it for a Cloudflare ban.
VIA = "1.1 google"

_MESSAGES = {
    400: "400: Bad Request",
    401: "401: Unauthorized",
    403: "403: Forbidden",
    404: "404: Not Found",
    405: "405: Method Not Allowed",
    500: "500: Internal Server Error",
    502: "502: Bad Gateway",
    503: "503: Service Unavailable",
    504: "504: Gateway Timeout",
}
ERROR_CODES = {
    10003: "Unknown Channel",
    10004: "Unknown Guild",
    10007: "Unknown Member",
    10008: "Unknown Message",
    10013: "Unknown User",
    10015: "Unknown Webhook",
    10062: "Unknown interaction",
    10063: "Unknown application command",
    40060: "Interaction has already been acknowledged.",
    50001: "Missing Access",
    50005: "Cannot edit a message authored by another user",
    50007: "Cannot send messages to this user",
    50013: "Missing Permissions",
    50035: "Invalid Form Body",
}


@dataclass
class Reply:
    """An answer the double sends instead of (or as) a handler's result."""

    status: int
    body: dict[str, Any] | list[Any] | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FailureRule:
    """`fail_next(...)`: answer matching requests with an error, `times` times (None: always)."""

    target: str | int
    status: int
    times: int | None = 1
    retry_after: float = 1.0
    global_: bool = False
    code: int | None = None
    method: str | None = None
    hits: int = 0

    def matches(self, method: str, path: str, params: dict[str, str]) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        if isinstance(self.target, int):
            return str(self.target) in params.values()
        pattern = self.target
        return fnmatch.fnmatchcase(f"{method} {path}", pattern) or fnmatch.fnmatchcase(
            path, pattern
        )

    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def reply(self, template: str, params: dict[str, str]) -> Reply:
        self.hits += 1
        if self.status == 429:
            return rate_limited(self.retry_after, global_=self.global_, limit=1, bucket=template)
        code = default_code(self, template, params) if self.code is None else self.code
        return error(self.status, code)


def default_code(rule: FailureRule, template: str, params: dict[str, str]) -> int:
    """Discord's usual error code for this status on this kind of route: a 404 aimed at a
    message id is Unknown Message (10008)."""
    if rule.status == 403:
        return 50001
    if rule.status != 404:
        return 0
    if isinstance(rule.target, int) and params.get("message_id") == str(rule.target):
        return 10008
    for prefix, code in (
        ("/interactions/", 10062),
        ("/webhooks/", 10015),
        ("/channels/", 10003),
        ("/users/", 10013),
        ("/guilds/", 10004),
    ):
        if template.startswith(prefix):
            return code
    return 0


def error(status: int, code: int = 0, message: str | None = None, **extra: Any) -> Reply:
    """Discord's JSON error body: `{"message": ..., "code": ...}` (+ `errors` for 400s)."""
    text = message or ERROR_CODES.get(code) or _MESSAGES.get(status, f"{status}: Error")
    return Reply(status, {"message": text, "code": code, **extra}, {"Via": VIA})


def rate_limited(retry_after: float, *, global_: bool, limit: int, bucket: str) -> Reply:
    """A 429 as Discord sends it: `retry_after` in the body and every rate-limit header."""
    retry_after = round(max(retry_after, 0.001), 3)
    headers = {
        "Via": VIA,
        "Retry-After": str(max(1, math.ceil(retry_after))),
        **window_headers(limit, 0, retry_after, bucket),
        "X-RateLimit-Scope": "global" if global_ else "user",
    }
    if global_:
        headers["X-RateLimit-Global"] = "true"
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": global_}
    return Reply(429, {**body, "code": 0}, headers)


def window_headers(limit: int, remaining: int, reset_after: float, bucket: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": hashlib.sha1(bucket.encode()).hexdigest()[:32],
    }


class FixedWindows:
    """Counts in fixed windows of `window` seconds from `origin` (Discord's global limit);
    with `limit` None it only counts."""

    def __init__(self, limit: int | None, window: float, origin: float) -> None:
        self.limit = limit
        self.window = window
        self.origin = origin
        self.counts: dict[int, int] = {}

    def admit(self, now: float) -> float | None:
        """None if a request may go now (and count it), else the seconds to the next window."""
        index = int((now - self.origin) // self.window)
        used = self.counts.get(index, 0)
        if self.limit is not None and used >= self.limit:
            return self.origin + (index + 1) * self.window - now
        self.counts[index] = used + 1
        return None

    def remaining(self, now: float) -> tuple[int, float]:
        assert self.limit is not None, "only a limited window has a remainder"
        index = int((now - self.origin) // self.window)
        reset_after = self.origin + (index + 1) * self.window - now
        return self.limit - self.counts.get(index, 0), reset_after

    def peak(self) -> int:
        return max(self.counts.values(), default=0)


class RouteBuckets:
    """Per-route buckets (route template + major parameter), fixed windows, generous limits."""

    def __init__(self, limit: int, window: float, origin: float) -> None:
        self.limit = limit
        self.window = window
        self.origin = origin
        self._buckets: dict[str, FixedWindows] = {}

    def take(self, template: str, major: str, now: float) -> Reply | dict[str, str]:
        """Headers for an admitted request, or a 429 reply when the bucket is empty."""
        windows = self._buckets.get(f"{template}:{major}")
        if windows is None:
            windows = FixedWindows(self.limit, self.window, self.origin)
            self._buckets[f"{template}:{major}"] = windows
        wait = windows.admit(now)
        if wait is not None:
            return rate_limited(wait, global_=False, limit=self.limit, bucket=template)
        remaining, reset_after = windows.remaining(now)
        return window_headers(self.limit, remaining, reset_after, template)
