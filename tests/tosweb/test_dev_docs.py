"""The pages for the people who work on the code stay true: the commands they give exist, the files they
point at are there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "docs" / "architecture.md"]


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_make_command_a_page_gives_is_a_target(page: Path) -> None:
    commands = set(re.findall(r"\bmake ([a-z][\w-]*)", page.read_text(encoding="utf-8")))
    assert commands, page
    assert commands <= make_targets(), commands - make_targets()


def test_every_file_the_architecture_page_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = {
        token.split(" ")[0]
        for token in re.findall(r"`([^`\s]*/[^`]*)`", text)
        if not re.search(r"[<*]|^/|://", token)
    }
    assert len(named) > 20
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, missing
