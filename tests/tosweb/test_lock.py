"""The locks: constraints.txt matches both pyproject.toml files and is what every install uses; each client
keeps a lock of its own (package-lock.json, go.sum, pinned Maven versions)."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata
from pathlib import Path
from xml.etree import ElementTree

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tosweb.lock import LOCK, SOURCES, inputs_digest, recorded_digest

ROOT = Path(__file__).resolve().parents[2]
OWN_PACKAGES = {"tos-ai-dashboard", "tos-ai"}


def locked() -> dict[str, Version]:
    """name → the version locked for this interpreter and platform (entries for others are left out)."""
    pins: dict[str, Version] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if not line[:1].isalnum():
            continue
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        (spec,) = requirement.specifier
        assert spec.operator == "==", line
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{name} is locked twice for this environment"
        pins[name] = Version(spec.version)
    return pins


def declared() -> list[tuple[str, Requirement]]:
    """Every requirement of both pyproject.toml files, with the extra that asks for it ('' for the base)."""
    found = []
    for path in SOURCES:
        project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
        groups = {"": project.get("dependencies", []), **project.get("optional-dependencies", {})}
        for extra, requirements in groups.items():
            found += [(extra, Requirement(text)) for text in requirements]
    return found


def test_the_lock_was_made_from_the_pyproject_files_of_this_checkout() -> None:
    assert recorded_digest() == inputs_digest(), (
        "a dependency in pyproject.toml or clients/python/pyproject.toml changed since constraints.txt was "
        "written: run `make lock` and commit constraints.txt"
    )


def test_every_declared_requirement_is_locked_at_a_version_its_range_admits() -> None:
    pins = locked()
    for extra, requirement in declared():
        name = canonicalize_name(requirement.name)
        if name in OWN_PACKAGES or (requirement.marker and not requirement.marker.evaluate({"extra": extra})):
            continue
        assert name in pins, f"{requirement} is not in constraints.txt: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{requirement} vs {pins[name]}"


def test_this_environment_has_the_locked_versions() -> None:
    """What `make bootstrap-test` installed is the lock (it reinstalls whenever constraints.txt changes)."""
    drifted = []
    for name, version in locked().items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            continue
        if installed != version:
            drifted.append(f"{name} {installed} (locked {version})")
    assert not drifted, f"not the locked versions: {drifted}; run `make bootstrap-test`"


def test_every_install_goes_through_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [
        line
        for line in makefile.splitlines()
        if ("pip install" in line or "$(BOOTSTRAP) install" in line) and not line.startswith("#")
    ]
    for line in installs:
        # Every install takes the lock, except uv (the lock's own tool, `make lock`); tosweb/bootstrap.py
        # brings pip itself up to date when it creates the venv.
        assert "PIP_CONSTRAINT=$(CURDIR)/$(LOCK)" in line or "uv==" in line, line
    assert "$(BOOTSTRAP) install $(VENV) -e clients/python -e '.[test]'" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert any(line.startswith("COPY ") and "constraints.txt" in line for line in dockerfile.splitlines())
    (install,) = [
        line for line in dockerfile.splitlines() if line.startswith("RUN") and "pip install" in line
    ]
    assert "PIP_CONSTRAINT=/app/constraints.txt" in install


def test_the_typescript_client_installs_from_its_package_lock() -> None:
    client = ROOT / "clients" / "typescript"
    lock = json.loads((client / "package-lock.json").read_text(encoding="utf-8"))
    package = json.loads((client / "package.json").read_text(encoding="utf-8"))
    assert lock["lockfileVersion"] >= 2
    root = lock["packages"][""]
    for section in ("dependencies", "devDependencies"):
        assert root.get(section, {}) == package.get(section, {}), f"package-lock.json is stale: {section}"
        for name in package.get(section, {}):
            assert f"node_modules/{name}" in lock["packages"], name
    conformance = json.loads((client / "conformance.json").read_text(encoding="utf-8"))
    assert conformance["setup"][0][:2] == ["npm", "ci"]  # `npm ci` fails rather than move off the lock


def test_the_go_client_has_a_checksum_for_every_module_it_requires() -> None:
    client = ROOT / "clients" / "go"
    required = re.findall(
        r"^\s*(?:require\s+)?([\w.\-/]+\.[\w.\-/]+)\s+(v[\w.\-+]+)", (client / "go.mod").read_text(), re.M
    )
    sums = (client / "go.sum").read_text(encoding="utf-8")
    assert required, "go.mod requires nothing?"
    for module, version in required:
        assert f"{module} {version}/go.mod h1:" in sums, f"{module} {version} is not in go.sum"


def test_the_java_client_pins_every_dependency_and_plugin() -> None:
    pom = ElementTree.parse(ROOT / "clients" / "java" / "pom.xml").getroot()  # noqa: S314 (our own file)
    ns = {"m": pom.tag.removesuffix("project").strip("{}")}
    properties = {child.tag.split("}")[1]: child.text or "" for child in pom.findall("m:properties/*", ns)}
    managed = {
        plugin.findtext("m:artifactId", namespaces=ns)
        for plugin in pom.findall(".//m:pluginManagement/m:plugins/m:plugin", ns)
        if plugin.find("m:version", ns) is not None
    }
    elements = pom.findall(".//m:dependency", ns) + pom.findall(".//m:plugin", ns)
    assert elements
    for element in elements:
        name = element.findtext("m:artifactId", namespaces=ns)
        version = element.findtext("m:version", namespaces=ns)
        if version is None:
            assert element.tag.endswith("plugin"), f"{name} has no version"
            assert name in managed, f"plugin {name} has no version, nor one in <pluginManagement>"
            continue
        version = properties.get(version[2:-1], version) if version.startswith("${") else version
        assert re.fullmatch(r"\d+(\.\d+)*", version), f"{name}: {version} is not one exact version"


def test_the_cpp_client_builds_only_on_debian_packages_the_makefile_installs() -> None:
    """No FetchContent or ExternalProject: what it builds with is the distribution's, at its release's version."""
    client = ROOT / "clients" / "cpp"
    sources = [
        path
        for path in client.rglob("*")
        if (path.name == "CMakeLists.txt" or path.suffix == ".cmake") and "build" not in path.parts
    ]
    assert sources
    assert not [path for path in sources if re.search(r"FetchContent|ExternalProject", path.read_text())]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    debs = " ".join(line for line in makefile.splitlines() if line.startswith("DEB_TEST_PACKAGES"))
    for package in (
        "libcurl4-openssl-dev",
        "nlohmann-json3-dev",
        "libsodium-dev",
        "libboost-dev",
        "libgtest-dev",
    ):
        assert package in debs.split(), package
