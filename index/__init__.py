"""The retrieval core: corpus -> chunks -> FAISS + BM25 index -> verbatim quotes. No Discord in here."""

from __future__ import annotations

import os

__version__ = "0.1.0"

# Before torch or faiss load OpenMP: spinning worker threads starve each other on a busy 2-core machine
# (one question took 1.0-1.4 s with two torch threads, 23 ms with passive waiting; see bench/README.md).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
