"""Evaluation on SQuAD-format data: datasets, runs, hold-outs."""
