"""Run the real bot (`python -m bot`) in a subprocess against a FakeDiscord, and a tiny corpus for it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from .server import FakeDiscord

# Settings the parent environment (or a developer's shell) must not leak into the bot under test.
_SETTING_PREFIXES = (
    "DISCORD_",
    "QA_",
    "ANSWER_",
    "ADMIN_",
    "RATE_",
    "MAX_",
    "INDEX_",
    "CORPUS_",
    "EMBEDDING_",
)

# name -> (title, date, url or None, text)
Article = tuple[str, str, str | None, str]

ARTICLES: dict[str, Article] = {
    "osorio.md": (
        "Osorio lifts the title",
        "2013-12-18",
        "https://news.example/osorio",
        "Juan Carlos Osorio won the league with Atlético Nacional in December 2013. "
        "The coach thanked the fans in Medellín after the final. "
        "His team had beaten Deportivo Cali over two legs.\n\n"
        "Osorio later coached the Mexican national team at the 2018 World Cup in Russia.",
    ),
    "volcano.md": (
        "Volcano eruption closes airport",
        "2021-03-02",
        None,
        "The Nevado del Ruiz volcano erupted on Tuesday, sending ash over Manizales. "
        "The city's airport was closed for three days while crews cleaned the runway. "
        "No injuries were reported by the authorities.",
    ),
    "coffee.md": (
        "Coffee harvest *doubles* @everyone",
        "2022-07-15",
        "https://news.example/coffee",
        "Colombian coffee growers reported that the harvest doubled this year. "
        "Prices at the **export** market rose by twenty percent. <@123456> said farmers were pleased.",
    ),
}


def write_article(corpus: Path, name: str, title: str, date: str, url: str | None, text: str) -> None:
    """Write one Markdown article with YAML front matter."""
    head = [f'title: "{title}"', f"date: {date}"] + ([f"url: {url}"] if url else [])
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / name).write_text("---\n" + "\n".join(head) + "\n---\n" + text + "\n", encoding="utf-8")


def write_corpus(corpus: Path, articles: Mapping[str, Article] = ARTICLES) -> None:
    """The tiny corpus the end-to-end tests ask about (or `articles`)."""
    for name, (title, date, url, text) in articles.items():
        write_article(corpus, name, title, date, url, text)


def clean_env(**settings: str) -> dict[str, str]:
    """The parent environment without bot/core settings, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(_SETTING_PREFIXES)}
    env.update({"EMBEDDING_MODEL": "hashing:256", "PYTHONUNBUFFERED": "1", **settings})
    return env


def build_index(
    env: dict[str, str], corpus: Path, index_dir: Path, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """`python -m index build` into `index_dir` (the CLI the operators use)."""
    cmd = [sys.executable, "-m", "index", "build", "--corpus", str(corpus), "--index-dir", str(index_dir)]
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=True)


class BotProcess:
    """`python -m bot` in a subprocess; output goes to a log file the test can read."""

    def __init__(self, fake: FakeDiscord, workdir: Path, **settings: str) -> None:
        self.fake = fake
        self.workdir = workdir
        self.log_path = workdir / "bot.log"
        self.env = clean_env(DISCORD_TOKEN=fake.token, DISCORD_API_BASE=fake.api_base, **settings)
        self.proc: subprocess.Popen[bytes] | None = None
        self._seen = (0, 0)

    def start(self) -> BotProcess:
        """Start the bot (cwd = workdir, so no developer .env is read)."""
        # What the fake saw before this process: wait_ready waits for this process's own session and sync.
        self._seen = (self.fake.sessions, len(self.fake.requests("PUT", r"/commands$")))
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def log(self) -> str:
        """Everything the bot has logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the bot identified on the gateway and synced its commands."""
        sessions, syncs = self._seen
        self.wait_until(lambda: self.fake.sessions > sessions, timeout, "the bot to IDENTIFY")
        self.wait_until(
            lambda: len(self.fake.requests("PUT", r"/commands$")) > syncs, timeout, "the commands to sync"
        )

    def wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        """Bounded polling; fails early (with the log) if the bot died."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"bot exited ({self.proc.returncode}) waiting for {what}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}:\n{self.log()}")
            time.sleep(0.05)

    def wait_exit(self, timeout: float = 60.0) -> int:
        """Wait for the process to end by itself; return its exit status."""
        assert self.proc is not None
        return self.proc.wait(timeout)

    @property
    def returncode(self) -> int | None:
        """The exit status once the process has ended (None while it runs or before it starts)."""
        return None if self.proc is None else self.proc.poll()

    def stop(self, timeout: float = 30.0, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send `sig` (SIGTERM; SIGINT is Ctrl-C), wait (kill only if it hangs); return the exit status."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise
        return self.proc.returncode


@contextmanager
def running_bot(
    work: Path,
    fake: FakeDiscord | None = None,
    *,
    articles: Mapping[str, Article] | None = ARTICLES,
    stop_signal: signal.Signals = signal.SIGTERM,
    **settings: str,
) -> Iterator[BotProcess]:
    """A ready bot in `work` against `fake` (or a new FakeDiscord); both stopped on the way out.

    `articles` are written to work/corpus and indexed into work/data/index first; with None, whatever is
    there already is used. A fake started here is stopped here; one the caller started stays up (to run
    a second bot against it). Read `bot.returncode` after the block for the exit status.
    """
    corpus, index_dir = work / "corpus", work / "data" / "index"
    if articles is not None:
        write_corpus(corpus, articles)
        build_index(clean_env(), corpus, index_dir, work)
    fake = fake if fake is not None else FakeDiscord()
    owned = not fake.started
    if owned:
        fake.start()
    bot = BotProcess(fake, work, **{"CORPUS_DIR": str(corpus), "INDEX_DIR": str(index_dir), **settings})
    try:
        bot.start().wait_ready()
        yield bot
    finally:
        try:
            bot.stop(sig=stop_signal)
        finally:
            if owned:
                fake.stop()
