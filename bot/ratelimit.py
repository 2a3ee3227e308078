"""Per-user sliding-window rate limit and a bot-wide cap on questions in flight."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Allow at most `max_events` per key in any `per_seconds` window (sliding window)."""

    def __init__(
        self, max_events: int, per_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_events = max_events
        self.per_seconds = per_seconds
        self._clock = clock
        self._events: dict[int, deque[float]] = {}

    def hit(self, key: int) -> float | None:
        """Record an event for `key`; return None if allowed, else seconds until it would be."""
        now = self._clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.per_seconds:
            events.popleft()
        if len(events) >= self.max_events:
            return events[0] + self.per_seconds - now
        events.append(now)
        self._forget_idle(now)
        return None

    def _forget_idle(self, now: float) -> None:
        # Keeps memory bounded by active users rather than everyone who ever asked.
        if len(self._events) > 1024:
            stale = [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.per_seconds]
            for key in stale:
                del self._events[key]


class InFlight:
    """A bot-wide cap on questions being answered at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._semaphore = asyncio.Semaphore(limit)

    async def acquire(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a slot; False if none came free."""
        if not self._semaphore.locked():
            await self._semaphore.acquire()  # a free slot: returns at once
            return True
        try:
            await asyncio.wait_for(self._semaphore.acquire(), timeout)
        except TimeoutError:
            return False
        return True

    def release(self) -> None:
        """Give a slot back."""
        self._semaphore.release()
