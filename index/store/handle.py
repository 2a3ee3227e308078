"""A live view of the current index generation that follows rebuilds: the first question after one sees it."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from index.errors import NewsQuoteError
from index.store.engine import EmbeddedEngine, IndexEngine
from index.store.generations import Snapshot
from index.store.manifest import check_model

log = logging.getLogger(__name__)


class IndexHandle:
    """Serves the loaded snapshot; a new generation is loaded as soon as `current` (or the alias) moves.

    With `watch`, a thread looks at the `current` link every `check_interval` seconds and loads a new
    generation before any question needs it. Whatever the watcher saw, every `snapshot()` reads the link (one
    readlink), and a question that finds a newer generation than the one loaded waits up to `load_wait`
    seconds for it rather than being answered from the old one.
    """

    def __init__(
        self,
        index_dir: Path,
        model: str,
        check_interval: float = 0.5,
        *,
        watch: bool = False,
        load_wait: float = 10.0,
        engine: IndexEngine | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.engine: IndexEngine = engine or EmbeddedEngine()
        self._model = model
        self._interval = max(check_interval, 0.05)
        self._watch = watch
        self._load_wait = load_wait
        self._snapshot: Snapshot | None = None
        self._failed: Path | None = None
        self._pending: Path | None = None  # the generation being loaded in the background
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._first_load = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._closed = threading.Event()

    def snapshot(self) -> Snapshot | None:
        """The current generation (None when no index exists); waits (bounded) for one still loading."""
        self._start_watching()
        target = self.engine.current(self.index_dir)
        if target is None or target == self._failed:
            return self._snapshot
        if self._snapshot is None:
            return self._load_first(target)
        if self._snapshot.path != target:
            self._wait_for(target)
        return self._snapshot

    def reload(self) -> Snapshot | None:
        """Load the current generation now, in this thread (start-up, after a build, tests)."""
        target = self.engine.current(self.index_dir)
        if target is not None and (self._snapshot is None or self._snapshot.path != target):
            self._install(self._load(target))
        self._start_watching()
        return self._snapshot

    def loaded(self) -> Snapshot | None:
        """The snapshot served right now, without looking for a newer generation."""
        return self._snapshot

    def close(self) -> None:
        """Stop watching for new generations."""
        self._closed.set()

    def _load_first(self, target: Path) -> Snapshot | None:
        # Nothing to serve yet: load in the caller's thread, so that an unusable index raises to the caller.
        with self._first_load:
            if self._snapshot is None:
                self._install(self._load(target))
        return self._snapshot

    def _wait_for(self, target: Path) -> None:
        """Load `target` (or join its load) and wait until it is served, up to `load_wait` seconds."""
        started = time.monotonic()
        deadline = started + self._load_wait
        with self._changed:
            while self._snapshot is not None and self._snapshot.path != target and target != self._failed:
                if self._pending is None:
                    self._start_load_locked(target)
                left = deadline - time.monotonic()
                if left <= 0:
                    log.warning(
                        "Answered from the previous index: %s is still loading after %.0fs",
                        target.name,
                        time.monotonic() - started,
                    )
                    return
                self._changed.wait(left)

    def _start_watching(self) -> None:
        if not self._watch or self._watcher is not None:
            return
        with self._lock:
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch_loop, name="index-watch", daemon=True)
                self._watcher.start()

    def _watch_loop(self) -> None:
        """Poll the `current` link (a readlink: microseconds) and load a new generation at once."""
        while not self._closed.wait(self._interval):
            try:
                target = self.engine.current(self.index_dir)
            except NewsQuoteError as exc:
                log.debug("Not watching this time: %s", exc)
                continue
            if target is None or target == self._failed:
                continue
            with self._lock:
                loaded = self._snapshot
                if loaded is not None and loaded.path != target and self._pending is None:
                    self._start_load_locked(target)

    def _start_load_locked(self, target: Path) -> None:
        self._pending = target
        threading.Thread(target=self._load_in_background, args=(target,), daemon=True).start()

    def _load(self, target: Path) -> Snapshot:
        started = time.perf_counter()
        snap = self.engine.load(target)
        check_model(snap.manifest, self._model, self.index_dir)
        log.info(
            "Loaded index %s (%d chunks) in %.2fs",
            target.name,
            snap.manifest.chunks,
            time.perf_counter() - started,
        )
        return snap

    def _install(self, snap: Snapshot) -> None:
        with self._changed:
            self._snapshot = snap  # one reference swap: questions in flight keep the old snapshot
            self._changed.notify_all()

    def _load_in_background(self, target: Path) -> None:
        try:
            self._install(self._load(target))
        except NewsQuoteError as exc:
            self._failed = target
            log.error("Keeping the previous index: the new one cannot be used: %s", exc)
        except Exception:
            self._failed = target
            log.exception("Keeping the previous index: loading %s failed", target)
        finally:
            with self._changed:
                self._pending = None
                self._changed.notify_all()
