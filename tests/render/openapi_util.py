"""Validators for request bodies from Discord's OpenAPI spec, with unknown keys forbidden.

The spec lets almost every request object carry unknown keys, so a body with a misspelt
key would pass. `strict_spec` imposes `additionalProperties: false` on every object schema
that lists its properties (object members of an `allOf` are merged first, since each would
otherwise refuse the other's keys). `request_validator` then validates one operation's
request body, resolving the spec's `$ref`s through a `referencing` registry.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_URI = "urn:discord-openapi"
_REQUEST_KEY = "x-tallybot-request"
MESSAGE_CREATE = ("/channels/{channel_id}/messages", "post")
WEBHOOK_EXECUTE = ("/webhooks/{webhook_id}/{webhook_token}", "post")

Schema = dict[str, Any]

_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA = ("items", "not", "contains", "if", "then", "else", "propertyNames")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")


def spec_path(shared_dir: Path) -> Path:
    return shared_dir / "discord-openapi" / "openapi.json"


@cache
def _load(path: str) -> Schema:
    with open(path, encoding="utf-8") as handle:
        loaded: Schema = json.load(handle)
    return loaded


def load_spec(shared_dir: Path) -> Schema:
    """The spec as published (a fresh copy, so callers may change it)."""
    return copy.deepcopy(_load(str(spec_path(shared_dir))))


def _resolve_local(doc: Schema, schema: Schema) -> Schema:
    """Follow `$ref: "#/…"` chains within the document."""
    while "$ref" in schema and str(schema["$ref"]).startswith("#/"):
        node: Any = doc
        for part in str(schema["$ref"])[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def _is_object_schema(schema: Schema) -> bool:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return "properties" in schema or "object" in kinds


def _merge_all_of(doc: Schema, schema: Schema) -> None:
    """Replace an allOf of object schemas with one object schema holding all their keys."""
    members = [_resolve_local(doc, m) for m in schema.get("allOf", [])]
    if not members or not all(_is_object_schema(m) for m in members):
        return
    properties: Schema = dict(schema.get("properties", {}))
    required: list[str] = list(schema.get("required", []))
    for member in members:
        properties.update(member.get("properties", {}))
        required.extend(r for r in member.get("required", []) if r not in required)
    del schema["allOf"]
    schema.setdefault("type", "object")
    schema["properties"] = properties
    if required:
        schema["required"] = required


def _make_strict(doc: Schema, schema: Any) -> None:
    """Forbid unknown keys in `schema` and every schema nested in it (in place)."""
    if not isinstance(schema, dict):
        return
    _merge_all_of(doc, schema)
    for keyword in _SUBSCHEMA_LISTS:
        for member in schema.get(keyword, []):
            _make_strict(doc, member)
    for keyword in _SUBSCHEMA:
        _make_strict(doc, schema.get(keyword))
    for keyword in _SUBSCHEMA_MAPS:
        for member in schema.get(keyword, {}).values():
            _make_strict(doc, member)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        _make_strict(doc, extra)
    if "properties" in schema and "additionalProperties" not in schema:
        schema["additionalProperties"] = False


def strict_spec(spec: Schema, extra_keys: Mapping[str, Iterable[str]] | None = None) -> Schema:
    """A copy of `spec` whose component and request-body schemas refuse unknown keys.

    `extra_keys` allows named keys on named component schemas, for keys a client is known
    to send although the spec lacks them (e.g. {"RichEmbed": ["flags"]} for discord.py).
    """
    doc = copy.deepcopy(spec)
    for name, keys in (extra_keys or {}).items():
        properties = doc["components"]["schemas"][name].setdefault("properties", {})
        properties.update({key: {} for key in keys})
    for schema in doc["components"]["schemas"].values():
        _make_strict(doc, schema)
    for operations in doc["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody", {}) if isinstance(operation, dict) else {}
            for media in body.get("content", {}).values():
                _make_strict(doc, media.get("schema"))
    return doc


def request_schema(
    spec: Schema, path: str, method: str, content_type: str = "application/json"
) -> Schema:
    """The request body schema of one operation (it may be a `$ref`)."""
    operation = spec["paths"][path][method.lower()]
    schema: Schema = operation["requestBody"]["content"][content_type]["schema"]
    return schema


def _format_checker() -> FormatChecker:
    """Checks for the formats the message schemas use; jsonschema's own need extra
    packages that the project does not install."""
    checker = FormatChecker(formats=())

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and not any(ch.isspace() for ch in value)

    @checker.checks("date-time")
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return False
        return moment.tzinfo is not None  # RFC 3339 requires an offset

    @checker.checks("snowflake")
    def is_snowflake(value: object) -> bool:
        return not isinstance(value, str) or value.isdigit()

    return checker


def request_validator(
    spec: Schema,
    path: str,
    method: str,
    content_type: str = "application/json",
    *,
    extra_keys: Mapping[str, Iterable[str]] | None = None,
) -> Draft202012Validator:
    """A validator of one operation's request body, unknown keys forbidden throughout."""
    doc = strict_spec(spec, extra_keys)
    doc[_REQUEST_KEY] = request_schema(doc, path, method, content_type)
    resource = Resource.from_contents(doc, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/{_REQUEST_KEY}"},
        registry=registry,
        format_checker=_format_checker(),
    )


def validation_errors(validator: Draft202012Validator, body: Any) -> list[str]:
    """Every problem with `body`, as "path: message" lines (empty when it is valid)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(body)
    ]
