"""Per-user and per-server sliding-window rate limits, and a bot-wide cap on questions in flight."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal


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
        retry_after = self.retry_after(key)
        if retry_after is None:
            self.record(key)
        return retry_after

    def retry_after(self, key: int) -> float | None:
        """None if an event for `key` is allowed now, else seconds until it would be (records nothing)."""
        now = self._clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.per_seconds:
            events.popleft()
        if len(events) >= self.max_events:
            return events[0] + self.per_seconds - now
        return None

    def record(self, key: int) -> None:
        """Count an event for `key` now."""
        now = self._clock()
        self._events.setdefault(key, deque()).append(now)
        self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        # Keeps memory bounded by active users rather than everyone who ever asked.
        if len(self._events) > 1024:
            stale = [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.per_seconds]
            for key in stale:
                del self._events[key]


@dataclass(frozen=True)
class Refusal:
    """Whose limit a question hit, and when asking again will work."""

    scope: Literal["user", "guild"]
    retry_after: float


class QuestionLimits:
    """A question counts against its asker and its server; refused by either, it counts for neither."""

    def __init__(
        self, per_user: int, per_guild: int, per_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.users = RateLimiter(per_user, per_seconds, clock)
        self.guilds = RateLimiter(per_guild, per_seconds, clock)

    def hit(self, user_id: int, guild_id: int | None) -> Refusal | None:
        """Record a question; None if allowed, else the refusal (the asker's own limit is reported first)."""
        user_wait = self.users.retry_after(user_id)
        if user_wait is not None:
            return Refusal("user", user_wait)
        if guild_id is not None:
            guild_wait = self.guilds.retry_after(guild_id)
            if guild_wait is not None:
                return Refusal("guild", guild_wait)
            self.guilds.record(guild_id)
        self.users.record(user_id)
        return None


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
