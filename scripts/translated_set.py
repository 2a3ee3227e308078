"""Questions in the other language over the same articles: a SQuAD file whose questions are hand translations.

Usage (from the repository root):

    python scripts/translated_set.py /work/shared/data/squad-train-subset.json \\
        scripts/translations/squad-questions-es.jsonl --split report --out /tmp/xl/squad-es-report.json
    PYTHONPATH=$PWD .venv/bin/python -m index eval /tmp/xl/squad-es-report.json --index-dir DIR --batch-embed

The translations file has one JSON object a line: `id` (the question's id in the dataset), `split`
(`tune` or `report`, the split of its article in scripts/splits) and `translation`. The output keeps every
article and paragraph of the dataset (so the index is the one the original questions are asked of) and only
the translated questions, with their gold answers. Where the sets come from: scripts/translations/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def load_translations(path: Path, split: str | None) -> dict[str, str]:
    """Question id -> translated text, for one split (or all when `split` is None)."""
    out: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "id" not in row or "translation" not in row:
            raise SystemExit(f"{path}:{number}: a line needs 'id' and 'translation'")
        if split is None or row.get("split") == split:
            out[row["id"]] = row["translation"].strip()
    return out


def translated(dataset: dict[str, Any], translations: dict[str, str]) -> tuple[dict[str, Any], int]:
    """The dataset with only the translated questions, asked in translation; and how many were found."""
    found = 0
    for article in dataset["data"]:
        for paragraph in article["paragraphs"]:
            asked = [q for q in paragraph["qas"] if q["id"] in translations]
            kept = [dict(q, question=translations[q["id"]]) for q in asked]
            found += len(kept)
            paragraph["qas"] = kept
    return dataset, found


def main(argv: list[str] | None = None) -> int:
    """Write the translated set; one line on stderr says how many questions it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, help="SQuAD v1.1 JSON file the questions come from")
    parser.add_argument("translations", type=Path, help="JSONL: id, split, translation")
    parser.add_argument("--split", choices=["tune", "report"], help="keep only this split's questions")
    parser.add_argument("--out", type=Path, required=True, help="SQuAD JSON file to write")
    args = parser.parse_args(argv)
    translations = load_translations(args.translations, args.split)
    dataset, found = translated(json.loads(args.dataset.read_text(encoding="utf-8")), translations)
    if found < len(translations):
        missing = len(translations) - found
        print(f"{args.translations}: {missing} ids are not in {args.dataset}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(dataset, ensure_ascii=False), encoding="utf-8")
    print(f"{found} translated questions -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
