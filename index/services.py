"""Wiring: settings -> embedder, builder, answerer. The bot, the CLI and the Docker image all start here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from index.answer.answerer import Answerer
from index.build.builder import IndexBuilder
from index.embedding.factory import make_configured_embedder, model_cache_dir
from index.embedding.protocol import Embedder
from index.ranking.e5_profiles import E5_EMBEDDER, e5_profiles
from index.ranking.model_files import shipped_profiles
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import ProfileSet, hand_set_profiles
from index.settings import CoreSettings
from index.store.engine import EmbeddedEngine, IndexEngine
from index.store.handle import IndexHandle

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The core objects the entry points use; the embedder is shared and loads lazily."""

    embedder: Embedder
    engine: IndexEngine
    handle: IndexHandle
    builder: IndexBuilder
    ranker: RankingPipeline
    answerer: Answerer


def build_services(settings: CoreSettings, reload_interval: float = 0.5) -> Services:
    """Create the core objects from settings."""
    embedder = make_configured_embedder(
        settings.embedding_model,
        batch_size=settings.embedding_batch_size,
        backend=settings.embedding_backend,
        cache_dir=model_cache_dir(settings.index_dir),
        # Set in the environment, .env or --model: no silent fallback to another model.
        explicit="embedding_model" in settings.model_fields_set,
        engine_spin=settings.embedding_engine_spin,
    )
    engine = make_engine(settings)
    # Watched: a rebuild (CLI, /reindex, another container) is loaded before the next question needs it.
    handle = IndexHandle(
        settings.index_dir, embedder.name, check_interval=reload_interval, watch=True, engine=engine
    )
    builder = IndexBuilder(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        max_file_bytes=int(settings.max_file_mb * 2**20),
        engine=engine,
    )
    ranker = RankingPipeline(ranking_profiles(embedder.name))
    answerer = Answerer(
        handle,
        embedder,
        ranker=ranker,
        max_quotes=settings.max_quotes,
        quote_pool=settings.quote_pool,
        supporting_min_ratio=settings.supporting_min_ratio,
        min_score=settings.min_score,
        max_question_chars=settings.max_question_chars,
    )
    return Services(
        embedder=embedder, engine=engine, handle=handle, builder=builder, ranker=ranker, answerer=answerer
    )


def ranking_profiles(embedder_name: str) -> ProfileSet:
    """The trained profiles for the embedder they were fitted with; the hand-set weights for any other."""
    if embedder_name == E5_EMBEDDER:
        return e5_profiles()
    shipped = shipped_profiles()
    if shipped.embedder == embedder_name:
        return shipped
    log.info("No trained quote ranker for %s: quotes are ranked by the hand-set weights", embedder_name)
    return hand_set_profiles()


def make_engine(settings: CoreSettings) -> IndexEngine:
    """The index engine INDEX_ENGINE names; Qdrant's client is imported and connected on first use."""
    if settings.index_engine == "embedded":
        return EmbeddedEngine()
    from index.store.qdrant_engine import open_engine

    key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    return open_engine(settings.qdrant_url, key, settings.qdrant_collection, settings.index_dir)
