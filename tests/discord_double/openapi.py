"""Discord's OpenAPI spec, made strict: route matching and request-body validation."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# jsonschema ships no type information (no py.typed) and no stubs are pinned.
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError, best_match  # type: ignore[import-untyped]
from referencing import Registry
from referencing.jsonschema import DRAFT202012

log = logging.getLogger(__name__)

SPEC_URI = "urn:discord-openapi"
CONTENT_LIMIT = 2000  # Discord's limit for bots; the spec says 4,000
EMBEDS_TOTAL_LIMIT = 6000
_METHODS = ("get", "put", "post", "patch", "delete")
_INTEGER_ID = {"type": "integer", "minimum": 0}


@dataclass(frozen=True)
class Operation:
    """One method on one path template of the spec, with its body validator (if any)."""

    method: str  # upper case
    template: str
    segments: tuple[str, ...]
    validator: Any | None  # a compiled Draft202012Validator for the JSON body
    body_required: bool

    def params(self, path_segments: list[str]) -> dict[str, str]:
        return {
            seg[1:-1]: value
            for seg, value in zip(self.segments, path_segments, strict=True)
            if seg.startswith("{")
        }


class OpenApiSpec:
    """The spec's operations, with `additionalProperties: false` imposed on request objects."""

    def __init__(self, document: dict[str, Any], strict: dict[str, Any]) -> None:
        self.document = document  # as published: for checking the double's own responses
        registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, DRAFT202012.create_resource(strict)
        )
        self._registry = registry.crawl()
        self._by_length: dict[int, list[Operation]] = {}
        for template, item in strict["paths"].items():
            for method in _METHODS:
                if method in item:
                    self._add(template, method, item[method])
        for ops in self._by_length.values():
            # Literal segments win over parameters: /users/@me before /users/{user_id}.
            ops.sort(key=lambda op: sum(s.startswith("{") for s in op.segments))

    def _add(self, template: str, method: str, op: dict[str, Any]) -> None:
        body = op.get("requestBody")
        validator = None
        if body and "application/json" in body["content"]:
            json_body = ("requestBody", "content", "application~1json", "schema")
            pointer = "/".join(["", "paths", _escape(template), method, *json_body])
            validator = Draft202012Validator(
                {"$ref": f"{SPEC_URI}#{pointer}"}, registry=self._registry
            )
        segments = tuple(template.strip("/").split("/"))
        operation = Operation(
            method.upper(), template, segments, validator, bool(body and body.get("required"))
        )
        self._by_length.setdefault(len(segments), []).append(operation)

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], bool]:
        """(operation, path params, whether the path exists for some other method)."""
        parts = path.strip("/").split("/")
        path_known = False
        for op in self._by_length.get(len(parts), []):
            if all(s.startswith("{") or s == p for s, p in zip(op.segments, parts, strict=True)):
                if op.method == method.upper():
                    return op, op.params(parts), True
                path_known = True
        return None, {}, path_known

    def operation(self, method: str, template: str) -> Operation | None:
        for op in self._by_length.get(len(template.strip("/").split("/")), []):
            if op.template == template and op.method == method.upper():
                return op
        return None

    def validate(self, op: Operation, body: Any) -> list[str]:
        """Schema errors for a request body (empty when valid)."""
        if body is None:
            return [f"{op.method} {op.template}: a request body is required"] * op.body_required
        if op.validator is None:
            return [f"{op.method} {op.template}: this route takes no JSON body"]
        return [_describe(e) for e in op.validator.iter_errors(body)]

    def response_validator(self, schema_name: str) -> Any:
        """A validator for one of the spec's own (non-strict) schemas, e.g. `ErrorResponse`."""
        schema = {"$ref": f"#/components/schemas/{schema_name}", **_components(self.document)}
        return Draft202012Validator(schema)


@functools.cache
def load_spec(path: Path) -> OpenApiSpec:
    """Load and compile the spec once per process (it is 1.2 MB)."""
    text = Path(path).read_text(encoding="utf-8")
    document = json.loads(text)
    strict = json.loads(text)
    _make_requests_strict(strict)
    _allow_what_discord_py_sends(strict["components"]["schemas"])
    log.debug("loaded the Discord OpenAPI spec from %s", path)
    return OpenApiSpec(document, strict)


