"""👍/👎 votes, stored in the bot's SQLite database so operators can review misses (and export them)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from bot.storage import Storage
from index.models import Answer, Quote

log = logging.getLogger(__name__)


def quote_id(quote: Quote) -> str:
    """A stable id for a quoted passage: article id plus character span."""
    return f"{quote.article_id}:{quote.start}-{quote.end}"


def hash_user(user_id: int) -> str:
    """sha256 of the Discord user id, so the database holds no raw ids."""
    return hashlib.sha256(str(user_id).encode()).hexdigest()


def feedback_record(
    answer: Answer, user_id: int, vote: str, now: dt.datetime | None = None, guild_id: int | None = None
) -> dict[str, object]:
    """The record stored for one vote."""
    return {
        "time": (now or dt.datetime.now(dt.UTC)).isoformat(),
        "guild_id": guild_id,
        "vote": vote,
        "question": answer.question,
        "status": answer.status,
        "quote_ids": [quote_id(q) for q in answer.quotes],
        "user": hash_user(user_id),
        "index_built_at": answer.index_built_at.isoformat() if answer.index_built_at else None,
    }


class FeedbackLog:
    """Records votes in the database; safe to call from several threads."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def record(self, answer: Answer, user_id: int, vote: str, guild_id: int | None = None) -> None:
        """Store a vote ("up" or "down") for this answer, cast in `guild_id` (None: outside servers)."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        self.storage.record_vote(feedback_record(answer, user_id, vote, guild_id=guild_id))
        log.info("Feedback recorded: %s (%s)", vote, answer.status)
