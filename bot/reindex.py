"""/reindex's build in a child process, so a hostile corpus can never starve the bot's event loop or memory.

`python -m bot.reindex [--memory-mb N]` is the child: it caps its own address space, builds with the core
settings the bot passed in its environment, and prints the summary as one JSON line. The running bot picks up
the new generation through its index handle, as after any `python -m index build`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from dataclasses import dataclass
from typing import Literal

from index.errors import IndexLocked, NewsQuoteError
from index.models import BuildSummary
from index.settings import CoreSettings

log = logging.getLogger(__name__)

# Exit statuses of the child, beyond 0 (built) and 1 (an unexpected error, logged with its traceback).
EXIT_ERROR, EXIT_LOCKED, EXIT_MEMORY = 2, 3, 4
Outcome = Literal["built", "locked", "memory", "timeout", "failed"]


@dataclass(frozen=True)
class BuildResult:
    """How a /reindex build ended, and its summary when it built."""

    outcome: Outcome
    summary: BuildSummary | None = None


def child_environment(settings: CoreSettings, parent: dict[str, str]) -> dict[str, str]:
    """The child's environment: the bot's core settings, and no Discord secrets or settings."""
    env = {k: v for k, v in parent.items() if not k.upper().startswith("DISCORD_")}
    for name, value in settings.model_dump().items():
        if value is not None and name in CoreSettings.model_fields:
            env[name.upper()] = json.dumps(value) if isinstance(value, list | dict) else str(value)
    return env


async def run_build_process(settings: CoreSettings, memory_mb: int, timeout: float) -> BuildResult:
    """Run `python -m bot.reindex` and wait for it (at most `timeout` seconds; killed after that)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.reindex",
        "--memory-mb",
        str(memory_mb),
        env=child_environment(settings, dict(os.environ)),
        stdout=asyncio.subprocess.PIPE,  # the summary; its log lines go to the bot's own stderr
    )
    log.info("Reindex: build process %d started", proc.pid)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        log.error("Reindex: build process %d ran over %.0f s; stopped", proc.pid, timeout)
        return BuildResult("timeout")
    finally:
        # A timeout, or the bot shutting down mid-build: never leave the child running on its own.
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return interpret_exit(proc.returncode, out, capped=memory_mb > 0)


def interpret_exit(status: int | None, out: bytes, capped: bool) -> BuildResult:
    """How the child's exit status and output read: built (with its summary), locked, memory or failed."""
    if status == 0:
        lines = out.decode("utf-8", "replace").strip().splitlines()
        try:
            return BuildResult("built", BuildSummary.model_validate_json(lines[-1] if lines else ""))
        except ValueError:
            log.error("Reindex: the build process printed no summary: %r", out[-500:])
            return BuildResult("failed")
    log.error("Reindex: build process exited with status %s", status)
    if status == EXIT_LOCKED:
        return BuildResult("locked")
    # Under a cap, native code (BLAS, FAISS) that cannot allocate aborts or crashes instead of raising.
    if status == EXIT_MEMORY or (capped and status != EXIT_ERROR):
        return BuildResult("memory")
    return BuildResult("failed")


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space (0: no cap), so a runaway build fails alone with MemoryError."""
    if memory_mb <= 0:
        return
    import resource

    cap = memory_mb * 2**20
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap if hard == resource.RLIM_INFINITY else min(cap, hard)))


def main(argv: list[str] | None = None) -> int:
    """The child: cap memory, build, print the summary as JSON; the exit status says how it ended."""
    parser = argparse.ArgumentParser(prog="python -m bot.reindex")
    parser.add_argument("--memory-mb", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s reindex %(name)s: %(message)s")
    for noisy in ("faiss", "bm25s", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    limit_memory(args.memory_mb)
    try:
        # Imported under the cap: loading the model is part of what the cap bounds.
        from index.services import build_services

        settings = CoreSettings()  # type: ignore[call-arg]  # pydantic-settings fills fields from the env
        summary = build_services(settings).builder.build(interactive=False)
    except MemoryError:
        log.error("The build ran out of memory (the cap is %d MB: REINDEX_MEMORY_MB)", args.memory_mb)
        return EXIT_MEMORY
    except IndexLocked as exc:
        log.error("%s", exc)
        return EXIT_LOCKED
    except NewsQuoteError as exc:
        log.error("The build failed: %s", exc)
        return EXIT_ERROR
    for skipped in summary.skipped:
        log.warning("Skipped %r", str(skipped))  # repr: a file name cannot forge log lines
    print(summary.model_dump_json(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
