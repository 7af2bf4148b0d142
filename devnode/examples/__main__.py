"""`python -m devnode.examples [--template docs/node-api.md] [--out docs/node-api.md]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from devnode.examples import generate
from devnode.examples.recorder import ROOT

DOC = ROOT / "docs" / "node-api.md"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devnode.examples", description=__doc__)
    parser.add_argument("--template", type=Path, default=DOC, help="the page whose sections are filled")
    parser.add_argument("--out", type=Path, default=DOC, help="where the filled page is written")
    args = parser.parse_args()
    text = generate(args.template.read_text(encoding="utf-8"))
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
