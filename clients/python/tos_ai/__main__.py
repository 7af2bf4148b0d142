"""`python -m tos_ai`."""

from __future__ import annotations

import sys

from tos_ai.cli import main

if __name__ == "__main__":
    sys.exit(main())
