"""The corpus folder: one parser per format -> Article, and the safe scan of the folder."""
