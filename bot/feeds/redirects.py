"""Where a feed's fetch may go (DESIGN §4 Redirects): which hosts a redirect may reach, which
addresses a host may resolve to, and when credentials go along. Pure decisions on URLs and
address strings; the fetcher resolves, asks, then connects only to the addresses it checked.

The rules, precisely:
- A redirect goes to the feed's own host (the configured URL's name, case and a trailing dot
  aside, with the same scheme and port, or over https on port 443 or the same port), or to
  a host named in `http.redirect_hosts` (any port, http or https); at most 5 of them.
- Every address a target's name resolves to is checked, and one bad address refuses the
  whole name: an address that is not global (loopback, private, shared, link-local,
  multicast, unspecified, reserved or documentation ranges; IPv4 inside IPv6 is judged as
  IPv4) is allowed only when the feed's own host has an address of the same kind. A feed on
  127.0.0.1 may be sent to 127.0.0.2, a LAN feed on 192.168.1.5 to 10.0.0.7; neither to
  169.254.169.254, and a public feed to none of them.
- Credentials (the configured URL's userinfo, as an Authorization header) go only to the
  feed's own host: once a redirect leaves it they are dropped for the rest of the fetch,
  and userinfo in a `Location` is never used.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from yarl import URL

MAX_REDIRECTS = 5

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressKind(StrEnum):
    """What kind of non-global address an address is."""

    LOOPBACK = "loopback"
    PRIVATE = "private"
    LINK_LOCAL = "link-local"
    MULTICAST = "multicast"
    UNSPECIFIED = "unspecified"
    RESERVED = "reserved"


_NETWORKS: tuple[tuple[str, AddressKind], ...] = (
    ("127.0.0.0/8", AddressKind.LOOPBACK),
    ("::1/128", AddressKind.LOOPBACK),
    ("0.0.0.0/8", AddressKind.UNSPECIFIED),  # "this network": 0.0.0.0 reaches this machine
    ("::/128", AddressKind.UNSPECIFIED),
    ("169.254.0.0/16", AddressKind.LINK_LOCAL),  # cloud metadata services live here
    ("fe80::/10", AddressKind.LINK_LOCAL),
    ("10.0.0.0/8", AddressKind.PRIVATE),
    ("172.16.0.0/12", AddressKind.PRIVATE),
    ("192.168.0.0/16", AddressKind.PRIVATE),
    ("100.64.0.0/10", AddressKind.PRIVATE),  # carrier-grade NAT
    ("fc00::/7", AddressKind.PRIVATE),
    ("fec0::/10", AddressKind.PRIVATE),  # deprecated site-local
    ("224.0.0.0/4", AddressKind.MULTICAST),
    ("ff00::/8", AddressKind.MULTICAST),
)
_KNOWN = tuple((ipaddress.ip_network(net), kind) for net, kind in _NETWORKS)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def parse_address(text: str) -> IPAddress | None:
    """An IP address from a host or a resolver's answer (brackets and a zone allowed)."""
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, IPv4-compatible)."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: IPAddress) -> AddressKind | None:
    """The kind of a non-global address; None for a global (public) one."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return address_kind(inner)
    plain = ipaddress.ip_address(address.compressed.split("%")[0])  # zone ids aside
    for network, kind in _KNOWN:
        if plain.version == network.version and plain in network:
            return kind
    if not plain.is_global:
        return AddressKind.RESERVED  # documentation, benchmarking, 240/4, 100::/64 …
    return None


def host_key(host: str | None) -> str:
    """A host name compared as DNS does: lower case, no trailing dot, no brackets."""
    return (host or "").strip("[]").rstrip(".").lower()


@dataclass(frozen=True, slots=True)
class RedirectPolicy:
    """The decisions for one feed: built from its configured URL, `http.redirect_hosts` and
    the addresses its own host resolved to."""

    origin: URL
    listed_hosts: frozenset[str]
    inside: frozenset[AddressKind]  # the non-global kinds of the feed's own addresses

    @classmethod
    def for_feed(
        cls, origin: URL, redirect_hosts: Iterable[str], own_addresses: Iterable[str]
    ) -> RedirectPolicy:
        kinds = set()
        for text in own_addresses:
            address = parse_address(text)
            kind = address_kind(address) if address is not None else None
            if kind is not None:
                kinds.add(kind)
        listed = frozenset(host_key(h) for h in redirect_hosts if host_key(h))
        return cls(origin, listed, frozenset(kinds))

    def is_own_host(self, url: URL) -> bool:
        """Same name and port as the feed, or the same name over https (443 or its port)."""
        if host_key(url.raw_host) != host_key(self.origin.raw_host):
            return False
        if url.scheme == self.origin.scheme and url.port == self.origin.port:
            return True
        return url.scheme == "https" and url.port in (443, self.origin.port)

    def host_refusal(self, target: URL) -> str | None:
        """Why a redirect may not go to `target`'s host, or None when it may."""
        if target.scheme not in ("http", "https"):
            return f"a {target.scheme or 'relative'} URL is not http(s)"
        if self.is_own_host(target):
            return None
        if host_key(target.raw_host) in self.listed_hosts:
            return None
        own, other = host_key(self.origin.raw_host), host_key(target.raw_host)
        return f"{other} is not the feed's own host ({own}) nor in http.redirect_hosts"

    def address_refusal(self, host: str, addresses: Sequence[str]) -> str | None:
        """Why `host`, resolved to `addresses`, may not be reached, or None when it may."""
        if not addresses:
            return f"{host} resolves to no address"
        for text in addresses:
            address = parse_address(text)
            if address is None:
                return f"{host} resolves to {text!r}, which is no IP address"
            kind = address_kind(address)
            if kind is not None and kind not in self.inside:
                where = host if host_key(host) == host_key(text) else f"{host} resolves to {text}"
                return f"{where}: a {kind.value} address, and the feed's own host is not one"
        return None
