"""Per-server settings and feedback votes in one SQLite file (stdlib sqlite3, WAL, versioned schema).

Calls are synchronous and thread-safe (one connection behind a lock); the bot runs them with
`asyncio.to_thread` so a slow disk never blocks the gateway. Several bot processes (shard ranges) may share
the file: WAL plus a busy timeout lets their writes queue instead of failing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger(__name__)

Language = Literal["auto", "en", "es"]
LANGUAGES: tuple[Language, ...] = ("auto", "en", "es")

# One entry per schema version: MIGRATIONS[n] takes a database from version n to n + 1 (PRAGMA user_version).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE guild_settings (
        guild_id INTEGER PRIMARY KEY,
        qa_channel_ids TEXT NOT NULL,
        forum_channel_ids TEXT NOT NULL,
        answer_in_threads INTEGER NOT NULL,
        quotes_per_answer INTEGER NOT NULL,
        public_answers INTEGER NOT NULL,
        language TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE votes (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        guild_id INTEGER,
        vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
        question TEXT NOT NULL,
        status TEXT NOT NULL,
        quote_ids TEXT NOT NULL,
        user TEXT NOT NULL,
        index_built_at TEXT
    );
    CREATE INDEX votes_by_guild ON votes (guild_id);
    CREATE TABLE imports (name TEXT PRIMARY KEY, rows INTEGER NOT NULL, time TEXT NOT NULL);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
VOTE_COLUMNS = ("time", "guild_id", "vote", "question", "status", "quote_ids", "user", "index_built_at")


class StorageError(Exception):
    """The settings database cannot be used (e.g. written by a newer bot)."""


@dataclass(frozen=True)
class GuildConfig:
    """What a server owner can change with /config; the environment gives a new server's values."""

    qa_channel_ids: frozenset[int] = field(default_factory=frozenset)
    forum_channel_ids: frozenset[int] = field(default_factory=frozenset)
    answer_in_threads: bool = False
    quotes_per_answer: int = 3
    public_answers: bool = True
    language: Language = "auto"


class Storage:
    """The bot's SQLite database: guild settings and votes."""

    def __init__(self, path: Path, defaults: GuildConfig | None = None) -> None:
        self.path = path
        self.defaults = defaults or GuildConfig()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._migrate()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def _migrate(self) -> None:
        with self._transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"{self.path} has schema version {version}, newer than this bot's {SCHEMA_VERSION}: "
                    "upgrade the bot or point DATABASE_FILE at another file."
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                log.info("Settings database %s migrated to schema version %d", self.path, number + 1)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn, self._lock)

    def schema_version(self) -> int:
        """The schema version stored in the file."""
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # -- guild settings ------------------------------------------------------------------------------------

    def guild_config(self, guild_id: int | None) -> GuildConfig:
        """A server's settings; the defaults for a server that never changed any (or outside a server)."""
        if guild_id is None:
            return self.defaults
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,)
            ).fetchone()
        return _from_row(row) if row is not None else self.defaults

    def update_guild(self, guild_id: int, change: Callable[[GuildConfig], GuildConfig]) -> GuildConfig:
        """Apply `change` to a server's settings atomically (read and write in one transaction)."""
        with self._transaction() as conn:
            row = conn.execute("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,)).fetchone()
            new = change(_from_row(row) if row is not None else self.defaults)
            values = _to_row(new)
            conn.execute(
                "INSERT OR REPLACE INTO guild_settings (guild_id, qa_channel_ids, forum_channel_ids, "
                "answer_in_threads, quotes_per_answer, public_answers, language, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, *values, _now()),
            )
        return new

    # -- votes ---------------------------------------------------------------------------------------------

    def record_vote(self, record: dict[str, Any]) -> None:
        """Store one vote (a `bot.feedback.feedback_record` dict)."""
        with self._transaction() as conn:
            conn.execute(_INSERT_VOTE, _vote_values(record))

    def vote_counts(self, guild_id: int | None) -> tuple[int, int]:
        """(up, down) votes cast in one server (None: outside servers)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT vote, COUNT(*) FROM votes WHERE guild_id IS ? GROUP BY vote", (guild_id,)
            ).fetchall()
        counts = dict(rows)
        return counts.get("up", 0), counts.get("down", 0)

    def votes(self) -> list[dict[str, Any]]:
        """Every vote, oldest first, as the dicts they were recorded from."""
        with self._lock:
            rows = self._conn.execute(f"SELECT {', '.join(VOTE_COLUMNS)} FROM votes ORDER BY id").fetchall()
        return [{**dict(row), "quote_ids": json.loads(row["quote_ids"])} for row in rows]

    def import_feedback_jsonl(self, path: Path) -> int | None:
        """Import the old JSONL feedback log once; the number of votes imported, or None if done before."""
        if not path.is_file():
            return None
        with self._transaction() as conn:
            if conn.execute("SELECT 1 FROM imports WHERE name = ?", (str(path.resolve()),)).fetchone():
                return None
            records = list(_read_jsonl(path))
            conn.executemany(_INSERT_VOTE, [_vote_values(r) for r in records])
            conn.execute(
                "INSERT INTO imports (name, rows, time) VALUES (?, ?, ?)",
                (str(path.resolve()), len(records), _now()),
            )
        log.info("Imported %d votes from %s into %s", len(records), path, self.path)
        return len(records)


class _Transaction:
    """`with` block: the lock plus BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.Lock) -> None:
        self.conn = conn
        self.lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self.lock.acquire()
        try:
            # IMMEDIATE takes the write lock up front, so two processes never both read-then-write.
            self.conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.lock.release()
            raise
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self.conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")
        finally:
            self.lock.release()


_INSERT_VOTE = f"INSERT INTO votes ({', '.join(VOTE_COLUMNS)}) VALUES ({', '.join('?' * len(VOTE_COLUMNS))})"


def _vote_values(record: dict[str, Any]) -> tuple[Any, ...]:
    if record.get("vote") not in ("up", "down"):
        raise ValueError(f"vote must be 'up' or 'down', not {record.get('vote')!r}")
    values = {**record, "quote_ids": json.dumps(record.get("quote_ids") or [])}
    return tuple(values.get(column) for column in VOTE_COLUMNS)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            log.warning("Skipping line %d of %s: not JSON", number, path)
            continue
        if isinstance(record, dict) and record.get("vote") in ("up", "down"):
            yield {"guild_id": None, "status": "", "question": "", "user": "", **record}


def _from_row(row: sqlite3.Row) -> GuildConfig:
    language: Language = row["language"] if row["language"] in LANGUAGES else "auto"
    return GuildConfig(
        qa_channel_ids=frozenset(json.loads(row["qa_channel_ids"])),
        forum_channel_ids=frozenset(json.loads(row["forum_channel_ids"])),
        answer_in_threads=bool(row["answer_in_threads"]),
        quotes_per_answer=int(row["quotes_per_answer"]),
        public_answers=bool(row["public_answers"]),
        language=language,
    )


def _to_row(config: GuildConfig) -> tuple[Any, ...]:
    values = asdict(config)
    return (
        json.dumps(sorted(values["qa_channel_ids"])),
        json.dumps(sorted(values["forum_channel_ids"])),
        int(config.answer_in_threads),
        config.quotes_per_answer,
        int(config.public_answers),
        config.language,
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def toggled(ids: frozenset[int], item: int, enabled: bool) -> frozenset[int]:
    """`ids` with `item` added (enabled) or removed."""
    return ids | {item} if enabled else ids - {item}
