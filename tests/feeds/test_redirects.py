"""The redirect policy's decisions, as pure functions (DESIGN §4 Redirects): hosts, address
kinds, and the exemption of a feed whose own host is inside."""

from __future__ import annotations

import ipaddress

import pytest
from yarl import URL

from bot.feeds.redirects import AddressKind, RedirectPolicy, address_kind

PUBLIC = "93.184.216.34"  # only ever compared, never connected to


def policy(origin: str, own: list[str], listed: tuple[str, ...] = ()) -> RedirectPolicy:
    return RedirectPolicy.for_feed(URL(origin), listed, own)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", AddressKind.LOOPBACK),
        ("127.255.0.9", AddressKind.LOOPBACK),
        ("::1", AddressKind.LOOPBACK),
        ("10.0.0.1", AddressKind.PRIVATE),
        ("172.31.255.255", AddressKind.PRIVATE),
        ("192.168.1.5", AddressKind.PRIVATE),
        ("100.64.0.1", AddressKind.PRIVATE),
        ("fd12:3456::1", AddressKind.PRIVATE),
        ("169.254.169.254", AddressKind.LINK_LOCAL),
        ("fe80::1", AddressKind.LINK_LOCAL),
        ("fe80::1%eth0", AddressKind.LINK_LOCAL),
        ("224.0.0.1", AddressKind.MULTICAST),
        ("ff02::1", AddressKind.MULTICAST),
        ("0.0.0.0", AddressKind.UNSPECIFIED),
        ("::", AddressKind.UNSPECIFIED),
        ("192.0.2.7", AddressKind.RESERVED),
        ("240.0.0.1", AddressKind.RESERVED),
        ("::ffff:10.0.0.1", AddressKind.PRIVATE),
        ("::ffff:127.0.0.1", AddressKind.LOOPBACK),
        ("64:ff9b::a9fe:a9fe", AddressKind.LINK_LOCAL),  # NAT64 of 169.254.169.254
        ("2002:a9fe:a9fe::", AddressKind.LINK_LOCAL),  # 6to4 of it
        (PUBLIC, None),
        ("2606:4700:4700::1111", None),
        ("8.8.8.8", None),
    ],
)
def test_address_kinds(address: str, kind: AddressKind | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("origin", "target", "allowed"),
    [
        ("http://feeds.example.org/feed", "http://feeds.example.org/other", True),
        ("http://feeds.example.org/feed", "http://FEEDS.example.org./other", True),
        ("http://feeds.example.org/feed", "https://feeds.example.org/feed", True),
        ("http://feeds.example.org:8080/f", "https://feeds.example.org:8080/f", True),
        ("http://feeds.example.org:8080/f", "https://feeds.example.org/f", True),
        ("http://feeds.example.org:8080/f", "http://feeds.example.org:8081/f", False),
        ("http://feeds.example.org:8080/f", "http://feeds.example.org/f", False),
        ("http://feeds.example.org/feed", "http://cdn.example.org/feed", False),
        ("http://feeds.example.org/feed", "http://mirror.example.net/feed", True),
        ("http://feeds.example.org/feed", "https://MIRROR.example.net:8443/feed", True),
        ("http://feeds.example.org/feed", "ftp://feeds.example.org/feed", False),
    ],
)
def test_hosts_a_redirect_may_reach(origin: str, target: str, allowed: bool) -> None:
    rules = policy(origin, [PUBLIC], ("Mirror.Example.NET",))
    assert (rules.host_refusal(URL(target)) is None) is allowed


def test_https_to_http_on_the_same_host_is_refused() -> None:
    rules = policy("https://feeds.example.org/feed", [PUBLIC])
    why = rules.host_refusal(URL("http://feeds.example.org/feed"))
    assert why == (
        "feeds.example.org is not the feed's own host (feeds.example.org) nor in "
        "http.redirect_hosts"
    )


@pytest.mark.parametrize(
    "addresses",
    [["127.0.0.1"], ["169.254.169.254"], ["10.0.0.1"], [PUBLIC, "10.0.0.1"], ["::1"], ["0.0.0.0"]],
)
def test_a_public_feed_is_never_sent_inside(addresses: list[str]) -> None:
    rules = policy("https://feeds.example.org/feed", [PUBLIC], ("cdn.example.org",))
    why = rules.address_refusal("cdn.example.org", addresses)
    assert why is not None and "the feed's own host is not one" in why


def test_a_public_feed_may_go_to_public_addresses() -> None:
    rules = policy("https://feeds.example.org/feed", [PUBLIC])
    assert rules.address_refusal("cdn.example.org", [PUBLIC, "2606:4700:4700::1111"]) is None


def test_a_loopback_feed_may_reach_loopback_and_public_addresses_only() -> None:
    rules = policy("http://127.0.0.1:8080/feed", ["127.0.0.1"])
    assert rules.inside == {AddressKind.LOOPBACK}
    assert rules.address_refusal("127.0.0.2", ["127.0.0.2"]) is None
    assert rules.address_refusal("cdn.example.org", [PUBLIC]) is None
    assert rules.address_refusal("169.254.169.254", ["169.254.169.254"]) == (
        "169.254.169.254: a link-local address, and the feed's own host is not one"
    )
    assert rules.address_refusal("db.lan", ["10.0.0.1"]) == (
        "db.lan resolves to 10.0.0.1: a private address, and the feed's own host is not one"
    )


def test_a_lan_feed_may_reach_private_addresses_but_not_the_metadata_service() -> None:
    rules = policy("http://nas.lan/feed", ["192.168.1.5"], ("files.lan",))
    assert rules.address_refusal("files.lan", ["10.0.0.7"]) is None
    assert rules.address_refusal("files.lan", ["169.254.169.254"]) is not None
    assert rules.address_refusal("files.lan", ["127.0.0.1"]) is not None


def test_a_name_without_addresses_or_with_a_garbled_one_is_refused() -> None:
    rules = policy("http://127.0.0.1/feed", ["127.0.0.1"])
    assert rules.address_refusal("x.test", []) == "x.test resolves to no address"
    assert rules.address_refusal("x.test", ["not-an-ip"]) is not None
