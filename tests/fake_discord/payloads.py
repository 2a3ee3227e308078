"""JSON payloads shaped like Discord's, just complete enough for discord.py to parse them."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from aiohttp import web

_ids = itertools.count(1_300_000_000_000_000_000)

ALL_PERMISSIONS = str((1 << 50) - 1)
MEMBER_PERMISSIONS = str(0x400 | 0x800 | 0x4000 | 0x10000)  # view, send, embed links, read history
MANAGE_GUILD = 0x20


def snowflake() -> str:
    """A fresh, increasing id."""
    return str(next(_ids))


def now() -> str:
    """An ISO timestamp as Discord sends it."""
    return dt.datetime.now(dt.UTC).isoformat()


def user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    """A user object."""
    return {
        "id": user_id,
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "flags": 0,
        "public_flags": 0,
    }


def member(user_obj: dict[str, Any] | None, roles: list[str]) -> dict[str, Any]:
    """A guild member object (with `user` unless it rides along a message)."""
    data: dict[str, Any] = {"roles": roles, "joined_at": now(), "deaf": False, "mute": False, "flags": 0}
    if user_obj is not None:
        data["user"] = user_obj
    return data


def text_channel(channel_id: str, name: str, guild_id: str | None = None) -> dict[str, Any]:
    """A guild text channel."""
    data: dict[str, Any] = {
        "id": channel_id,
        "type": 0,
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }
    if guild_id:
        data["guild_id"] = guild_id
    return data


def thread_channel(thread_id: str, name: str, parent_id: str, guild_id: str, owner_id: str) -> dict[str, Any]:
    """A public thread started from a message."""
    return {
        "id": thread_id,
        "type": 11,
        "name": name,
        "guild_id": guild_id,
        "parent_id": parent_id,
        "owner_id": owner_id,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now(),
            "locked": False,
        },
        "flags": 0,
    }


def p_id(_w: Any) -> str:
    """A fresh id (for tags no test refers to)."""
    return snowflake()


def tag(tag_id: str, name: str) -> dict[str, Any]:
    """A forum tag."""
    return {"id": tag_id, "name": name, "moderated": False, "emoji_id": None, "emoji_name": None}


def forum_channel(channel_id: str, name: str, tags: list[dict[str, Any]]) -> dict[str, Any]:
    """A forum channel (type 15) with its available tags."""
    return {
        **text_channel(channel_id, name),
        "type": 15,
        "available_tags": tags,
        "default_reaction_emoji": None,
        "default_sort_order": None,
        "default_forum_layout": 0,
        "default_thread_rate_limit_per_user": 0,
        "flags": 0,
    }


def forum_post(thread_id: str, name: str, forum_id: str, guild_id: str, owner_id: str) -> dict[str, Any]:
    """A forum post's thread, as in THREAD_CREATE."""
    return {
        **thread_channel(thread_id, name, forum_id, guild_id, owner_id),
        "applied_tags": [],
        "newly_created": True,
    }


def role(role_id: str, name: str, permissions: str, *, bot_id: str | None = None) -> dict[str, Any]:
    """A role; with `bot_id` it is the bot's managed role."""
    data: dict[str, Any] = {
        "id": role_id,
        "name": name,
        "color": 0,
        "hoist": False,
        "position": 1 if bot_id else 0,
        "permissions": permissions,
        "managed": bot_id is not None,
        "mentionable": False,
        "flags": 0,
    }
    if bot_id:
        data["tags"] = {"bot_id": bot_id}
    return data


def message(
    *,
    channel_id: str,
    guild_id: str | None,
    author: dict[str, Any],
    content: str,
    author_roles: list[str] | None = None,
    mentions: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A message object, as sent in MESSAGE_CREATE or returned by REST."""
    data: dict[str, Any] = {
        "id": snowflake(),
        "type": 0,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions or [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": False,
        "flags": 0,
    }
    if guild_id:
        data["guild_id"] = guild_id
        data["member"] = member(None, author_roles or [])
    data.update(extra)
    return data


def jsonr(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response with exactly `application/json` (discord.py compares the header verbatim)."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)


def guild(w: Any) -> dict[str, Any]:
    """The GUILD_CREATE payload: one guild, a general and a Q&A channel, the bot as a member."""
    return {
        "id": w.guild_id,
        "name": "Test Guild",
        "icon": None,
        "owner_id": w.other["id"],
        "unavailable": False,
        "large": False,
        "member_count": 3,
        "joined_at": now(),
        "roles": [
            role(w.guild_id, "@everyone", MEMBER_PERMISSIONS),
            role(w.bot_role_id, "NewsQuote", ALL_PERMISSIONS, bot_id=w.app_id),
            role(w.admin_role_id, "Librarian", MEMBER_PERMISSIONS),
        ],
        "channels": [
            text_channel(w.channel_id, "general"),
            text_channel(w.qa_channel_id, "ask-the-news"),
            forum_channel(
                w.forum_channel_id,
                "news-questions",
                [tag(p_id(w), "Question"), tag(w.solved_tag_id, "Solved")],
            ),
            forum_channel(w.plain_forum_id, "chat", [tag(p_id(w), "Chat")]),
            forum_channel(w.unwatched_forum_id, "off-topic", []),
        ],
        "threads": [],
        "members": [member(w.bot_user, [w.bot_role_id])],
        "emojis": [],
        "stickers": [],
        "features": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "premium_tier": 0,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "preferred_locale": "en-US",
        "system_channel_id": None,
        "afk_channel_id": None,
        "afk_timeout": 300,
    }
