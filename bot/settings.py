"""Bot configuration: the core settings plus Discord's, from environment variables and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from bot.storage import GuildConfig
from index.settings import CoreSettings


def _id_list(value: Any) -> Any:
    """Parse "1, 2,3" (as written in .env) into a list of ints; lists pass through."""
    if isinstance(value, str):
        return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, int):
        return [value]
    return value


class BotSettings(CoreSettings):
    """Everything `python -m bot` reads from the environment; nothing else in `bot/` reads it."""

    discord_token: SecretStr | None = Field(
        None, description="Bot token (DISCORD_TOKEN); required to connect."
    )
    message_content_intent: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Ask for the privileged Message Content intent: auto (fall back if refused), on, off.",
    )
    discord_guild_id: int | None = Field(None, description="Also sync commands to this guild at start-up.")
    qa_channel_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Channels where every message is a question (comma-separated)."
    )
    answer_in_threads: bool = Field(False, description="Answer Q&A-channel messages in a thread.")
    forum_channel_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Forum channels whose new posts get an answer (comma-separated)."
    )
    public_answers: bool = Field(
        True, description="/ask answers are public (false: only the asker sees them)."
    )
    language: Literal["auto", "en", "es"] = Field(
        "auto", description="Language of the bot's messages: auto (the member's), en or es."
    )
    database_file: Path = Field(
        Path("data/newsquote.sqlite3"), description="SQLite file for per-server settings and votes."
    )
    admin_role_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Roles allowed to /reindex besides Manage Server."
    )
    rate_limit_questions: int = Field(5, ge=1, description="Questions per user per window.")
    rate_limit_seconds: float = Field(60.0, gt=0, description="Length of the rate-limit window.")
    rate_limit_guild_questions: int = Field(
        60, ge=1, description="Questions per server per window (all members together)."
    )
    max_in_flight: int = Field(4, ge=1, le=64, description="Questions answered at once, bot-wide.")
    busy_wait_seconds: float = Field(10.0, ge=0, description="How long a question waits for a free slot.")
    view_timeout_seconds: float = Field(
        600.0, gt=0, le=840, description="Buttons stop working after this (under the 15-minute token life)."
    )
    stale_after_days: int = Field(
        365, ge=1, description="A question about the present whose quotes are all older than this is told so."
    )
    feedback_file: Path = Field(Path("data/feedback.jsonl"), description="Where 👍/👎 votes are appended.")
    health_file: Path = Field(
        Path("data/health.json"), description="Status read by `python -m bot healthcheck`."
    )
    discord_api_base: str | None = Field(
        None, description="REST base URL override, e.g. http://127.0.0.1:8080/api/v10 (tests only)."
    )
    reindex_memory_mb: int = Field(
        0, ge=0, description="Address-space cap of the /reindex build process in MB (0: none)."
    )
    reindex_timeout_seconds: float = Field(
        3600.0, gt=0, description="A /reindex build running longer than this is stopped."
    )
    log_level: str = Field("INFO", description="Log level for the bot (DEBUG shows question text).")
    discord_debug_payloads: bool = Field(
        False,
        description="Let discord.py's own loggers go to DEBUG with LOG_LEVEL=DEBUG: they then log every "
        "gateway payload (other users' messages) and interaction tokens.",
    )

    shard_count: int | None = Field(
        None, ge=1, description="Total shards (unset: as many as Discord recommends)."
    )
    shard_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Shards this process runs (comma-separated; empty: all)."
    )

    @field_validator("qa_channel_ids", "admin_role_ids", "forum_channel_ids", "shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        return _id_list(value)

    @field_validator("discord_token", "discord_guild_id", "discord_api_base", "shard_count", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        # `.env.example` leaves optional values blank; treat "" as unset rather than invalid.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("discord_api_base")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("DISCORD_API_BASE must be an http(s) URL ending in /api/v10")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _shards_in_range(self) -> BotSettings:
        if self.shard_ids and self.shard_count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT (the total number of shards across processes)")
        if self.shard_count is not None and any(i < 0 or i >= self.shard_count for i in self.shard_ids):
            raise ValueError(f"SHARD_IDS must be between 0 and SHARD_COUNT - 1 ({self.shard_count - 1})")
        return self

    def guild_defaults(self) -> GuildConfig:
        """The settings a server starts with, before /config changes any: taken from the environment."""
        return GuildConfig(
            qa_channel_ids=frozenset(self.qa_channel_ids),
            forum_channel_ids=frozenset(self.forum_channel_ids),
            answer_in_threads=self.answer_in_threads,
            quotes_per_answer=min(self.max_quotes, 10),
            public_answers=self.public_answers,
            language=self.language,
        )

    @property
    def per_page(self) -> int:
        """Quotes per page of an answer: the best one plus supporting quotes (MAX_QUOTES)."""
        return self.max_quotes
