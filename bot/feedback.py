"""👍/👎 votes, stored in the bot's SQLite database so operators can review misses (and export them)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.storage import VOTE_COLUMNS, Storage
from index.models import Answer, Quote

if TYPE_CHECKING:
    from bot.settings import BotSettings

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


def write_votes(votes: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    """Write votes as JSON lines or as CSV (quote ids space-separated)."""
    if fmt == "jsonl":
        for vote in votes:
            out.write(json.dumps(vote, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=list(VOTE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for vote in votes:
        writer.writerow({**vote, "quote_ids": " ".join(vote["quote_ids"])})


def feedback_command(argv: list[str], settings: BotSettings) -> int:
    """`python -m bot feedback export --format jsonl|csv [--out FILE]`: the votes, for review."""
    parser = argparse.ArgumentParser(prog="python -m bot feedback", description="Review 👍/👎 votes.")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="Write every vote, oldest first.")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--out", type=Path, help="File to write (default: standard output).")
    args = parser.parse_args(argv)
    storage = Storage(settings.database_file, settings.guild_defaults())
    try:
        storage.import_feedback_jsonl(settings.feedback_file)
        votes = storage.votes()
    finally:
        storage.close()
    if args.out is None:
        write_votes(votes, args.format, sys.stdout)
    else:
        with args.out.open("w", encoding="utf-8", newline="") as out:
            write_votes(votes, args.format, out)
        log.info("Wrote %d votes to %s", len(votes), args.out)
    return 0
