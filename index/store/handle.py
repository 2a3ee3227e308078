"""A live view of the current index generation that follows rebuilds without blocking readers."""

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
    """Serves the loaded snapshot; when `current` (or the Qdrant alias) moves, loads the new one in the
    background and swaps."""

    def __init__(
        self, index_dir: Path, model: str, check_interval: float = 2.0, engine: IndexEngine | None = None
    ) -> None:
        self.index_dir = index_dir
        self.engine: IndexEngine = engine or EmbeddedEngine()
        self._model = model
        self._interval = check_interval
        self._snapshot: Snapshot | None = None
        self._checked_at = float("-inf")
        self._failed: Path | None = None
        self._loading = False
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot | None:
        """The newest loaded generation (None when no index exists); checks for a new one now and then."""
        now = time.monotonic()
        if now - self._checked_at >= self._interval:
            self._checked_at = now
            self._check()
        return self._snapshot

    def reload(self) -> Snapshot | None:
        """Load the current generation now, in this thread (start-up, after a build, tests)."""
        target = self.engine.current(self.index_dir)
        if target is not None and (self._snapshot is None or self._snapshot.path != target):
            self._install(self._load(target))
        return self._snapshot

    def _check(self) -> None:
        target = self.engine.current(self.index_dir)
        if target is None or target == self._failed:
            return
        if self._snapshot is None:
            self._install(self._load(target))  # nothing to serve yet: load in the caller's thread
        elif self._snapshot.path != target:
            with self._lock:
                if self._loading:
                    return
                self._loading = True
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
        with self._lock:
            self._snapshot = snap  # one reference swap: questions in flight keep the old snapshot

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
            with self._lock:
                self._loading = False
