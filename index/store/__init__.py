"""An index on disk: generations, manifest, dense and sparse indexes, sentence facts, the live handle."""
