"""docs/node-api.md, with every example taken from a real run of a fresh devnode.

`python -m devnode.examples` starts fresh ephemeral devnodes on free ports (seed `tos-devnet`, blocks
only on `dev_mine`), tells them the story in `devnode.examples.scenario`, and fills the page's generated
sections (`<!-- BEGIN generated:KEY -->` ... `<!-- END generated:KEY -->`); the prose around them is
hand-written. Two runs give the same page except for ids, timestamps, the values that follow from them
(`time_left`, `retry_after`, signatures over ids) and the chain id.
"""

from __future__ import annotations

from devnode.__main__ import build_parser
from devnode.examples import render, scenario
from devnode.examples.recorder import Recorder


def generate(template: str, recorders: list[Recorder] | None = None) -> str:
    """The page `template` with every generated section filled from a fresh run (`recorders` keeps the
    run's recorders, with every exchange)."""
    sections = scenario.run(recorders)
    sections.update(render.params_sections())
    sections["cli"] = render.cli_section(build_parser())
    return render.fill(template, sections)
