"""Which package may import which (docs/architecture.md, "The packages"), read from the source's imports."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "tos_ai": ROOT / "clients" / "python" / "tos_ai",
    "devnode": ROOT / "devnode",
    "dashboard": ROOT / "dashboard",
    "tosweb": ROOT / "tosweb",
}
FRAMEWORK = {"django", "channels", "celery", "daphne", "django_celery_beat"}
#: What each package must never import (tests and benchmarks: no package imports those either).
FORBIDDEN = {
    "tos_ai": {"dashboard", "devnode", "tosweb", "tests", "bench", *FRAMEWORK},
    "devnode": {"dashboard", "tosweb", "tos_ai", "tests", "bench", *FRAMEWORK},
    "dashboard": {"devnode", "tests", "bench"},
    "tosweb": {"devnode", "tests", "bench"},
}


def module_name(package: str, path: Path) -> str:
    parts = path.relative_to(PACKAGES[package]).with_suffix("").parts
    return ".".join((package, *parts)).removesuffix(".__init__")


@cache
def imports() -> dict[str, set[str]]:
    """Every module of the four packages → the modules it imports (lazy and TYPE_CHECKING imports too)."""
    found: dict[str, set[str]] = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = module_name(package, path)
            found[name] = set(_imported(ast.parse(path.read_text(encoding="utf-8")), name))
    return found


def _imported(tree: ast.AST, importer: str) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*importer.split(".")[: -node.level], *([base] if base else [])])
            yield base
            # `from dashboard import services` imports the module dashboard.services.
            yield from (f"{base}.{alias.name}" for alias in node.names)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_it_must_not(package: str) -> None:
    wrong = {
        f"{module} imports {target}"
        for module, targets in imports().items()
        if module.split(".")[0] == package
        for target in targets
        if target.split(".")[0] in FORBIDDEN[package]
    }
    assert not wrong, sorted(wrong)


def test_only_the_url_configuration_imports_the_views() -> None:
    wrong = {
        f"{module} imports {target}"
        for module, targets in imports().items()
        for target in targets
        if target.startswith("dashboard.views")
        and not module.startswith("dashboard.views")
        and module != "dashboard.urls"
    }
    assert not wrong, sorted(wrong)


def test_models_and_services_never_import_pages_forms_or_consumers() -> None:
    lower = (
        "dashboard.models",
        "dashboard.services",
        "dashboard.events",
        "dashboard.node",
        "dashboard.broadcast",
        "dashboard.livemessages",
        "dashboard.visibility",
    )
    upper = ("dashboard.views", "dashboard.forms", "dashboard.consumers", "dashboard.urls", "dashboard.admin")
    wrong = {
        f"{module} imports {target}"
        for module, targets in imports().items()
        if module.startswith(lower)
        for target in targets
        if target.startswith(upper)
    }
    assert not wrong, sorted(wrong)


def test_the_client_has_no_import_cycle() -> None:
    graph = {
        module: {target for target in targets if target in imports() and target != module}
        for module, targets in imports().items()
        if module.startswith("tos_ai")
    }
    # A package's __init__ re-exports its modules; it is left out so that `from tos_ai import X` inside
    # tos_ai (which reads the name from __init__) is not counted as a cycle through it.
    graph = {module: targets - {"tos_ai"} for module, targets in graph.items() if module != "tos_ai"}
    cycle = _a_cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def _a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for target in sorted(graph.get(module, ())):
            found = visit(target, [*path, module])
            if found:
                return found
        done.add(module)
        return None

    for module in sorted(graph):
        found = visit(module, [])
        if found:
            return found
    return None


def test_the_dashboard_has_no_import_cycle() -> None:
    """Lazy imports included: a function-level import that closes a loop is still a loop.

    A package's __init__ re-exports its modules, so a module reading a sibling through its own package
    (`from dashboard.services.tasks import ...` runs dashboard/services/__init__.py) is not counted as a
    cycle through it; any other import of a package counts as importing everything it re-exports.
    """
    graph = {
        module: {
            target
            for target in targets
            if target in imports() and target != module and not module.startswith(f"{target}.")
        }
        for module, targets in imports().items()
        if module.startswith("dashboard")
    }
    cycle = _a_cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_services_start_background_work_by_name_only() -> None:
    """Celery work is enqueued through dashboard.jobs, so nothing below the task module imports it."""
    wrong = {
        f"{module} imports dashboard.tasks"
        for module, targets in imports().items()
        if "dashboard.tasks" in targets and module.startswith("dashboard")
    }
    assert not wrong, sorted(wrong)


def test_views_get_node_failures_as_problems_never_as_exceptions() -> None:
    """Services return a NodeProblem (words, field, unavailable); a view catching NodeError is a second way."""
    errors = {"tos_ai.NodeError", "tos_ai.errors", *(f"tos_ai.errors.{name}" for name in ("NodeError",))}
    wrong = {
        f"{module} imports {target}"
        for module, targets in imports().items()
        if module.startswith("dashboard.views")
        for target in targets
        if target in errors
    }
    assert not wrong, sorted(wrong)
