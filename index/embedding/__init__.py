"""Embedders: the protocol, sentence-transformers, ONNX Runtime, a hashing embedder, the factory."""
