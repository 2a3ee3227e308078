"""The fake Discord: aiohttp REST + gateway websocket in a background thread, driven by synchronous tests."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import payloads as p
from .actions import Actions
from .payloads import jsonr
from .routes import JSON_BODY, Routes

MESSAGE_CONTENT_INTENT = 1 << 15


@dataclass
class Recorded:
    """One REST request the bot made, and how the fake answered it."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


@dataclass
class Fault:
    """Answer the next `times` requests matching method + path regex with this status."""

    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float


@dataclass
class World:
    """The guild, channels and people the fake Discord knows about."""

    guild_id: str = field(default_factory=p.snowflake)
    app_id: str = field(default_factory=p.snowflake)
    channel_id: str = field(default_factory=p.snowflake)
    qa_channel_id: str = field(default_factory=p.snowflake)
    dm_channel_id: str = field(default_factory=p.snowflake)
    forum_channel_id: str = field(default_factory=p.snowflake)
    solved_tag_id: str = field(default_factory=p.snowflake)
    plain_forum_id: str = field(default_factory=p.snowflake)  # a forum without a "Solved" tag
    unwatched_forum_id: str = field(default_factory=p.snowflake)  # a forum the bot is not told to watch
    bot_role_id: str = field(default_factory=p.snowflake)
    admin_role_id: str = field(default_factory=p.snowflake)
    asker: dict[str, Any] = field(default_factory=lambda: p.user(p.snowflake(), "asker"))
    other: dict[str, Any] = field(default_factory=lambda: p.user(p.snowflake(), "other"))

    def __post_init__(self) -> None:
        self.bot_user = p.user(self.app_id, "NewsQuote", bot=True)


