"""Summarize py-spy collapsed stacks (`devnode_bench.py --py-spy DIR`): where the node's CPU went.

`.venv/bin/python bench/stack_summary.py DIR/*.txt` prints, per file, the share of samples by layer
(the leaf frame's package) and the functions with the most inclusive and self time.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<path>.*?):\d+\)$")

# Checked in order against the leaf frame: the first match names the layer a sample is charged to.
LAYERS = (
    ("SQLite", ("store.py", "sqlite3")),
    ("JSON encode/decode", ("json/",)),
    ("socket write (kernel, loopback TCP)", ("_SelectorSocketTransport.write", "UVStream.write")),
    ("epoll wait", ("selectors.py",)),
    ("bech32 address parsing", ("crypto.py",)),
    ("dataclasses.asdict", ("dataclasses.py", "copy.py")),
    ("uvicorn HTTP (h11/httptools)", ("h11", "httptools")),
    ("uvicorn WebSocket", ("websockets",)),
    ("uvicorn other", ("uvicorn/",)),
    ("Starlette", ("starlette/",)),
    ("devnode code", ("devnode/",)),
    ("asyncio loop", ("asyncio/",)),
)


def short(frame: str) -> str:
    match = FRAME.match(frame)
    if match is None:
        return frame or "(native)"
    path = match["path"].split("site-packages/")[-1].split("/work/main/")[-1]
    return f"{match['function']} ({path})"


def layer(leaf: str) -> str:
    for name, markers in LAYERS:
        if any(marker in leaf for marker in markers):
            return name
    return "other"


def summarize(path: Path, top: int) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        names = [short(frame) for frame in frames]
        total += count
        for name in set(names):
            inclusive[name] += count
        own[names[-1]] += count
        layers[layer(frames[-1])] += count
    if total == 0:
        return f"== {path}: no samples"
    lines = [f"== {path} ({total} samples)", "-- by layer (leaf frame)"]
    lines += [f"{100 * count / total:5.1f}%  {name}" for name, count in layers.most_common()]
    lines.append("-- self time")
    lines += [f"{100 * count / total:5.1f}%  {name}" for name, count in own.most_common(top)]
    lines.append("-- inclusive time (devnode frames)")
    lines += [
        f"{100 * count / total:5.1f}%  {name}"
        for name, count in inclusive.most_common()
        if "devnode/" in name and "__main__" not in name
    ][:top]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    for path in args.files:
        print(summarize(path, args.top))
        print()


if __name__ == "__main__":
    main()
