"""Wiring: settings -> embedder, builder, answerer. The bot, the CLI and the Docker image all start here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from index.answer.answerer import Answerer
from index.build.builder import DEFAULT_MIN_SCORE, IndexBuilder
from index.embedding.factory import make_embedder, model_cache_dir
from index.embedding.sentence_transformer import Embedder
from index.ranking.e5_profiles import E5_EMBEDDER, e5_profiles
from index.ranking.model_files import shipped_profiles
from index.ranking.pipeline import RankingPipeline
from index.ranking.profiles import ProfileSet, hand_set_profiles
from index.settings import CoreSettings
from index.store.handle import IndexHandle

log = logging.getLogger(__name__)


@dataclass
class Services:
    """The core objects the entry points use; the embedder is shared and loads lazily."""

    embedder: Embedder
    handle: IndexHandle
    builder: IndexBuilder
    ranker: RankingPipeline
    answerer: Answerer


def build_services(settings: CoreSettings, reload_interval: float = 2.0) -> Services:
    """Create the core objects from settings."""
    embedder = make_embedder(
        settings.embedding_model,
        batch_size=settings.embedding_batch_size,
        backend=settings.embedding_backend,
        cache_dir=model_cache_dir(settings.index_dir),
    )
    handle = IndexHandle(settings.index_dir, embedder.name, check_interval=reload_interval)
    builder = IndexBuilder(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        max_file_bytes=int(settings.max_file_mb * 2**20),
        min_score=DEFAULT_MIN_SCORE,
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
    return Services(embedder=embedder, handle=handle, builder=builder, ranker=ranker, answerer=answerer)


def ranking_profiles(embedder_name: str) -> ProfileSet:
    """The trained profiles for the embedder they were fitted with; the hand-set weights for any other."""
    if embedder_name == E5_EMBEDDER:
        return e5_profiles()
    shipped = shipped_profiles()
    if shipped.embedder == embedder_name:
        return shipped
    log.info("No trained quote ranker for %s: quotes are ranked by the hand-set weights", embedder_name)
    return hand_set_profiles()
