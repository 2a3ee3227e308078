"""What a test can make happen in the fake Discord: people posting messages, running commands, clicking."""

from __future__ import annotations

from typing import Any

from . import payloads as p
from .routes import new_token


class Actions:
    """Mixed into FakeDiscord: builds gateway events as if a member did something."""

    world: Any
    message_content_granted: bool
    threads: dict[str, dict[str, Any]]
    messages: dict[str, dict[str, Any]]

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

    def post_in_forum(
        self,
        title: str,
        content: str,
        *,
        forum_id: str | None = None,
        author: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Someone opens a forum post: THREAD_CREATE, then its starter message. Returns the thread."""
        w = self.world
        author = author or w.asker
        thread_id = p.snowflake()
        thread = p.forum_post(thread_id, title, forum_id or w.forum_channel_id, w.guild_id, author["id"])
        self.threads[thread_id] = thread
        if not self.message_content_granted:
            content = ""
        starter = p.message(channel_id=thread_id, guild_id=w.guild_id, author=author, content=content)
        starter["id"] = thread_id
        self.messages[thread_id] = starter
        self.dispatch("THREAD_CREATE", thread)
        self.dispatch("MESSAGE_CREATE", starter)
        return thread

    def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        user: dict[str, Any] | None,
        permissions: str,
        roles: list[str],
        *,
        locale: str = "en-US",
        where: str = "guild",
        channel: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Dispatch an interaction; `where` is "guild", "dm" (the user's DM with the bot) or "user_install"
        (a server that has not added the bot, where the user installed the app)."""
        w = self.world
        user = user or w.asker
        interaction: dict[str, Any] = {
            "id": p.snowflake(),
            "application_id": w.app_id,
            "type": kind,
            "data": data,
            "token": new_token(),
            "version": 1,
            "app_permissions": p.ALL_PERMISSIONS,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            **extra,
        }
        if where == "dm":
            interaction.update(
                channel_id=w.dm_channel_id,
                channel={"id": w.dm_channel_id, "type": 1, "recipients": [user]},
                user=user,
                authorizing_integration_owners={"1": user["id"]},
                context=1,
            )
        else:
            channel = channel or p.text_channel(w.channel_id, "general", w.guild_id)
            owners = {"0": w.guild_id} if where == "guild" else {"1": user["id"]}
            interaction.update(
                guild_id=w.guild_id,
                guild_locale="en-US",
                channel_id=channel["id"],
                channel=channel,
                member={**p.member(user, roles), "permissions": permissions},
                authorizing_integration_owners=owners,
                context=0,
            )
        self.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        user: dict[str, Any] | None = None,
        permissions: str = p.MEMBER_PERMISSIONS,
        roles: list[str] | None = None,
        **where: Any,
    ) -> dict[str, Any]:
        """A member runs a slash command (INTERACTION_CREATE, type 2); `options` values are str, int, bool or
        `channel_option(...)`; `where` takes locale=, where=, channel= (see `_interaction`)."""
        opts, resolved = command_options(options or {})
        if subcommand is not None:
            opts = [{"name": subcommand, "type": 1, "options": opts}]
        data: dict[str, Any] = {"id": p.snowflake(), "name": name, "type": 1, "options": opts}
        if where.get("where", "guild") != "dm":
            data["guild_id"] = self.world.guild_id
        if resolved:
            data["resolved"] = {"channels": resolved}
        return self._interaction(2, data, user, permissions, roles or [], **where)

    def context_menu(
        self, name: str, target: dict[str, Any], *, user: dict[str, Any] | None = None, **where: Any
    ) -> dict[str, Any]:
        """A member runs a message context-menu command (Apps -> `name`) on `target` (command type 3)."""
        data: dict[str, Any] = {
            "id": p.snowflake(),
            "name": name,
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: target}},
        }
        return self._interaction(2, data, user, p.MEMBER_PERMISSIONS, [], **where)

    def click(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        user: dict[str, Any] | None = None,
        permissions: str = p.MEMBER_PERMISSIONS,
        **where: Any,
    ) -> dict[str, Any]:
        """A member clicks a button on a message the bot sent (INTERACTION_CREATE, type 3)."""
        data = {"custom_id": custom_id, "component_type": 2}
        return self._interaction(3, data, user, permissions, [], message=message, **where)


def channel_option(channel: dict[str, Any]) -> dict[str, Any]:
    """A channel-typed slash option value (for `slash(options=...)`)."""
    return {"type": 7, "channel": channel}


def command_options(options: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Typed option payloads, and the `resolved.channels` that channel options need."""
    opts, resolved = [], {}
    for key, value in options.items():
        if isinstance(value, dict):
            channel = value["channel"]
            resolved[channel["id"]] = {**channel, "permissions": p.ALL_PERMISSIONS}
            opts.append({"name": key, "type": 7, "value": channel["id"]})
        else:
            kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
            opts.append({"name": key, "type": kind, "value": value})
    return opts, resolved
