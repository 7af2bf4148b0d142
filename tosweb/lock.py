"""`make lock` / `make lock-upgrade`: the Python versions every install uses, resolved once and written down.

    python -m tosweb.lock            # after editing a dependency: resolve again, keeping every other pin
    python -m tosweb.lock --upgrade  # deliberately: the newest versions pyproject.toml's ranges admit

`constraints.txt` holds one pinned version of every package the two pyproject.toml files need with every
extra (the dashboard's and the `tos_ai` client's), for any platform and Python >= 3.11 (uv's universal
resolution). The Makefile and the Dockerfile install through it as pip constraints, so each install takes
only what it asks for (the production image: no test tools), always at the locked version, and a new
upstream release changes nothing until someone runs `make lock-upgrade` and the tests pass with it.

The file's first line is a digest of the requirement lists it was resolved from; tests/tosweb/test_lock.py
checks it against the pyproject.toml files of the checkout, so an edited dependency without a new lock fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "constraints.txt"
SOURCES = (ROOT / "pyproject.toml", ROOT / "clients" / "python" / "pyproject.toml")
DIGEST_PREFIX = "# inputs: sha256:"


def requirement_lists(path: Path) -> dict[str, object]:
    """What resolution depends on in one pyproject.toml: its Python range, dependencies and extras."""
    project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    return {
        "requires-python": project.get("requires-python", ""),
        "dependencies": sorted(project.get("dependencies", [])),
        "optional-dependencies": {
            extra: sorted(requirements)
            for extra, requirements in sorted(project.get("optional-dependencies", {}).items())
        },
    }


def inputs_digest(sources: tuple[Path, ...] = SOURCES) -> str:
    """A digest of every source's requirement lists (comments and the rest of the files do not count)."""
    lists = {str(path.relative_to(ROOT)): requirement_lists(path) for path in sources}
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()


def recorded_digest(lock: Path = LOCK) -> str:
    """The digest the lock was made from ('' when the file has none)."""
    first = lock.read_text(encoding="utf-8").splitlines()[:1] if lock.exists() else []
    return first[0].removeprefix(DIGEST_PREFIX) if first and first[0].startswith(DIGEST_PREFIX) else ""


def compile_lock(*, upgrade: bool) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        raise SystemExit("uv is not installed: `make lock` installs it into .venv first")
    command = [uv, "pip", "compile", *(str(path.relative_to(ROOT)) for path in SOURCES)]
    command += ["--all-extras", "--universal", "--python-version", "3.11", "--quiet", "--no-header"]
    command += ["--output-file", str(LOCK.relative_to(ROOT))]
    if upgrade:
        command.append("--upgrade")
    # uv keeps the pins already in the output file unless told to upgrade, so an edit moves only what it must.
    subprocess.run(command, cwd=ROOT, check=True)
    body = LOCK.read_text(encoding="utf-8")
    header = (
        f"{DIGEST_PREFIX}{inputs_digest()}\n"
        "# The Python lock: one version of every package pyproject.toml and clients/python/pyproject.toml\n"
        "# need, with every extra. Written by `make lock` (keeps pins) or `make lock-upgrade` (python -m\n"
        "# tosweb.lock); installed as pip constraints by the Makefile and the Dockerfile. Do not edit by hand.\n"
    )
    LOCK.write_text(header + body, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tosweb.lock", description="Write constraints.txt.")
    parser.add_argument(
        "--upgrade", action="store_true", help="move every pin to the newest admitted version"
    )
    args = parser.parse_args(argv)
    compile_lock(upgrade=args.upgrade)
    print(f"{LOCK.relative_to(ROOT)}: {sum(1 for line in LOCK.open() if line[:1].isalnum())} packages")


if __name__ == "__main__":
    main()
