"""What the ranking stage hands on: scored sentences, the quote-growth rule, and one `Ranking`."""

from __future__ import annotations

from dataclasses import dataclass, field

# A neighbour joins the quote when it scores at least this share of the best sentence (hand-set scale).
GROW_RATIO = 0.9


@dataclass
class SentenceScore:
    """Evidence that one sentence answers the question."""

    row: int
    score: float
    cosine: float


@dataclass(frozen=True)
class Growth:
    """When a neighbouring sentence joins the best one in a quote."""

    ratio: float = GROW_RATIO  # ... when it scores at least this share of the best sentence
    # ... or when the best sentence lacks what the question asks for (a year for "when") and it has it.
    completes: frozenset[int] = frozenset()


NO_GROWTH = Growth()  # the hand-set rule: neighbours at 90% of the best sentence join it


@dataclass
class Ranking:
    """One question's ranked candidates: the quote order, the confidence, the threshold it is judged by.

    Every score is on the pipeline's stated scale: probability-like, at most 1, higher is better (see
    scorers.py). Adjusters add and multiply in those units: a date boost of 0.08 is 8 points of it; only
    a present-tense lift goes above 1, to put a sentence first.
    """

    order: list[SentenceScore]  # quote order, best first (the order scorer's scores, adjusted)
    confidence: dict[int, float]  # row -> score on the threshold's scale (the confidence scorer's)
    top_confidence: float | None  # the most confident candidate's score: compared with `threshold`
    threshold: float
    growth: Growth = field(default_factory=Growth)
    scorer: str = "hand-set"  # the scorer that ordered the candidates
    confidence_scorer: str = "hand-set"

    @property
    def confident(self) -> bool:
        """Whether the best candidate clears the threshold."""
        return self.top_confidence is not None and self.top_confidence >= self.threshold
