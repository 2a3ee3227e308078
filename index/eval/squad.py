"""`python -m index eval`: answer-in-quote quality of the Answerer on SQuAD-format data."""

from __future__ import annotations

import bisect
import json
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.errors import CorpusError
from index.models import Answer
from index.ranking.dates import leading_date

_SPACE = re.compile(r"\s+")


@dataclass
class EvalArticle:
    """One dataset article: a title and its paragraphs, joined by blank lines into the indexed text."""

    title: str
    paragraphs: list[str]

    @property
    def id(self) -> str:
        """Article id in the index (stable: the dataset title)."""
        return self.title

    @property
    def text(self) -> str:
        """The article text as indexed."""
        return "\n\n".join(self.paragraphs)

    def paragraph_at(self, offset: int) -> int:
        """Number of the paragraph that contains character `offset` of `text`."""
        starts, at = [], 0
        for paragraph in self.paragraphs:
            starts.append(at)
            at += len(paragraph) + 2
        return max(bisect.bisect_right(starts, offset) - 1, 0)


@dataclass
class EvalQuestion:
    """One question with its gold answers and where they are."""

    qid: str
    question: str
    answers: list[str]
    article_id: str
    paragraph: int


@dataclass
class Dataset:
    """Articles and questions of a SQuAD-format file."""

    articles: list[EvalArticle]
    questions: list[EvalQuestion]

    def select(self, titles: Iterable[str] | None) -> list[EvalQuestion]:
        """Questions of the articles named (all when None); unknown titles are an error."""
        if titles is None:
            return list(self.questions)
        wanted = set(titles)
        unknown = wanted - {a.title for a in self.articles}
        if unknown:
            raise CorpusError(f"not in the dataset: {', '.join(sorted(unknown))}")
        return [q for q in self.questions if q.article_id in wanted]


def load_squad(path: Path) -> Dataset:
    """Read SQuAD v1.1 JSON (`data[].title`, `.paragraphs[].context`, `.qas[].answers[].text`)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorpusError(f"cannot read {path} as SQuAD JSON ({exc})") from exc
    articles, questions = [], []
    for entry in raw.get("data", []):
        title = str(entry["title"]).replace("_", " ")
        paragraphs = [p["context"].strip() for p in entry["paragraphs"]]
        articles.append(EvalArticle(title, paragraphs))
        for number, paragraph in enumerate(entry["paragraphs"]):
            for qa in paragraph.get("qas", []):
                answers = [a["text"] for a in qa.get("answers", []) if a.get("text", "").strip()]
                if answers:
                    questions.append(EvalQuestion(str(qa["id"]), qa["question"], answers, title, number))
    return Dataset(articles, questions)


def expand_titles(values: Sequence[str] | None) -> list[str] | None:
    """Titles given on the command line; `@file` reads one title per line (underscores read as spaces)."""
    if values is None:
        return None
    titles: list[str] = []
    for value in values:
        if value.startswith("@"):
            lines = Path(value[1:]).read_text(encoding="utf-8").splitlines()
            titles.extend(line.strip() for line in lines if line.strip() and not line.startswith("#"))
        else:
            titles.append(value)
    return [t.replace("_", " ") for t in titles]


def write_corpus(articles: Iterable[EvalArticle], directory: Path) -> Path:
    """Write the articles as one .jsonl corpus file in `directory` (ids are the titles)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "articles.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for article in articles:
            record = {"id": article.id, "title": article.title, "text": article.text}
            when = leading_date(article.text)
            if when is not None:
                record["date"] = when.isoformat()  # news texts open with their date; keep it
            fh.write(json.dumps(record) + "\n")
    return path


def normalise(text: str) -> str:
    """Lowercase with runs of whitespace collapsed to one space."""
    return _SPACE.sub(" ", text).strip().lower()


def hit_rank(quotes: Sequence[str], answers: Sequence[str]) -> int | None:
    """1-based rank of the first quote that contains a gold answer, or None."""
    golds = [normalise(a) for a in answers]
    for rank, quote in enumerate(quotes, 1):
        text = normalise(quote)
        if any(g and g in text for g in golds):
            return rank
    return None


@dataclass
class QuestionResult:
    """The outcome of one question."""

    question: EvalQuestion
    rank: int | None  # of the first quote containing the answer
    top_score: float
    right_paragraph: bool
    quote_chars: int  # length of the first quote
    took_ms: float
    quotes: list[dict[str, object]] = field(default_factory=list)
    threshold: float | None = None  # the answerer's threshold for this question, when it has its own


def answer_confidence(answer: Answer) -> float:
    """The score the answerer compares with its threshold; -inf without quotes."""
    if answer.confidence is not None:
        return answer.confidence
    return answer.quotes[0].score if answer.quotes else float("-inf")


