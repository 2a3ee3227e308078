"""Text analysis shared by build and question time: language, terms, sentences, chunks, names."""
