"""Second stage: candidate sentences -> features -> a scorer -> adjusters -> one ranking."""
