"""What a test can make happen in the fake Discord: people posting messages, running commands, clicking."""

from __future__ import annotations

from typing import Any

from . import payloads as p
from .routes import new_token


class Actions:
    """Mixed into FakeDiscord: builds gateway events as if a member did something."""

    world: Any
    message_content_granted: bool

    def dispatch(self, event: str, data: dict[str, Any]) -> None:  # provided by FakeDiscord
        """Send a gateway event."""
        raise NotImplementedError

    def post_message(
        self,
        content: str,
        *,
        channel_id: str | None = None,
        author: dict[str, Any] | None = None,
        mention_bot: bool = False,
        reply_to: dict[str, Any] | None = None,
        dm: bool = False,
    ) -> dict[str, Any]:
        """A member posts a message (MESSAGE_CREATE); returns the payload sent.

        Like Discord, the text is blanked when the bot lacks Message Content, unless the message mentions
        the bot, replies to it (a reply mentions its author) or is a DM.
        """
        w = self.world
        replying_to_bot = reply_to is not None and reply_to["author"]["id"] == w.app_id
        mentions = [w.bot_user] if mention_bot or replying_to_bot else []
        if mention_bot:
            content = f"<@{w.app_id}> {content}"
        if not (mentions or dm or self.message_content_granted):
            content = ""
        extra: dict[str, Any] = {}
        if reply_to is not None:
            extra = {
                "type": 19,
                "message_reference": {"message_id": reply_to["id"], "channel_id": reply_to["channel_id"]},
                "referenced_message": reply_to,
            }
        msg = p.message(
            channel_id=(w.dm_channel_id if dm else channel_id or w.channel_id),
            guild_id=None if dm else w.guild_id,
            author=author or w.asker,
            content=content,
            mentions=mentions,
            **extra,
        )
        self.dispatch("MESSAGE_CREATE", msg)
        return msg

    def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user: dict[str, Any] | None,
        permissions: str,
        roles: list[str],
        **extra: Any,
    ) -> dict[str, Any]:
        w = self.world
        interaction = {
            "id": p.snowflake(),
            "application_id": w.app_id,
            "type": kind,
            "data": data,
            "guild_id": w.guild_id,
            "channel_id": w.channel_id,
            "channel": {**p.text_channel(w.channel_id, "general", w.guild_id)},
            "member": {**p.member(user or w.asker, roles), "permissions": permissions},
            "token": new_token(),
            "version": 1,
            "app_permissions": p.ALL_PERMISSIONS,
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "authorizing_integration_owners": {"0": w.guild_id},
            "context": 0,
            **extra,
        }
        self.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    def slash(
        self,
        name: str,
        options: dict[str, str] | None = None,
        *,
        user: dict[str, Any] | None = None,
        permissions: str = p.MEMBER_PERMISSIONS,
        roles: list[str] | None = None,
    ) -> dict[str, Any]:
        """A member runs a slash command (INTERACTION_CREATE, type 2)."""
        opts = [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()]
        data = {
            "id": p.snowflake(),
            "name": name,
            "type": 1,
            "options": opts,
            "guild_id": self.world.guild_id,
        }
        return self._interaction(2, data, user, permissions, roles or [])

    def click(
        self, message: dict[str, Any], custom_id: str, *, user: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A member clicks a button on a message the bot sent (INTERACTION_CREATE, type 3)."""
        data = {"custom_id": custom_id, "component_type": 2}
        return self._interaction(3, data, user, p.MEMBER_PERMISSIONS, [], message=message)
