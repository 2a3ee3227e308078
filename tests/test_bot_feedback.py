"""Votes in the database: the old JSONL log imported once, `python -m bot feedback export`, /about counts."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fake_discord import FakeDiscord
from fake_discord.fakes import FakeAnswerer, make_quote
from fake_discord.harness import build_index, clean_env, running_bot, write_corpus

from bot.feedback import feedback_record
from bot.storage import Storage

pytestmark = pytest.mark.timeout(120)

OLD_LINES = [
    {
        "time": "2024-05-01T12:00:00+00:00",
        "vote": "down",
        "question": "who won?",
        "status": "answered",
        "quote_ids": ["osorio:0-74"],
        "user": "ab" * 32,
        "index_built_at": None,
    },
    {
        "time": "2024-05-02T12:00:00+00:00",
        "vote": "up",
        "question": "¿quién ganó?",
        "status": "answered",
        "quote_ids": [],
        "user": "cd" * 32,
        "index_built_at": "2024-05-01T11:00:00+00:00",
    },
]


def write_old_log(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in OLD_LINES) + "not json\n")
    return path


def test_the_old_jsonl_log_is_imported_once(tmp_path: Path) -> None:
    old = write_old_log(tmp_path / "feedback.jsonl")
    storage = Storage(tmp_path / "bot.sqlite3")
    assert storage.import_feedback_jsonl(old) == 2
    assert storage.import_feedback_jsonl(old) is None  # a restart does not import it again
    votes = storage.votes()
    assert [v["vote"] for v in votes] == ["down", "up"] and votes[0]["quote_ids"] == ["osorio:0-74"]
    assert votes[1]["question"] == "¿quién ganó?" and storage.vote_counts(None) == (1, 1)


def export(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(
        DATABASE_FILE=str(tmp_path / "bot.sqlite3"), FEEDBACK_FILE=str(tmp_path / "feedback.jsonl")
    )
    cmd = [sys.executable, "-m", "bot", "feedback", "export", *args]
    return subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_feedback_export_as_jsonl_and_csv(tmp_path: Path) -> None:
    write_old_log(tmp_path / "feedback.jsonl")
    storage = Storage(tmp_path / "bot.sqlite3")
    answer = FakeAnswerer([make_quote(article_id="a1")]).ask("who coached Mexico?")
    storage.record_vote(feedback_record(answer, 42, "up", guild_id=7))
    storage.close()
    done = export(tmp_path, "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(v["vote"], v["guild_id"]) for v in lines] == [("up", 7), ("down", None), ("up", None)]
    assert lines[0]["quote_ids"] == [f"a1:0-{len(answer.quotes[0].text)}"] and "42" not in lines[0]["user"]
    out = tmp_path / "votes.csv"
    assert export(tmp_path, "--format", "csv", "--out", str(out)).returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 3 and rows[0]["question"] == "who coached Mexico?" and rows[0]["guild_id"] == "7"
    bad = export(tmp_path, "--format", "xml")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_about_shows_this_servers_votes_and_the_old_log_is_imported_at_start(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "data" / "index"
    write_corpus(corpus)
    build_index(clean_env(), corpus, index_dir, tmp_path)
    write_old_log(tmp_path / "data" / "feedback.jsonl")
    fake = FakeDiscord()  # started with the bot; its ids are known now
    storage = Storage(tmp_path / "data" / "newsquote.sqlite3")
    answer = FakeAnswerer().ask("who?")
    for vote, guild in [
        ("up", fake.world.guild_id),
        ("up", fake.world.guild_id),
        ("down", fake.world.guild_id),
        ("down", "99"),
    ]:
        storage.record_vote(feedback_record(answer, 1, vote, guild_id=int(guild)))
    storage.close()
    with running_bot(tmp_path, fake, articles=None) as bot:
        for locale, name in [("en-US", "Feedback in this server"), ("es-ES", "Opiniones en este servidor")]:
            about = fake.slash("about", locale=locale)
            body = fake.wait_for("POST", rf"^/interactions/{about['id']}/").body
            fields = {f["name"]: f["value"] for f in body["data"]["embeds"][0]["fields"]}
            assert fields[name] == "👍 2 · 👎 1"
    assert bot.returncode == 0
    storage = Storage(tmp_path / "data" / "newsquote.sqlite3")
    assert storage.vote_counts(None) == (1, 1)  # the two old votes, imported once at start-up
