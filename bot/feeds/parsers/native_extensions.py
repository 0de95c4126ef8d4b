"""Feed v1 extensions (`x-` keys, spec/feed-v1.schema.json): the strict models refuse
them, so an election is validated without them; and the keys of a parsed JSON tree are
counted with them (the repeated-key check compares that count with the bytes').

Shared by the full parse (native.py) and the delta parse (native_delta.py), so an election
with extensions reads the same through both.
"""

from __future__ import annotations

from bot.feeds.parsers.native_models import CHOICE_KEYS, ELECTION_KEYS

_ELECTION_KEYS = frozenset(ELECTION_KEYS)
_CHOICE_KEYS = frozenset(CHOICE_KEYS)


def without_extensions(item: object) -> object:
    """An election without its `x-` keys and its choices' (a copy only when it has some;
    an object holding only known keys is passed by one set comparison)."""
    if type(item) is not dict:
        return item
    choices = item.get("choices")
    if type(choices) is list:
        for choice in choices:
            if type(choice) is dict and not choice.keys() <= _CHOICE_KEYS:
                item = {**item, "choices": [_without_extensions_of(c) for c in choices]}
                break
    return item if item.keys() <= _ELECTION_KEYS else _without_extensions_of(item)


def _without_extensions_of(item: object) -> object:
    if type(item) is not dict:
        return item
    return {key: value for key, value in item.items() if key[:2] != "x-"}


def count_keys(tree: object) -> int:
    """How many keys the objects of a parsed JSON tree hold, all levels (`type() is`, not
    isinstance: the tree holds JSON's own types only, and this runs on every value)."""
    count, stack = 0, [tree]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            count += len(node)
            for value in node.values():
                if type(value) is dict or type(value) is list:
                    stack.append(value)
        elif type(node) is list:
            for value in node:
                if type(value) is dict or type(value) is list:
                    stack.append(value)
    return count
