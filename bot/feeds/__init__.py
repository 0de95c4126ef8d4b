"""Feeds: fetch a results source and parse it into tallies (DESIGN §4)."""
