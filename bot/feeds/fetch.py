"""Fetch one feed: HTTP(S) with timeouts, a byte cap, conditional GET, a content hash and
redirects under the policy of bot/feeds/redirects.py, or a `file://` URL; the answer is
Unchanged, a Document, or a FetchFailure.

Names are resolved here, every address is checked, and the request goes to the checked
address itself (the name kept in `Host` and for TLS), so a DNS answer that changes between
the check and the connection (rebinding) cannot send a request anywhere unchecked."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path

import aiohttp
from yarl import URL

from bot.core.masking import mask_url
from bot.feeds.backoff import next_delay
from bot.feeds.base import Document, FeedSource, FetchFailure, FetchResult, Unchanged, Validators
from bot.feeds.redirects import MAX_REDIRECTS, RedirectPolicy, parse_address

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_S = 24 * 3600.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

__all__ = ["MAX_REDIRECTS", "Fetcher", "next_delay", "user_agent"]


def user_agent(contact: str | None) -> str:
    """The User-Agent of every feed request: the bot, and the operator's contact when set."""
    try:
        version = metadata.version("tallybot")
    except metadata.PackageNotFoundError:
        version = "0.1"
    contact = " ".join((contact or "").split())
    return f"tallybot/{version} (+{contact})" if contact else f"tallybot/{version}"


def where(url: URL) -> str:
    """host[:port]/path for messages: never the query or credentials (they may be secrets)."""
    if url.scheme == "file":
        return url.path
    port = f":{url.port}" if url.explicit_port else ""
    return f"{url.host}{port}{url.path}"