def message_of(template: str, method: str, body: Any) -> dict[str, Any] | None:
    """The message a request creates or edits, for the limits the spec does not enforce."""
    if not isinstance(body, dict):
        return None
    if template.endswith("/callback"):
        data = body.get("data")
        return data if body.get("type") in (4, 7) and isinstance(data, dict) else None
    if template.startswith("/channels/{channel_id}/messages") and method in ("POST", "PATCH"):
        return body if template.count("/") <= 4 else None
    if template.startswith("/webhooks/{webhook_id}/{webhook_token}") and method in (
        "POST",
        "PATCH",
    ):
        return body
    return None


def limit_errors(message: dict[str, Any]) -> list[str]:
    """Discord's own limits: content ≤ 2,000 characters, all embeds ≤ 6,000 together."""
    errors = []
    content = message.get("content")
    if isinstance(content, str) and len(content) > CONTENT_LIMIT:
        errors.append(f"content: {len(content):,} characters, Discord allows {CONTENT_LIMIT:,}")
    total = sum(embed_length(e) for e in message.get("embeds") or [] if isinstance(e, dict))
    if total > EMBEDS_TOTAL_LIMIT:
        errors.append(f"embeds: {total:,} characters in all, Discord allows {EMBEDS_TOTAL_LIMIT:,}")
    return errors


def command_errors(template: str, method: str, body: Any) -> list[str]:
    """Discord's rule for slash command and option names, which the spec does not state:
    1 to 32 letters, digits, "-", "_" or "'", in lower case when the letter has one; the
    same for every localised name."""
    if not template.endswith("/commands") or method not in ("POST", "PUT"):
        return []
    commands = body if isinstance(body, list) else [body]
    errors: list[str] = []
    for index, command in enumerate(commands):
        if isinstance(command, dict) and command.get("type", 1) in (1, None):
            errors += _name_errors(command, f"{index}" if isinstance(body, list) else "")
    return errors


def _name_errors(item: dict[str, Any], where: str) -> list[str]:
    names = [("name", item.get("name"))]
    names += [
        (f"name_localizations/{k}", v) for k, v in (item.get("name_localizations") or {}).items()
    ]
    errors = [
        f"{where}/{key}: {name!r} is not a valid command or option name".lstrip("/")
        for key, name in names
        if isinstance(name, str) and not _is_command_name(name)
    ]
    for index, option in enumerate(item.get("options") or []):
        if isinstance(option, dict):
            errors += _name_errors(option, f"{where}/options/{index}")
    return errors


def _is_command_name(name: str) -> bool:
    if not 1 <= len(name) <= 32 or name != name.lower():
        return False
    return all(ch.isalnum() or ch in "-_'" for ch in name)


def embed_length(embed: dict[str, Any]) -> int:
    """Characters Discord counts in an embed: title, description, fields, footer, author."""
    fields = embed.get("fields") or []
    return (
        len(embed.get("title") or "")
        + len(embed.get("description") or "")
        + sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
        + len((embed.get("footer") or {}).get("text") or "")
        + len((embed.get("author") or {}).get("name") or "")
    )


def _make_requests_strict(spec: dict[str, Any]) -> None:
    """Forbid unknown keys in every object schema a request body can reach."""
    schemas = spec["components"]["schemas"]
    roots = []
    for item in spec["paths"].values():
        for method in _METHODS:
            body = item.get(method, {}).get("requestBody")
            if body and "application/json" in body["content"]:
                roots.append(body["content"]["application/json"]["schema"])
    reached: set[str] = set()
    pending = list(roots)
    while pending:
        node = pending.pop()
        for ref in _refs(node):
            name = ref.rsplit("/", 1)[-1]
            if name not in reached:
                reached.add(name)
                pending.append(schemas[name])
    locales = {"enum": [item["const"] for item in schemas["AvailableLocalesEnum"]["oneOf"]]}
    for node in [*roots, *(schemas[name] for name in reached)]:
        _forbid_unknown_keys(node)
        _localisations_by_locale(node, locales)


