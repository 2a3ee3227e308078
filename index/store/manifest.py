"""manifest.json: how an index was built, and the check that it fits the running configuration."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.errors import IndexDamaged, IndexMismatch
from index.text.chunking import ChunkingParams

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


class Manifest(BaseModel):
    """Everything needed to know whether an index on disk can serve, or be extended, as configured."""

    # Fields older versions wrote and nothing reads any more (min_score, the threshold now set by the
    # ranking profiles) are ignored, so that indexes already on disk keep loading.
    model_config = ConfigDict(extra="ignore")

    format_version: int = FORMAT_VERSION
    model: str
    dimension: int
    chunking: ChunkingParams
    analyzer: str
    # Indexes built before the splitter had a version read as "": they are re-split on the next build.
    splitter: str = ""
    embed_template: str
    index_type: str
    index_params: dict[str, int | float | str] = Field(default_factory=dict)
    article_hashes: dict[str, str] = Field(description="article id -> content hash")
    corpus_fingerprint: str
    articles: int
    chunks: int
    sentences: int
    built_at: dt.datetime
    build_seconds: float
    program_version: str
    # Where the chunks are searched: "embedded" (dense.faiss + bm25/ beside this file) or "qdrant" (the
    # collection named here; this folder then holds only what the ranking reads per candidate).
    engine: str = "embedded"
    collection: str = ""

    def write(self, directory: Path) -> None:
        """Write manifest.json into `directory`."""
        (directory / MANIFEST_NAME).write_text(self.model_dump_json(indent=2), encoding="utf-8")

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        """Read manifest.json: IndexDamaged when missing or garbled, IndexMismatch for another format."""
        path = directory / MANIFEST_NAME
        try:
            raw = path.read_bytes().decode("utf-8")
            data = json.loads(raw)
        except OSError as exc:
            raise IndexDamaged(directory, MANIFEST_NAME, exc.strerror or str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise IndexDamaged(directory, MANIFEST_NAME, f"not UTF-8 text (byte {exc.start})") from exc
        except ValueError as exc:
            raise IndexDamaged(directory, MANIFEST_NAME, f"not valid JSON ({exc})") from exc
        if not isinstance(data, dict) or "format_version" not in data:
            raise IndexDamaged(directory, MANIFEST_NAME, "no format_version in it")
        version = data["format_version"]
        if version != FORMAT_VERSION:
            raise IndexMismatch(
                f"The index in {directory} has format version {version}, "
                f"this program reads {FORMAT_VERSION}: "
                "rebuild it with: python -m index build --full"
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise IndexDamaged(
                directory, MANIFEST_NAME, f"not a valid manifest ({exc.error_count()} errors)"
            ) from exc


def fingerprint(article_hashes: dict[str, str]) -> str:
    """One hash for the whole corpus as indexed."""
    digest = hashlib.sha256()
    for article_id in sorted(article_hashes):
        digest.update(f"{article_id}\x1f{article_hashes[article_id]}\x1e".encode())
    return digest.hexdigest()


def check_model(manifest: Manifest, model: str, directory: Path) -> None:
    """Refuse an index built with another embedding model than the configured one."""
    if manifest.model != model:
        raise IndexMismatch(
            f"The index in {directory} was built with model '{manifest.model}', but EMBEDDING_MODEL "
            f"(with EMBEDDING_BACKEND) gives '{model}': rebuild it with: python -m index build"
        )
