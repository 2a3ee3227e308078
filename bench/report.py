"""Print the figures of every size benchmarked so far as a Markdown table (for bench/README.md).

.venv/bin/python -m bench.report [--work /tmp/newsquote-bench]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

COLUMNS = (
    "size",
    "chunks",
    "vectors",
    "index",
    "build s",
    "chunks/s",
    "pipeline/raw encode",
    "p50 ms",
    "p99 ms",
    "RSS MiB",
    "disk MiB",
    "start→answer s",
    "rebuild 1 article s",
)


def row(figures: dict) -> list[str]:
    """One table row from a bench.run result."""
    ratio = figures.get("pipeline_vs_raw")
    vectors = "MiniLM" if figures["model"].endswith("MiniLM-L6-v2") else f"{figures['model']} (synthetic)"
    return [
        figures["size"],
        f"{figures['chunks']:,}",
        vectors,
        f"{figures['index_type']} {figures['index_params'] or ''}".strip(),
        f"{figures['build_s']:.1f}",
        f"{figures['chunks_per_s']:.0f}",
        f"{ratio:.0%}" if ratio else "n/a",
        f"{figures['latency_ms']['p50']:.1f}",
        f"{figures['latency_ms']['p99']:.1f}",
        f"{figures['rss_mb']:.0f}",
        f"{figures['index_bytes'] / 2**20:.0f}",
        f"{figures['start_to_first_answer_s']:.1f}",
        f"{figures['rebuild_one_article_s']:.1f}",
    ]


def main() -> None:
    """Read WORK/*/ours.json and compare.json and print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsquote-bench"))
    work = parser.parse_args().work
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for path in sorted(work.glob("*/ours.json")):
        print("| " + " | ".join(row(json.loads(path.read_text()))) + " |")
    for path in sorted(work.glob("*/compare.json")):
        print(f"\n{path.parent.name}: ours / theirs")
        for name, theirs in json.loads(path.read_text()).items():
            ratios = ", ".join(f"{k} {v:.2f}" for k, v in theirs["ratio_ours_over_theirs"].items())
            print(
                f"- {name}: build {theirs['build_s']:.1f} s, p50 {theirs['latency_ms']['p50']:.1f} ms, "
                f"p99 {theirs['latency_ms']['p99']:.1f} ms, RSS {theirs['rss_mb']:.0f} MiB; {ratios}"
            )


if __name__ == "__main__":
    main()
