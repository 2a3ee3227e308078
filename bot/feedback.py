"""👍/👎 votes appended to a JSONL file so operators can review misses."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from pathlib import Path

from index.models import Answer, Quote

log = logging.getLogger(__name__)


def quote_id(quote: Quote) -> str:
    """A stable id for a quoted passage: article id plus character span."""
    return f"{quote.article_id}:{quote.start}-{quote.end}"


def hash_user(user_id: int) -> str:
    """sha256 of the Discord user id, so the log holds no raw ids."""
    return hashlib.sha256(str(user_id).encode()).hexdigest()


def feedback_record(
    answer: Answer, user_id: int, vote: str, now: dt.datetime | None = None
) -> dict[str, object]:
    """The JSON object written for one vote."""
    return {
        "time": (now or dt.datetime.now(dt.UTC)).isoformat(),
        "vote": vote,
        "question": answer.question,
        "status": answer.status,
        "quote_ids": [quote_id(q) for q in answer.quotes],
        "user": hash_user(user_id),
        "index_built_at": answer.index_built_at.isoformat() if answer.index_built_at else None,
    }


class FeedbackLog:
    """Appends one JSON line per vote; safe to call from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, answer: Answer, user_id: int, vote: str) -> None:
        """Append a vote ("up" or "down") for this answer."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        line = json.dumps(feedback_record(answer, user_id, vote), ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        log.info("Feedback recorded: %s (%s)", vote, answer.status)
