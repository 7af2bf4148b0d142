"""The `processes` mark, set by itself: a test that starts a real process (a devnode, Redis, daphne, a Celery
worker, Chromium, any subprocess) is marked at collection, so `make test-fast` (`-m "not processes"`) leaves
it out and `make test` runs it.

A test is marked when its own code, or a fixture it uses (however indirectly), or a function or class of
the project either of them names, refers to `subprocess`, asyncio's subprocess functions or Playwright.
No test file needs to say anything; one that starts a process some other way says so with
`@pytest.mark.processes`. And so that the fast tier stays fast, a test left unmarked that starts a process
anyway fails, naming the process (the guard below, in every run).
"""

from __future__ import annotations

import dis
import importlib
import subprocess
import types
from collections.abc import Generator, Iterator
from typing import Any

import pytest

MARK = "processes"
#: Names that start processes, whatever they are bound to (attributes included: `asyncio.create_subprocess_exec`).
_STARTER_NAMES = frozenset(
    {"sync_playwright", "async_playwright", "create_subprocess_exec", "create_subprocess_shell", "Popen"}
)
#: Code under these packages is followed into; anything else (Django, the standard library) is not.
_OWN = ("tests", "devnode", "dashboard", "tosweb", "tos_ai", "clients", "bench")

_seen: dict[types.CodeType, bool] = {}


def _code_objects(obj: object) -> Iterator[tuple[types.CodeType, dict[str, Any]]]:
    """The code of a function (or of every method of a class), with the globals its names resolve in."""
    if isinstance(obj, type):
        for member in vars(obj).values():
            yield from _code_objects(member.fget if isinstance(member, property) else member)
        return
    function = getattr(obj, "__func__", obj)
    function = getattr(function, "__wrapped__", function)
    code = getattr(function, "__code__", None)
    if isinstance(code, types.CodeType):
        yield code, getattr(function, "__globals__", {})


def _own(obj: object) -> bool:
    module = str(getattr(obj, "__module__", "") or "")
    return module.split(".")[0] in _OWN and module != __name__


def _import(name: str) -> object:
    if name.split(".")[0] not in _OWN:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _referenced(code: types.CodeType, namespace: dict[str, Any]) -> Iterator[object]:
    """What the code's global names, `module.attribute`s and imports (local ones too) refer to."""
    bound: dict[str, object] = {}  # local names that an import inside the function bound
    current: object = None  # what the last instruction left on the stack, when it is known
    importing: object = None  # the module of a `from ... import` under way
    pending: object = None  # what an import leaves for the store that follows it
    for instruction in dis.get_instructions(code):
        operation, name = instruction.opname, instruction.argval
        if operation in {"LOAD_GLOBAL", "LOAD_NAME"}:
            current = namespace.get(name)
        elif operation in {"LOAD_FAST", "LOAD_DEREF"}:
            current = bound.get(name)
        elif operation in {"LOAD_ATTR", "LOAD_METHOD"} and isinstance(current, types.ModuleType):
            current = getattr(current, name, None)
        elif operation == "IMPORT_NAME":
            current = importing = pending = _import(str(name))
        elif operation == "IMPORT_FROM" and isinstance(importing, types.ModuleType):
            current = pending = getattr(importing, name, None)
        elif operation.startswith("STORE_") and pending is not None:
            bound[name] = pending
            current = pending = None
            continue
        else:
            current = None
            continue
        yield current


def _starts(code: types.CodeType, namespace: dict[str, Any]) -> bool:
    if code in _seen:
        return _seen[code]
    _seen[code] = False  # recursion guard: a cycle adds nothing
    found = bool(_STARTER_NAMES & set(code.co_names))
    for target in () if found else _referenced(code, namespace):
        if target is subprocess or getattr(target, "__module__", None) == "subprocess":
            found = True
        elif target is not None and not isinstance(target, types.ModuleType) and _own(target):
            found = any(_starts(inner, scope) for inner, scope in _code_objects(target))
        if found:
            break
    if not found:
        nested = [const for const in code.co_consts if isinstance(const, types.CodeType)]
        found = any(_starts(inner, namespace) for inner in nested)
    _seen[code] = found
    return found


def starts_processes(obj: object) -> bool:
    """Whether calling this test or fixture function may start a process, as far as its code tells."""
    return any(_starts(code, scope) for code, scope in _code_objects(obj))


def _needs_processes(item: pytest.Item) -> bool:
    if item.get_closest_marker(MARK) is not None:
        return True
    function = getattr(item, "function", None)
    if function is not None and starts_processes(function):
        return True
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info is not None else ()
    return any(
        starts_processes(fixture.func)
        for chain in definitions
        for fixture in chain
        if _ours(item, fixture.func)
    )


def _ours(item: pytest.Item, function: object) -> bool:
    """A fixture of this project's (its conftest files, tests/support), not of pytest or a plugin."""
    source = str(getattr(getattr(function, "__code__", None), "co_filename", ""))
    return source.startswith(str(item.config.rootpath)) and "site-packages" not in source


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _needs_processes(item):
            item.add_marker(MARK)


# --- the guard: an unmarked test that starts a process fails ---------------------------------------------

#: The tests running now, innermost last (pytest's own tests run one inside another), and whether unmarked.
_running: list[tuple[pytest.Item, bool]] = []
_started: dict[str, list[str]] = {}
_popen_init = subprocess.Popen.__init__


def _watched_init(self: subprocess.Popen[Any], args: Any, *rest: Any, **options: Any) -> None:
    if _running and _running[-1][1]:
        words = [args] if isinstance(args, (str, bytes)) else list(args)
        _started.setdefault(_running[-1][0].nodeid, []).append(" ".join(map(str, words[:4])))
    _popen_init(self, args, *rest, **options)


subprocess.Popen.__init__ = _watched_init  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    _running.append((item, item.get_closest_marker(MARK) is None))
    try:
        return (yield)
    finally:
        _running.pop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    started = _started.pop(item.nodeid, None) if call.when == "teardown" else None
    if started and report.passed:
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} started a process without the `{MARK}` mark ({'; '.join(started[:3])}): "
            f"`make test-fast` would run it. Mark it `@pytest.mark.{MARK}` (tests/support/tiers.py)."
        )
    return report