class _Stop(Exception):
    """Ends a fetch early with a failure a person can read."""

    def __init__(self, failure: FetchFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


class Fetcher:
    """Fetches feeds through one shared aiohttp session (the caller owns and closes it).

    `redirect_hosts` are the hosts a feed may redirect to besides its own; `resolver`
    turns names into addresses (default: the system's, through aiohttp's ThreadedResolver).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        user_agent: str,
        *,
        redirect_hosts: Iterable[str] = (),
        resolver: aiohttp.abc.AbstractResolver | None = None,
        max_redirects: int = MAX_REDIRECTS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._session = session
        self._user_agent = user_agent
        self._redirect_hosts = tuple(redirect_hosts)
        self._resolver = resolver
        self._max_redirects = max_redirects
        self._clock = clock  # wall clock, for Retry-After dates
        # Each feed's last body read and its hash: a body equal to it byte for byte is
        # recognised by comparing (memcmp) as it arrives, far cheaper than hashing it.
        self._bodies: dict[str, _Known] = {}

    async def fetch(self, source: FeedSource, previous: Validators | None) -> FetchResult:
        """Fetch `source`; `previous` holds the validators of its last good document."""
        try:
            url = URL(source.url)
        except (ValueError, TypeError):
            return FetchFailure(f"feed {source.id}: its URL cannot be read")
        try:
            if url.scheme == "file":
                data = await self._read_file(url, source.max_bytes)
                body = self._remember(source, _digested(data, self._bodies.get(source.id)))
                return _result(body, None, None, None, None, previous)
            if url.scheme not in ("http", "https") or not url.host:
                return FetchFailure(f"feed {source.id}: unsupported URL {url.scheme}://…")
            async with asyncio.timeout(source.timeout_s):
                return await self._fetch_http(url, source, previous)
        except _Stop as stop:
            return stop.failure
        except TimeoutError:
            return FetchFailure(f"timed out after {source.timeout_s:g}s fetching {where(url)}")
        except aiohttp.ClientPayloadError:
            return FetchFailure(f"broken response body from {where(url)} (bad encoding?)")
        except aiohttp.ClientError as exc:
            return FetchFailure(f"request to {where(url)} failed: {type(exc).__name__}")

    async def _fetch_http(
        self, url: URL, source: FeedSource, previous: Validators | None
    ) -> FetchResult:
        headers = self._headers(previous)
        timeout = aiohttp.ClientTimeout(total=source.timeout_s, connect=source.connect_timeout_s)
        addresses = await self._addresses(url)
        policy = RedirectPolicy.for_feed(url, self._redirect_hosts, addresses)
        credentials = _basic_auth(url)
        url = url.with_user(None)  # userinfo travels as the Authorization header only
        visited = {url}
        for _ in range(self._max_redirects + 1):
            sent = headers if credentials is None else {**headers, "Authorization": credentials}
            async with await self._send(url, addresses, sent, timeout) as response:
                if response.status not in _REDIRECTS:
                    return await self._answer(url, response, source, previous)
                target = _redirect_target(url, response, visited)
            why = policy.host_refusal(target)
            if why is None:
                addresses = await self._addresses(target)
                why = policy.address_refusal(target.raw_host or "", addresses)
            if why is not None:
                reason = f"feed {source.id}: redirect to {mask_url(str(target))} refused: {why}"
                log.debug("%s", reason)
                raise _Stop(FetchFailure(reason))
            if not policy.is_own_host(target):
                credentials = None  # dropped on any change of host, for good
            url = target
        raise _Stop(
            FetchFailure(f"more than {self._max_redirects} redirects, last to {where(url)}")
        )

    async def _addresses(self, url: URL) -> list[str]:
        """The addresses of `url`'s host: itself when it is one, else what the resolver says."""
        host = url.raw_host or ""
        if parse_address(host) is not None:
            return [host]
        if self._resolver is None:
            self._resolver = aiohttp.ThreadedResolver()
        try:
            found = await self._resolver.resolve(host, url.port or 0, family=socket.AF_UNSPEC)
        except OSError as exc:
            raise _Stop(FetchFailure(f"cannot resolve {host}: {exc.strerror or exc}")) from None
        addresses = list(dict.fromkeys(result["host"] for result in found))
        if not addresses:
            raise _Stop(FetchFailure(f"cannot resolve {host}: no address"))
        return addresses

    async def _send(
        self,
        url: URL,
        addresses: list[str],
        headers: dict[str, str],
        limits: aiohttp.ClientTimeout,
    ) -> aiohttp.ClientResponse:
        """GET `url` from the first of its checked `addresses` that accepts a connection."""
        pinned_headers = {**headers, "Host": url.host_port_subcomponent or url.raw_host or ""}
        server_hostname = url.raw_host if url.scheme == "https" else None
        reason = "no address"
        for address in addresses:
            try:
                pinned = url.with_host(address)
            except ValueError:
                reason = f"unusable address {address!r}"
                continue
            try:
                return await self._session.get(
                    pinned,
                    headers=pinned_headers,
                    allow_redirects=False,
                    timeout=limits,
                    server_hostname=server_hostname,
                )
            except aiohttp.ClientConnectorError as exc:
                reason = exc.os_error.strerror or type(exc.os_error).__name__
        raise _Stop(FetchFailure(f"cannot connect to {url.host}: {reason}"))

    def _headers(self, previous: Validators | None) -> dict[str, str]:
        headers = {"User-Agent": self._user_agent, "Accept-Encoding": "gzip, deflate"}
        if previous is not None and previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous is not None and previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
        return headers

    async def _answer(
        self,
        url: URL,
        response: aiohttp.ClientResponse,
        source: FeedSource,
        previous: Validators | None,
    ) -> FetchResult:
        status = response.status
        if status == 304:
            if previous is None:
                raise _Stop(FetchFailure(f"HTTP 304 from {where(url)} to a plain request", 304))
            etag = response.headers.get("ETag") or previous.etag
            return Unchanged(_replace_etag(previous, etag), "not-modified")
        if not 200 <= status < 300:
            reason = f"HTTP {status} {response.reason or ''}".rstrip()
            raise _Stop(
                FetchFailure(
                    f"{reason} from {where(url)}",
                    status=status,
                    retry_after_s=self._retry_after(response.headers.get("Retry-After")),
                )
            )
        known = self._bodies.get(source.id)
        body = self._remember(source, await _read_capped(url, response, source.max_bytes, known))
        return _result(
            body,
            response.headers.get("ETag"),
            response.headers.get("Last-Modified"),
            response.headers.get("Content-Type"),
            str(url),
            previous,
        )

    def _remember(self, source: FeedSource, body: _Known) -> _Known:
        self._bodies[source.id] = body
        return body

    def _retry_after(self, value: str | None) -> float | None:
        """Retry-After as seconds: a number of seconds, or an HTTP date."""
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            return min(float(value), MAX_RETRY_AFTER_S)
        try:
            when = parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError):
            return None
        return min(max(0.0, when - self._clock()), MAX_RETRY_AFTER_S)

    async def _read_file(self, url: URL, max_bytes: int) -> bytes:
        if url.host not in (None, "", "localhost"):
            raise _Stop(FetchFailure(f"file URL on another host ({url.host}) is not supported"))
        return await asyncio.to_thread(_read_file_capped, Path(url.path), max_bytes)


def _basic_auth(url: URL) -> str | None:
    """The Authorization header that the URL's userinfo stands for, if it has any."""
    if url.user is None and url.password is None:
        return None
    return aiohttp.encode_basic_auth(url.user or "", url.password or "")


