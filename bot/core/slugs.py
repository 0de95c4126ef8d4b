"""The shapes of identifiers every edge checks the same way: election and feed slugs,
NLRB case numbers, units and round names (DESIGN §4, §6; feed v1 schema)."""

from __future__ import annotations

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
CASE_PATTERN = r"^[0-9]{2}-[A-Z]{2}-[0-9]{6}$"
UNIT_PATTERN = r"^[A-Z]$"
ROUND_PATTERN = r"^(initial|rerun|runoff|revised)(-[a-z0-9]+)*$"
ROUND_MAX = 40  # the store's round column
SHORT_NAME_MAX = 40
