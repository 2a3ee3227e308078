"""A status file the running bot keeps fresh, and the check the container HEALTHCHECK runs against it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path

INTERVAL_SECONDS = 15.0
MAX_AGE_SECONDS = 60.0  # four missed updates: the bot is stuck or gone


def write_status(
    path: Path,
    *,
    connected: bool,
    index_loaded: bool,
    shards: Mapping[int, Mapping[str, object]] | None = None,
) -> None:
    """Replace the status file atomically, so a reader never sees half of it; `shards` reports each shard."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    status = {
        "pid": os.getpid(),
        "connected": connected,
        "index_loaded": index_loaded,
        "updated": time.time(),
        "shards": {str(shard_id): dict(info) for shard_id, info in (shards or {}).items()},
    }
    tmp.write_text(json.dumps(status), encoding="utf-8")
    os.replace(tmp, path)


def check_status(path: Path, now: float | None = None, max_age: float = MAX_AGE_SECONDS) -> str | None:
    """None when the bot is healthy, else the reason it is not."""
    try:
        status = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"no readable status in {path} ({exc})"
    age = (now if now is not None else time.time()) - float(status.get("updated", 0))
    if age > max_age:
        return f"status in {path} is {age:.0f}s old: the bot is not updating it"
    if not _alive(int(status.get("pid", 0))):
        return f"the bot process {status.get('pid')} is not running"
    down = [shard for shard, info in (status.get("shards") or {}).items() if not info.get("connected")]
    if down:
        return f"shard(s) {', '.join(sorted(down))} not connected to Discord"
    if not status.get("connected"):
        return "the bot is not connected to Discord"
    if not status.get("index_loaded"):
        return "the bot has no index loaded"
    return None


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
