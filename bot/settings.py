"""Bot configuration: the core settings plus Discord's, from environment variables and `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

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
    discord_guild_id: int | None = Field(None, description="Also sync commands to this guild at start-up.")
    qa_channel_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Channels where every message is a question (comma-separated)."
    )
    answer_in_threads: bool = Field(False, description="Answer Q&A-channel messages in a thread.")
    admin_role_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Roles allowed to /reindex besides Manage Server."
    )
    rate_limit_questions: int = Field(5, ge=1, description="Questions per user per window.")
    rate_limit_seconds: float = Field(60.0, gt=0, description="Length of the rate-limit window.")
    max_in_flight: int = Field(4, ge=1, le=64, description="Questions answered at once, bot-wide.")
    busy_wait_seconds: float = Field(10.0, ge=0, description="How long a question waits for a free slot.")
    view_timeout_seconds: float = Field(
        600.0, gt=0, le=840, description="Buttons stop working after this (under the 15-minute token life)."
    )
    feedback_file: Path = Field(Path("data/feedback.jsonl"), description="Where 👍/👎 votes are appended.")
    health_file: Path = Field(
        Path("data/health.json"), description="Status read by `python -m bot healthcheck`."
    )
    discord_api_base: str | None = Field(
        None, description="REST base URL override, e.g. http://127.0.0.1:8080/api/v10 (tests only)."
    )
    log_level: str = Field("INFO", description="Log level for the bot (DEBUG shows question text).")

    @field_validator("qa_channel_ids", "admin_role_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        return _id_list(value)

    @field_validator("discord_token", "discord_guild_id", "discord_api_base", mode="before")
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

    @property
    def per_page(self) -> int:
        """Quotes per page of an answer: the best one plus supporting quotes (MAX_QUOTES)."""
        return self.max_quotes