def _localisations_by_locale(node: Any, locales: dict[str, Any]) -> None:
    """Localisation maps are keyed by Discord's own locales ("es-ES", "es-419"), which the
    spec lists (AvailableLocalesEnum) but does not require of the keys."""
    if isinstance(node, dict):
        for key in ("name_localizations", "description_localizations"):
            found = node.get("properties", {}).get(key)
            if isinstance(found, dict):
                found["propertyNames"] = locales
        for value in node.values():
            _localisations_by_locale(value, locales)
    elif isinstance(node, list):
        for value in node:
            _localisations_by_locale(value, locales)


def _forbid_unknown_keys(node: Any) -> None:
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _forbid_unknown_keys(value)
    elif isinstance(node, list):
        for value in node:
            _forbid_unknown_keys(value)


def _allow_what_discord_py_sends(schemas: dict[str, Any]) -> None:
    """Exactly the keys discord.py 2.7 sends that the spec lacks or types differently."""
    schemas["RichEmbed"]["properties"]["flags"] = {"type": ["integer", "null"]}
    for name in (
        "ApplicationCommandCreateRequest",
        "ApplicationCommandUpdateRequest",
        "ApplicationCommandPatchRequestPartial",
    ):
        schemas[name]["properties"]["nsfw"] = {"type": ["boolean", "null"]}
    for name in (
        "IncomingWebhookUpdateRequestPartial",
        "IncomingWebhookUpdateForInteractionCallbackRequestPartial",
        "MessageEditRequestPartial",
    ):
        schemas[name]["properties"]["tts"] = {"type": ["boolean", "null"]}
    roles = schemas["MessageAllowedMentionsRequest"]["properties"]["roles"]
    roles["items"] = {"oneOf": [*roles["items"]["oneOf"], _INTEGER_ID]}
    # Two more the DESIGN's list misses, both on paths the bot uses: discord.py numbers new
    # uploads by their index (`File.to_dict(index)`), and opens DMs with an integer user id.
    attachment = schemas["MessageAttachmentRequest"]["properties"]
    attachment["id"] = {"oneOf": [attachment["id"], _INTEGER_ID]}
    dm = schemas["CreatePrivateChannelRequest"]["properties"]
    dm["recipient_id"] = {"oneOf": [*dm["recipient_id"]["oneOf"], _INTEGER_ID]}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _components(document: dict[str, Any]) -> dict[str, Any]:
    return {"components": document["components"]}


def _meant_branch(errors: list[ValidationError]) -> list[ValidationError] | None:
    """The errors of the branch the body was meant for: right kind, then fewest errors."""
    branches: dict[Any, list[ValidationError]] = {}
    for error in errors:
        branches.setdefault(error.schema_path[0], []).append(error)
    plausible = [errs for errs in branches.values() if not any(map(_wrong_kind, errs))]
    if not plausible:
        return None
    return min(plausible, key=lambda errs: sum(map(_leaves, errs)))


def _wrong_kind(error: ValidationError) -> bool:
    """The branch is for another kind of value: not even its JSON type, or its `type` key."""
    where = list(error.relative_path)
    return (error.validator == "type" and not where) or where == ["type"]


def _leaves(error: ValidationError) -> int:
    return sum(map(_leaves, error.context)) if error.context else 1


def _escape(template: str) -> str:
    return template.replace("~", "~0").replace("/", "~1")


def _describe(error: ValidationError) -> str:
    """The most relevant failure, descending into the anyOf/oneOf branch meant."""
    while error.context:
        branch = _meant_branch(error.context)
        if branch is None:
            kinds = sorted(
                {
                    json.dumps(e.validator_value)
                    for e in error.context
                    if e.validator == "type" and not list(e.relative_path)
                }
            )
            if kinds:
                return f"{_where(error)}: {error.instance!r} is none of {', '.join(kinds)}"
            return f"{_where(error)}: no variant accepts {json.dumps(error.instance)[:200]}"
        error = best_match(branch)
    return f"{_where(error)}: {error.message}"


def _where(error: ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(body)"
