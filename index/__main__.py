"""`python -m index`."""

from __future__ import annotations

import sys

from index.cli import main

if __name__ == "__main__":
    sys.exit(main())
