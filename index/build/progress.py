"""Progress for long work: a bar in a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
from typing import Any

from tqdm import tqdm

log = logging.getLogger(__name__)


class Progress:
    """Counts units of work; renders a tqdm bar on a TTY, else logs every tenth of the way."""

    def __init__(self, total: int, description: str, *, interactive: bool | None = None) -> None:
        self.total = total
        self.description = description
        self.done = 0
        self._next_log = 0.1
        tty = sys.stderr.isatty() if interactive is None else interactive
        self._bar: Any = tqdm(total=total, desc=description, unit="text", leave=False) if tty else None
        if not tty and total:
            log.info("%s: %d texts", description, total)

    def advance(self, n: int) -> None:
        """Record n more units done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.total and self.done / self.total >= self._next_log:
            log.info(
                "%s: %d/%d (%.0f%%)", self.description, self.done, self.total, 100 * self.done / self.total
            )
            while self._next_log <= self.done / self.total:
                self._next_log += 0.1

    def close(self) -> None:
        """Finish the bar."""
        if self._bar is not None:
            self._bar.close()
