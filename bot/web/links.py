"""Addresses of the status page, for posts that link an election's page (DESIGN §12)."""

from __future__ import annotations

from urllib.parse import quote


def election_path(election_id: str) -> str:
    """The page's path of one election: "/e/jfk8"."""
    return "/e/" + quote(election_id, safe="")


def election_url(public_url: str | None, election_id: str) -> str | None:
    """The election's page under `http.public_url` ("https://tally.example.org/e/jfk8"),
    or None when no public address is configured. Pure: no I/O, no config object."""
    if not public_url:
        return None
    return public_url.rstrip("/") + election_path(election_id)