def _redirect_target(url: URL, response: aiohttp.ClientResponse, visited: set[URL]) -> URL:
    """Where a redirect points, its userinfo dropped (never used); loops are refused."""
    location = response.headers.get("Location")
    if not location:
        raise _Stop(FetchFailure(f"HTTP {response.status} from {where(url)} without a Location"))
    try:
        target = url.join(URL(location)).with_user(None)
    except ValueError:
        raise _Stop(FetchFailure(f"redirect from {where(url)} to an unreadable URL")) from None
    if target.scheme not in ("http", "https") or not target.raw_host:
        raise _Stop(FetchFailure(f"redirect from {where(url)} to a {target.scheme} URL refused"))
    if target in visited:
        raise _Stop(FetchFailure(f"redirect loop: {where(url)} sends back to {where(target)}"))
    visited.add(target)
    return target


async def _read_capped(
    url: URL, response: aiohttp.ClientResponse, max_bytes: int, known: _Known | None
) -> _Known:
    """The body and its hash, read in chunks; stops (and drops the connection) past
    `max_bytes`. `known` is the feed's previous body, compared against as chunks arrive."""
    length = response.content_length
    if length is not None and length > max_bytes:
        response.close()
        raise _Stop(_too_large(url, max_bytes, f"it announces {length:,} bytes"))
    encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
    if known is not None and length is not None and not encoded and length != len(known.body):
        known = None  # cannot be the same body: hash from the first byte
    reader = _BodyReader(known)
    total = 0
    # Whatever the connection has buffered, as it is: fixed-size chunks would cut (copy)
    # aiohttp's buffers once more; the cap is checked after every one all the same.
    async for chunk in response.content.iter_any():
        total += len(chunk)
        if total > max_bytes:
            response.close()
            raise _Stop(_too_large(url, max_bytes, f"stopped after {total:,} bytes"))
        reader.add(chunk)
    return reader.finish()


@dataclass(frozen=True, slots=True)
class _Known:
    """A body and its sha256 (hex)."""

    body: bytes
    digest: str


class _BodyReader:
    """A body arriving in chunks. While it matches the previous body byte for byte nothing
    is kept or hashed (an unchanged feed costs a memcmp, no hash and no join); from the
    first difference on, the body is kept and hashed as it arrives."""

    def __init__(self, known: _Known | None) -> None:
        self._known = known
        self._matched = 0  # bytes of `known.body` matched so far
        self._chunks: list[bytes] = []
        self._hash = hashlib.sha256()

    def add(self, chunk: bytes) -> None:
        if self._known is not None:
            if self._known.body.startswith(chunk, self._matched):
                self._matched += len(chunk)
                return
            self._diverge(self._known)
        self._hash.update(chunk)
        self._chunks.append(chunk)

    def _diverge(self, known: _Known) -> None:
        """Differs from the previous body: what matched is this body's start."""
        head = known.body[: self._matched]
        self._hash.update(head)
        self._chunks.append(head)
        self._known = None

    def finish(self) -> _Known:
        known = self._known
        if known is not None:
            if self._matched == len(known.body):
                return known
            self._diverge(known)  # a shorter body: the previous one's start only
        return _Known(b"".join(self._chunks), self._hash.hexdigest())


def _digested(body: bytes, known: _Known | None) -> _Known:
    """`body` with its hash, taken from `known` when it is the same body."""
    if known is not None and known.body == body:
        return known
    return _Known(body, hashlib.sha256(body).hexdigest())


def _read_file_capped(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise _Stop(FetchFailure(f"file not found: {path}")) from None
    except OSError as exc:
        raise _Stop(FetchFailure(f"cannot read {path}: {exc.strerror or exc}")) from None
    if len(data) > max_bytes:
        raise _Stop(_too_large(URL(path.as_uri()), max_bytes, "the file is larger"))
    return data


def _too_large(url: URL, max_bytes: int, detail: str) -> FetchFailure:
    return FetchFailure(f"body from {where(url)} is over max_bytes ({max_bytes:,}): {detail}")


def _replace_etag(validators: Validators, etag: str | None) -> Validators:
    return Validators(etag, validators.last_modified, validators.content_hash)


def _result(
    body: _Known,
    etag: str | None,
    last_modified: str | None,
    content_type: str | None,
    final_url: str | None,
    previous: Validators | None,
) -> FetchResult:
    """A Document, or Unchanged when the body hashes as the last one did."""
    validators = Validators(etag, last_modified, body.digest)
    if previous is not None and previous.content_hash == body.digest:
        return Unchanged(validators, "same-hash")
    log.debug("new document: %d bytes, sha256 %s", len(body.body), body.digest[:12])
    return Document(body.body, validators, content_type, final_url)
