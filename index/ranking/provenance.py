"""What a trained model file was fitted with, and the check that it fits the index it is asked to rank.

Trees and logistic weights read cosines of one embedding model and terms of one analyzer: run over the
vectors of another model they rank confidently and wrongly. Every model file therefore records its
embedder (name, backend, dimension), its feature set, the analyzer, and the data it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import RankerError
from index.store.manifest import Manifest


@dataclass(frozen=True)
class Provenance:
    """How a model file was trained."""

    embedder: str
    backend: str
    dimension: int
    features: str  # the feature set's name and version
    analyzer: str  # the BM25 analyzer version the term features were computed with
    trained_on: dict[str, Any]

    @classmethod
    def from_json(cls, raw: dict[str, Any], path: Path) -> Provenance:
        """The `provenance` block of a model file; a file without one must be retrained."""
        try:
            block = raw["provenance"]
            embedder = block["embedder"]
            return cls(
                embedder=str(embedder["name"]),
                backend=str(embedder["backend"]),
                dimension=int(embedder["dimension"]),
                features=str(block["features"]),
                analyzer=str(block["analyzer"]),
                trained_on=dict(block["trained_on"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RankerError(
                f"{path} does not record what it was trained with ({exc!r}); retrain it "
                "(scripts/train_quote_model.py or scripts/train_reranker.py)"
            ) from exc

    def to_json(self) -> dict[str, Any]:
        """The `provenance` block written by the training scripts."""
        return {
            "embedder": {"name": self.embedder, "backend": self.backend, "dimension": self.dimension},
            "features": self.features,
            "analyzer": self.analyzer,
            "trained_on": self.trained_on,
        }

    def check(self, manifest: Manifest, path: Path, features: str) -> None:
        """Refuse an index built otherwise than this model was trained on, saying what to do."""
        if features != self.features:
            raise RankerError(
                f"{path} was trained on feature set '{self.features}', this program computes "
                f"'{features}': retrain it"
            )
        if (manifest.model, manifest.dimension) != (self.embedder, self.dimension):
            raise RankerError(
                f"{path} was trained with embedder '{self.embedder}' ({self.dimension} dimensions, "
                f"{self.backend}), but the index was built with '{manifest.model}' ({manifest.dimension} "
                f"dimensions): retrain the ranker on an index of that model, or set EMBEDDING_MODEL "
                f"(and EMBEDDING_BACKEND) to '{self.embedder}' and rebuild"
            )
        if manifest.analyzer != self.analyzer:
            raise RankerError(
                f"{path} was trained with analyzer '{self.analyzer}', but the index was built with "
                f"'{manifest.analyzer}': retrain the ranker, or rebuild the index with the matching version"
            )


@dataclass(frozen=True)
class ModelFile:
    """A loaded model file's path, what it was trained with, and the feature set it must match."""

    path: Path
    provenance: Provenance
    features: str

    def check(self, manifest: Manifest) -> None:
        """Refuse an index this model was not trained for."""
        self.provenance.check(manifest, self.path, self.features)