def judge(question: EvalQuestion, answer: Answer, articles: dict[str, EvalArticle]) -> QuestionResult:
    """Score one answer against the gold."""
    quotes = answer.quotes
    top = quotes[0] if quotes else None
    right = (
        top is not None
        and top.article_id == question.article_id
        and articles[question.article_id].paragraph_at(top.start) == question.paragraph
    )
    return QuestionResult(
        question=question,
        rank=hit_rank([q.text for q in quotes], question.answers),
        top_score=answer_confidence(answer),
        right_paragraph=right,
        quote_chars=len(top.text) if top else 0,
        took_ms=answer.took_ms,
        quotes=[{"text": q.text, "score": q.score, "article_id": q.article_id} for q in quotes[:5]],
        threshold=answer.threshold,
    )


@dataclass
class Summary:
    """Aggregate figures over a set of answerable questions."""

    questions: int
    at1: float
    at3: float
    mrr10: float
    right_paragraph: float
    mean_quote_chars: float
    answered: int
    abstained: int
    p50_ms: float
    p95_ms: float


def summarise(results: Sequence[QuestionResult], threshold: float) -> Summary:
    """Answer-in-quote @1/@3, MRR@10, right-paragraph share, lengths, abstentions, latency."""
    n = max(len(results), 1)
    ranks = [r.rank for r in results]
    times = sorted(r.took_ms for r in results) or [0.0]
    answered = sum(r.top_score >= (threshold if r.threshold is None else r.threshold) for r in results)
    return Summary(
        questions=len(results),
        at1=sum(k == 1 for k in ranks) / n,
        at3=sum(k is not None and k <= 3 for k in ranks) / n,
        mrr10=sum(1 / k for k in ranks if k is not None and k <= 10) / n,
        right_paragraph=sum(r.right_paragraph for r in results) / n,
        mean_quote_chars=statistics.fmean([r.quote_chars for r in results]) if results else 0.0,
        answered=answered,
        abstained=len(results) - answered,
        p50_ms=_percentile(times, 50),
        p95_ms=_percentile(times, 95),
    )


def _percentile(sorted_values: Sequence[float], pct: float) -> float:
    at = min(len(sorted_values) - 1, max(0, round(pct / 100 * (len(sorted_values) - 1))))
    return sorted_values[at]


@dataclass
class CurvePoint:
    """At one threshold: share of answerable questions answered, of unanswerable ones abstained on."""

    threshold: float
    answered: float
    abstained: float


def abstention_curve(
    answerable: Sequence[float], unanswerable: Sequence[float], steps: int = 20
) -> list[CurvePoint]:
    """Answered/abstained shares at thresholds spread over the answerable questions' top scores."""
    ordered = sorted(answerable)
    if not ordered:
        return []
    cuts = sorted({ordered[min(len(ordered) - 1, i * len(ordered) // steps)] for i in range(steps)})
    n_ans, n_un = len(answerable), max(len(unanswerable), 1)
    return [
        CurvePoint(
            threshold=cut,
            answered=sum(s >= cut for s in answerable) / n_ans,
            abstained=sum(s < cut for s in unanswerable) / n_un,
        )
        for cut in cuts
    ]


def calibrate(answerable: Sequence[float], keep: float = 0.95) -> float:
    """The highest threshold that still answers `keep` of the answerable questions."""
    ordered = sorted(answerable)
    if not ordered:
        return 0.0
    return ordered[int((1 - keep) * len(ordered))]


def write_misses(results: Iterable[QuestionResult], path: Path) -> int:
    """Write the questions whose first quote lacks the answer, one JSON object per line; returns count."""
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for r in results:
            if r.rank == 1:
                continue
            record = {**asdict(r.question), "rank": r.rank, "top_score": r.top_score, "quotes": r.quotes}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def format_summary(name: str, s: Summary) -> str:
    """A few human lines for one summary."""
    return (
        f"{name}: {s.questions} questions\n"
        f"  answer-in-quote @1 {s.at1:.3f}  @3 {s.at3:.3f}  MRR@10 {s.mrr10:.3f}\n"
        f"  right paragraph first {s.right_paragraph:.3f}  mean quote {s.mean_quote_chars:.0f} chars\n"
        f"  answered {s.answered}  abstained {s.abstained}\n"
        f"  latency p50 {s.p50_ms:.1f} ms  p95 {s.p95_ms:.1f} ms"
    )


def format_curve(points: Sequence[CurvePoint]) -> str:
    """The abstention curve as a small table."""
    rows = ["  threshold  answered  abstained(unanswerable)"]
    rows += [f"  {p.threshold:9.4f}  {p.answered:8.3f}  {p.abstained:9.3f}" for p in points]
    return "\n".join(rows)