class FakeDiscord(Actions):
    """REST API v10 and Gateway v10, just enough for discord.py to log in, receive events and reply."""

    def __init__(self, token: str = "fake-token", *, deny_privileged: bool = False) -> None:
        self.token = token
        self.deny_privileged = deny_privileged
        self.world = World()
        self.port = 0
        self.identified = threading.Event()
        self.sessions = 0  # successful IDENTIFYs (READY sent)
        # IDENTIFY payloads (token removed), in order: intents and shard of every session the bot opened.
        self.identifies: list[dict[str, Any]] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.interactions: dict[str, dict[str, Any]] = {}
        self.originals: dict[str, str] = {}  # interaction token -> id of the message its response posted
        self.threads: dict[str, dict[str, Any]] = {}  # forum posts, by thread id
        self._recorded: list[Recorded] = []
        self._faults: list[Fault] = []
        self._cond = threading.Condition()
        self._sockets: dict[web.WebSocketResponse, tuple[int, int]] = {}  # socket -> (shard id, shard count)
        self._seq = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-discord", daemon=True)
        self._runner: web.AppRunner | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> FakeDiscord:
        """Start serving on a free port of 127.0.0.1."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    @property
    def started(self) -> bool:
        """Whether `start()` has been called (a stopped fake cannot start again)."""
        return self._thread.ident is not None

    def stop(self) -> None:
        """Close websockets and the server, then the loop thread."""
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _serve(self) -> None:
        app = web.Application(middlewares=[self._record_middleware])
        Routes(self).register(app)
        app.router.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _shutdown(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        assert self._runner is not None
        await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        """What DISCORD_API_BASE should be set to."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What GET /gateway/bot reports."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- REST recording and faults -----------------------------------------------------------------------

    def fail_next(
        self, method: str, path_regex: str, status: int = 429, times: int = 1, retry_after: float = 0.05
    ) -> None:
        """Make the next matching request(s) fail, e.g. with a 429 that discord.py must retry."""
        with self._cond:
            self._faults.append(Fault(method, re.compile(path_regex), status, times, retry_after))

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._cond:
            for fault in self._faults:
                if fault.method == method and fault.pattern.search(path) and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    @web.middleware
    async def _record_middleware(
        self, request: web.Request, handler: Callable[..., Any]
    ) -> web.StreamResponse:
        if not request.path.startswith("/api/v10"):
            return await handler(request)
        path = request.path.removeprefix("/api/v10")
        body = await _read_body(request)
        fault = self._take_fault(request.method, path)
        if fault is not None:
            response: web.StreamResponse = _fault_response(fault)
        else:
            request[JSON_BODY] = body
            response = await handler(request)
        self._record(Recorded(request.method, path, dict(request.query), body, response.status))
        return response

    def _record(self, item: Recorded) -> None:
        with self._cond:
            self._recorded.append(item)
            self._cond.notify_all()

    def requests(self, method: str | None = None, path_regex: str | None = None) -> list[Recorded]:
        """Every recorded request, optionally filtered."""
        with self._cond:
            items = list(self._recorded)
        return [r for r in items if _matches(r, method, path_regex)]

    def wait_for(
        self,
        method: str,
        path_regex: str,
        predicate: Callable[[Recorded], bool] | None = None,
        timeout: float = 30.0,
    ) -> Recorded:
        """Block until a matching request has been recorded (bounded; raises TimeoutError)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for item in self._recorded:
                    if _matches(item, method, path_regex) and (predicate is None or predicate(item)):
                        return item
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no {method} {path_regex} within {timeout}s; saw {self._summary()}")
                self._cond.wait(remaining)

    def _summary(self) -> list[str]:
        return [f"{r.method} {r.path} {r.status}" for r in self._recorded]

    # -- gateway -----------------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                break
            data = json.loads(msg.data)
            if data["op"] == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif data["op"] == 2:
                await self._identify(ws, data["d"])
        self._sockets.pop(ws, None)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        with self._cond:
            self.identifies.append({k: v for k, v in data.items() if k != "token"})
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if self.deny_privileged and data.get("intents", 0) & MESSAGE_CONTENT_INTENT:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = tuple(data.get("shard") or (0, 1))
        self._sockets[ws] = (int(shard[0]), int(shard[1]))
        w = self.world
        # Like Discord, a shard gets the guilds (and DMs, on shard 0) that (guild_id >> 22) % count picks.
        mine = _shard_of(w.guild_id, shard[1]) == shard[0]
        ready = {
            "v": 10,
            "user": w.bot_user,
            "guilds": [{"id": w.guild_id, "unavailable": True}] if mine else [],
            "session_id": secrets.token_hex(16),
            "resume_gateway_url": self.gateway_url,
            "application": {"id": w.app_id, "flags": 0},
            "shard": list(shard),
        }
        await self._send_dispatch("READY", ready, only=ws)
        if mine:
            await self._send_dispatch("GUILD_CREATE", p.guild(w), only=ws)
        with self._cond:
            self.sessions += 1
        self.identified.set()

    async def _send_dispatch(
        self, event: str, data: dict[str, Any], only: web.WebSocketResponse | None = None
    ) -> None:
        self._seq += 1
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        guild_id = data.get("guild_id")
        for ws, (shard_id, count) in list(self._sockets.items()):
            if only is not None and ws is not only:
                continue
            if only is None and shard_id != (_shard_of(guild_id, count) if guild_id else 0):
                continue
            await ws.send_json(frame)

    @property
    def message_content_granted(self) -> bool:
        """Whether the bot's latest session holds the Message Content intent."""
        with self._cond:
            last = self.identifies[-1] if self.identifies else {}
        return bool(last.get("intents", 0) & MESSAGE_CONTENT_INTENT)

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway DISPATCH event to the connected bot (from the test thread)."""
        asyncio.run_coroutine_threadsafe(self._send_dispatch(event, data), self._loop).result(10)


def _shard_of(guild_id: str, count: int) -> int:
    return (int(guild_id) >> 22) % count


def _matches(item: Recorded, method: str | None, path_regex: str | None) -> bool:
    return (method is None or item.method == method) and (
        path_regex is None or re.search(path_regex, item.path) is not None
    )


async def _read_body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type == "application/json":
        return await request.json()
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        raw = form.get("payload_json")
        return json.loads(str(raw)) if raw is not None else None
    return await request.text()


def _fault_response(fault: Fault) -> web.Response:
    if fault.status != 429:
        return jsonr({"message": "Injected failure", "code": 0}, status=fault.status)
    # discord.py only trusts a 429 that came through Discord's proxy (a Via header) with a JSON body.
    headers = {"Via": "1.1 google", "Retry-After": str(fault.retry_after), "X-RateLimit-Scope": "user"}
    body = {"message": "You are being rate limited.", "retry_after": fault.retry_after, "global": False}
    return jsonr(body, status=429, headers=headers)
