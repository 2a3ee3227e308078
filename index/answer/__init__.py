"""The Answerer and quote assembly (passages)."""
