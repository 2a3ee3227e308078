"""REST API v10 handlers of the fake Discord: login, gateway, commands, messages, threads, interactions."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import payloads as p
from .payloads import jsonr

if TYPE_CHECKING:
    from .server import FakeDiscord

JSON_BODY: web.RequestKey[Any] = web.RequestKey("json_body", object)

API = "/api/v10"


class Routes:
    """The REST handlers, bound to one FakeDiscord."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.w = fake.world

    def register(self, app: web.Application) -> None:
        """Register every endpoint the bot uses; anything else gets a recorded 404."""
        r = app.router
        r.add_get(f"{API}/users/@me", self.users_me)
        r.add_get(f"{API}/oauth2/applications/@me", self.application)
        r.add_get(f"{API}/gateway/bot", self.gateway_bot)
        r.add_put(f"{API}/applications/{{app_id}}/commands", self.sync_commands)
        r.add_put(f"{API}/applications/{{app_id}}/guilds/{{guild_id}}/commands", self.sync_commands)
        r.add_post(f"{API}/channels/{{channel_id}}/messages", self.create_message)
        r.add_patch(f"{API}/channels/{{channel_id}}/messages/{{message_id}}", self.edit_message)
        r.add_delete(f"{API}/channels/{{channel_id}}/messages/{{message_id}}", self.no_content)
        r.add_post(f"{API}/channels/{{channel_id}}/typing", self.no_content)
        r.add_post(f"{API}/channels/{{channel_id}}/messages/{{message_id}}/threads", self.create_thread)
        r.add_post(f"{API}/interactions/{{interaction_id}}/{{token}}/callback", self.interaction_callback)
        r.add_post(f"{API}/webhooks/{{app_id}}/{{token}}", self.followup)
        r.add_patch(f"{API}/webhooks/{{app_id}}/{{token}}/messages/@original", self.edit_original)
        r.add_get(f"{API}/webhooks/{{app_id}}/{{token}}/messages/@original", self.get_original)
        r.add_patch(f"{API}/webhooks/{{app_id}}/{{token}}/messages/{{message_id}}", self.edit_message)
        r.add_get(f"{API}/channels/{{channel_id}}/messages/{{message_id}}", self.get_message)
        r.add_patch(f"{API}/channels/{{channel_id}}", self.edit_channel)
        r.add_route("*", API + "/{tail:.*}", self.not_found)

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.fake.token}"

    async def users_me(self, request: web.Request) -> web.Response:
        """GET /users/@me: the bot user, or 401 for a wrong token (discord.py's LoginFailure)."""
        if not self._authorized(request):
            return jsonr({"message": "401: Unauthorized", "code": 0}, status=401)
        return jsonr(self.w.bot_user)

    async def application(self, request: web.Request) -> web.Response:
        """GET /oauth2/applications/@me: the application info read at login."""
        return jsonr(
            {
                "id": self.w.app_id,
                "name": "NewsQuote",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.w.other,
                "verify_key": "0" * 64,
                "flags": 0,
                "interactions_endpoint_url": None,
            }
        )

    async def gateway_bot(self, request: web.Request) -> web.Response:
        """GET /gateway/bot: where the websocket is."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return jsonr({"url": self.fake.gateway_url, "shards": 1, "session_start_limit": limit})

    async def sync_commands(self, request: web.Request) -> web.Response:
        """PUT global or guild commands: echo them back with ids."""
        commands = request[JSON_BODY] or []
        guild_id = request.match_info.get("guild_id")
        out = [
            {"description": "", **c, "id": p.snowflake(), "application_id": self.w.app_id, "version": "1"}
            for c in commands
        ]
        for c in out:
            if guild_id:
                c["guild_id"] = guild_id
        return jsonr(out)

    async def create_message(self, request: web.Request) -> web.Response:
        """POST /channels/{id}/messages: store and return the message."""
        body = request[JSON_BODY] or {}
        channel_id = request.match_info["channel_id"]
        extra = {k: body[k] for k in ("embeds", "components", "message_reference") if k in body}
        msg = p.message(
            channel_id=channel_id,
            guild_id=self.w.guild_id,
            author=self.w.bot_user,
            content=body.get("content") or "",
            **extra,
        )
        self.fake.messages[msg["id"]] = msg
        return jsonr(msg)

    async def edit_message(self, request: web.Request) -> web.Response:
        """PATCH a message the bot sent, or a followup (disabled buttons; a private answer made public)."""
        msg = self.fake.messages.get(request.match_info["message_id"])
        if msg is None:
            return jsonr({"message": "Unknown Message", "code": 10008}, status=404)
        msg.update(
            {k: v for k, v in (request[JSON_BODY] or {}).items() if k in ("content", "embeds", "components")}
        )
        return jsonr(msg)

    async def no_content(self, request: web.Request) -> web.Response:
        """204 for typing and deletes."""
        return web.Response(status=204)

    async def create_thread(self, request: web.Request) -> web.Response:
        """POST /channels/{id}/messages/{id}/threads: a public thread (its id is the message id)."""
        body = request[JSON_BODY] or {}
        thread = p.thread_channel(
            request.match_info["message_id"],
            body.get("name", ""),
            request.match_info["channel_id"],
            self.w.guild_id,
            self.w.app_id,
        )
        return jsonr(thread, status=201)

    async def interaction_callback(self, request: web.Request) -> web.Response:
        """POST /interactions/{id}/{token}/callback, with_response=1 shape."""
        body = request[JSON_BODY] or {}
        interaction_id = request.match_info["interaction_id"]
        data = body.get("data") or {}
        if body.get("type") == 4:  # CHANNEL_MESSAGE_WITH_SOURCE: the response becomes @original
            msg = p.message(
                channel_id=self.w.channel_id,
                guild_id=self.w.guild_id,
                author=self.w.bot_user,
                content=data.get("content") or "",
            )
            msg.update({k: data[k] for k in ("embeds", "components", "flags") if k in data})
            self.fake.messages[msg["id"]] = msg
            self.fake.originals[request.match_info["token"]] = msg["id"]
        interaction = {
            "id": interaction_id,
            "type": 2,
            "response_message_loading": body.get("type") == 5,
            "response_message_ephemeral": bool(data.get("flags", 0) & 64),
        }
        return jsonr({"interaction": interaction, "resource": {"type": body.get("type")}})

    async def followup(self, request: web.Request) -> web.Response:
        """POST /webhooks/{app}/{token}: a followup message."""
        msg = self._interaction_message(
            request[JSON_BODY] or {}, ("embeds", "components", "flags"), webhook_id=self.w.app_id
        )
        self.fake.messages[msg["id"]] = msg
        return jsonr(msg)

    async def edit_original(self, request: web.Request) -> web.Response:
        """PATCH /webhooks/{app}/{token}/messages/@original."""
        return jsonr(self._interaction_message(request[JSON_BODY] or {}, ("embeds", "components")))

    def _interaction_message(
        self, body: dict[str, Any], keys: tuple[str, ...], **extra: Any
    ) -> dict[str, Any]:
        """The message an interaction webhook call posts, carrying the given fields of the request body."""
        msg = p.message(
            channel_id=self.w.channel_id,
            guild_id=self.w.guild_id,
            author=self.w.bot_user,
            content=body.get("content") or "",
            **extra,
        )
        msg.update({k: body[k] for k in keys if k in body})
        return msg

    async def get_original(self, request: web.Request) -> web.Response:
        """GET the message an interaction response posted."""
        message_id = self.fake.originals.get(request.match_info["token"])
        if message_id is None:
            return jsonr({"message": "Unknown Message", "code": 10008}, status=404)
        return jsonr(self.fake.messages[message_id])

    async def get_message(self, request: web.Request) -> web.Response:
        """GET one message (a forum post's starter message has the thread's id)."""
        msg = self.fake.messages.get(request.match_info["message_id"])
        if msg is None:
            return jsonr({"message": "Unknown Message", "code": 10008}, status=404)
        return jsonr(msg)

    async def edit_channel(self, request: web.Request) -> web.Response:
        """PATCH /channels/{id}: a thread's tags, name or archived state."""
        thread = self.fake.threads.get(request.match_info["channel_id"])
        if thread is None:
            return jsonr({"message": "Unknown Channel", "code": 10003}, status=404)
        body = request[JSON_BODY] or {}
        thread.update({k: v for k, v in body.items() if k in ("applied_tags", "name")})
        if "archived" in body:
            thread["thread_metadata"]["archived"] = body["archived"]
        return jsonr(thread)

    async def not_found(self, request: web.Request) -> web.Response:
        """Anything else: a 404 the test can see in the record."""
        return jsonr({"message": "404: Not Found (fake Discord)", "code": 0}, status=404)


def new_token() -> str:
    """An interaction token."""
    return secrets.token_urlsafe(24)
