"""First stage: a question -> language, terms -> hybrid (FAISS + BM25) chunk hits."""
