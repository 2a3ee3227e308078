"""Build a large index in stages, so that no single build holds every vector of the corpus in memory at once.

    .venv/bin/python -m bench.staged WORK/1m/corpus WORK/1m/index --model hashing:384 --stages 3

The build embeds all new texts in one call; at 1M chunks (about 2.9M texts with the sentences) that
call alone needs ~15 GB with the hashing embedder, too much beside other jobs on a 24 GiB machine. Here
stage i indexes the first i/STAGES of the corpus files (symlinked into WORK/staging); every stage after
the first is an incremental build that embeds only the new articles. Prints one JSON line per stage.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path


def main() -> None:
    """Run the stages and print their figures."""
    from index.build.builder import IndexBuilder
    from index.embedding.factory import make_embedder

    args = _parser().parse_args()
    files = sorted(args.corpus.glob("*.jsonl"))
    staging = args.index_dir.parent / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    builder = IndexBuilder(staging, args.index_dir, make_embedder(args.model), max_file_bytes=2**30)
    total = 0.0
    for stage in range(1, args.stages + 1):
        for path in files[: len(files) * stage // args.stages]:
            if not (staging / path.name).exists():
                (staging / path.name).symlink_to(path.resolve())
        t0 = time.perf_counter()
        summary = builder.build(interactive=False)
        seconds = time.perf_counter() - t0
        total += seconds
        figures = {"stage": stage, "articles": summary.articles, "chunks": summary.chunks}
        print(json.dumps({**figures, "seconds": round(seconds, 1), "total_s": round(total, 1)}), flush=True)


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--model", default="hashing:384")
    parser.add_argument("--stages", type=int, default=3)
    return parser


if __name__ == "__main__":
    main()
