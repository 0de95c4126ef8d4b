"""REST routes that post: channel and DM messages, webhooks, interaction callbacks, followups."""

from __future__ import annotations

from typing import Any

from . import payloads
from .interactions import InteractionHandle
from .limits import Reply, error
from .payloads import Json
from .rest_world import Route, ok
from .state import Call, State

LOADING = 128  # message flag of a deferred ("thinking") response
EPHEMERAL = 64
_MESSAGE_TYPES = (4, 5, 7)
_EDITABLE = ("content", "embeds", "components", "flags", "allowed_mentions", "poll")


class MessageRoutes:
    """Posting routes; `nonce_window` and `callback_deadline` are in seconds."""

    def __init__(self, state: State, *, nonce_window: float, callback_deadline: float) -> None:
        self.state = state
        self.world = state.world
        self.nonce_window = nonce_window
        self.callback_deadline = callback_deadline

    def routes(self) -> list[Route]:
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        message = "/channels/{channel_id}/messages/{message_id}"
        return [
            Route("POST", "/channels/{channel_id}/messages", self.create, bucket="channel_id"),
            Route("PATCH", message, self.edit, bucket="channel_id"),
            Route("POST", hook, self.execute, bot_auth=False, bucket="webhook_id"),
            Route("GET", hook, self.get_webhook, bot_auth=False),
            Route("GET", hook + "/messages/@original", self.get_original, bot_auth=False),
            Route("PATCH", hook + "/messages/@original", self.edit_original, bot_auth=False),
            Route("DELETE", hook + "/messages/@original", self.delete_original, bot_auth=False),
            Route("GET", hook + "/messages/{message_id}", self.get_followup, bot_auth=False),
            Route(
                "PATCH",
                hook + "/messages/{message_id}",
                self.edit_webhook_message,
                bot_auth=False,
                bucket="webhook_id",
            ),
            Route(
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self.callback,
                bot_auth=False,
            ),
        ]

    async def create(self, call: Call) -> Reply:
        """POST /channels/{id}/messages, honouring `nonce` + `enforce_nonce`."""
        channel = self.world.channels.get(call.id("channel_id"))
        if channel is None:
            return error(404, 10003)
        first = self.state.nonce_hit(channel.id, call.body, call.now, self.nonce_window)
        if first is not None:
            return ok(first)
        author = payloads.user(self.world.bot)
        message = self.state.build_message(channel, call.body, author, call.uploads)
        self.state.record(channel, message)
        self.state.remember_nonce(channel.id, call.body, call.now, message)
        return ok(message)

    async def edit(self, call: Call) -> Reply:
        """PATCH /channels/{id}/messages/{id}: the bot edits one of its own messages."""
        channel = self.world.channels.get(call.id("channel_id"))
        if channel is None:
            return error(404, 10003)
        message = self.state.find_message(channel.id, call.id("message_id"))
        if message is None:
            return error(404, 10008)
        if message.get("webhook_id") or message["author"]["id"] != str(self.world.bot.id):
            return error(403, 50005)
        self.state.apply_edit(channel, message, call.body, call.uploads, call.now)
        return ok(message)

    async def edit_webhook_message(self, call: Call) -> Reply:
        """PATCH /webhooks/{id}/{token}/messages/{id}: a message the webhook sent, or an
        interaction followup (the application's own webhook)."""
        if self._interaction_of(call) is not None:
            return await self.edit_followup(call)
        webhook = self.world.webhooks.get(call.id("webhook_id"))
        if webhook is None or webhook.token != call.params["webhook_token"]:
            return error(404, 10015)
        channel = self.world.channels[webhook.channel_id]
        message = self.state.find_message(channel.id, call.id("message_id"))
        if message is None or message.get("webhook_id") != str(webhook.id):
            return error(404, 10008)
        self.state.apply_edit(channel, message, call.body, call.uploads, call.now)
        return ok(message)

    async def execute(self, call: Call) -> Reply:
        """POST /webhooks/{id}/{token}: a channel webhook, or an interaction followup."""
        handle = self._interaction_of(call)
        if handle is not None:
            return self._followup(call, handle)
        webhook = self.world.webhooks.get(call.id("webhook_id"))
        if webhook is None or webhook.token != call.params["webhook_token"]:
            return error(404, 10015)
        channel = self.world.channels[webhook.channel_id]
        name = call.body.get("username") or webhook.name
        author = payloads.webhook_author(webhook.id, name)
        message = self.state.build_message(
            channel, call.body, author, call.uploads, webhook_id=webhook.id
        )
        self.state.record(channel, message)
        return ok(message) if call.flag("wait") else Reply(204, None)

    async def get_webhook(self, call: Call) -> Reply:
        webhook = self.world.webhooks.get(call.id("webhook_id"))
        if webhook is None or webhook.token != call.params["webhook_token"]:
            return error(404, 10015)
        return ok(payloads.webhook(webhook))

    async def callback(self, call: Call) -> Reply:
        """POST /interactions/{id}/{token}/callback: the bot's one answer, within 3 seconds."""
        handle = self.state.interactions.get(call.id("interaction_id"))
        if handle is None or handle.token != call.params["interaction_token"]:
            return error(404, 10062)
        late = call.now - handle.created_at
        if late > self.callback_deadline:
            self.state.problem(
                "late interaction callback",
                call.method,
                call.path,
                f"{late:.2f} s after the interaction; Discord allows {self.callback_deadline} s",
            )
            return error(404, 10062)
        if handle.callbacks:
            self.state.problem("protocol", call.method, call.path, "interaction answered twice")
            return error(400, 40060)
        body: Json = call.body
        kind = body["type"]
        handle.callbacks.append(body)
        if kind in _MESSAGE_TYPES:
            self._set_original(handle, body.get("data") or {}, call, loading=kind == 5)
        self.state.changes.notify()
        if not call.flag("with_response"):
            return Reply(204, None)
        return ok(self._callback_answer(handle, kind))

    async def get_original(self, call: Call) -> Reply:
        handle = self._interaction_of(call)
        if handle is None:
            return error(404, 10015)
        return ok(handle.original) if handle.original else error(404, 10008)

    async def edit_original(self, call: Call) -> Reply:
        handle = self._interaction_of(call)
        if handle is None:
            return error(404, 10015)
        if handle.original is None:
            return error(404, 10008)
        handle.edits.append(call.body)
        self._set_original(handle, call.body, call, loading=False, edit=True)
        self.state.changes.notify()
        return ok(handle.original)

    async def delete_original(self, call: Call) -> Reply:
        handle = self._interaction_of(call)
        if handle is None or handle.original is None:
            return error(404, 10008)
        handle.original = None
        self.state.changes.notify()
        return Reply(204, None)

    async def get_followup(self, call: Call) -> Reply:
        handle = self._interaction_of(call)
        found = self._find_followup(handle, call.params["message_id"])
        return ok(found) if found else error(404, 10008)

    async def edit_followup(self, call: Call) -> Reply:
        handle = self._interaction_of(call)
        found = self._find_followup(handle, call.params["message_id"])
        if found is None:
            return error(404, 10008)
        found.update({k: v for k, v in call.body.items() if k in _EDITABLE})
        found["edited_timestamp"] = payloads.now_iso()
        self.state.changes.notify()
        return ok(found)

    def _followup(self, call: Call, handle: InteractionHandle) -> Reply:
        if not handle.callbacks:
            self.state.problem("protocol", call.method, call.path, "followup before any callback")
            return error(404, 10015)
        message = self._interaction_message(handle, call.body, call)
        handle.followups.append(message)
        self.state.changes.notify()
        return ok(message) if call.flag("wait") else Reply(204, None)

    def _interaction_of(self, call: Call) -> InteractionHandle | None:
        if call.id("webhook_id") != self.world.application_id:
            return None
        return self.state.interaction_by_token(call.params["webhook_token"])

    @staticmethod
    def _find_followup(handle: InteractionHandle | None, message_id: str) -> Json | None:
        followups = handle.followups if handle else []
        return next((m for m in followups if m["id"] == message_id), None)

    def _set_original(
        self,
        handle: InteractionHandle,
        data: Json,
        call: Call,
        *,
        loading: bool,
        edit: bool = False,
    ) -> None:
        if edit and handle.original is not None:
            original = handle.original
            original.update({k: v for k, v in data.items() if k in _EDITABLE})
            original["flags"] = int(original.get("flags") or 0) & ~LOADING
            original["edited_timestamp"] = payloads.now_iso()
            new = self._interaction_message(handle, data, call)
            if call.uploads or "attachments" in data:
                original["attachments"] = new["attachments"]
            return
        message = self._interaction_message(handle, data, call)
        if loading:
            message["flags"] = int(message["flags"]) | LOADING
        handle.original = message

    def _interaction_message(self, handle: InteractionHandle, data: Json, call: Call) -> Json:
        channel = self.world.channels[int(handle.payload["channel_id"])]
        author = payloads.user(self.world.bot)
        message = self.state.build_message(
            channel, data, author, call.uploads, webhook_id=self.world.application_id
        )
        message["application_id"] = str(self.world.application_id)
        if call.uploads:
            handle.files[int(message["id"])] = [(u.filename, u.data) for u in call.uploads]
        return message

    def _callback_answer(self, handle: InteractionHandle, kind: int) -> dict[str, Any]:
        """The `with_response` answer: `{"interaction": {...}, "resource": {...}}`."""
        original = handle.original if kind in _MESSAGE_TYPES else None
        flags = int(original["flags"]) if original else 0
        interaction: Json = {
            "id": str(handle.id),
            "type": handle.payload["type"],
            "response_message_loading": bool(flags & LOADING),
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }
        resource: Json = {"type": kind}
        if original is not None:
            interaction["response_message_id"] = original["id"]
            resource["message"] = original
        return {"interaction": interaction, "resource": resource}
