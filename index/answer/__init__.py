"""The Answerer: a question in, verbatim quotes out; quote assembly and presentation."""

from __future__ import annotations

from index.answer.answerer import Answerer
from index.answer.presentation import present

__all__ = ["Answerer", "present"]
