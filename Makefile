# The two commands: `make run` brings the whole system up, `make test` checks it. Both bootstrap a
# fresh machine (Python 3.11 and a shell) by themselves: a venv, the pip packages, the Debian packages.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The Python lock (tosweb/lock.py): every pip install here, and the Dockerfile's, takes its versions from it,
# build requirements included (pip passes PIP_CONSTRAINT on to its isolated build environments).
LOCK := constraints.txt
UV_VERSION := 0.13.9
# Debian packages the tests need: a real Chromium for the browser tests; for the C++ client
# (clients/cpp/), its toolchain, libcurl, nlohmann/json, libsodium, Boost (Beast) and GoogleTest.
DEB_TEST_PACKAGES := chromium
DEB_TEST_PACKAGES += cmake ninja-build g++ pkg-config googletest libgtest-dev libcurl4-openssl-dev \
	nlohmann-json3-dev libsodium-dev libboost-dev

.PHONY: run demo test test-fast test-postgres test-clients node-check lint typecheck pytest bootstrap bootstrap-test debs clean
.PHONY: lock lock-upgrade

# Each process's output goes to .run/logs/NAME.log; `make run VERBOSE=1` shows it on the terminal instead
# (and pip's too). The terminal gets a line a step, the URL and the logins, and any process's death.
VERBOSE ?=
VERBOSE_FLAG := $(if $(filter-out 0 no false,$(VERBOSE)),--verbose)

run: bootstrap
	@$(BIN)/python -m tosweb.launcher run $(VERBOSE_FLAG)

# `make run` plus demo activity: funded demo accounts, auto-mining on for `miner` (offline drafter), a task
# published by `publisher` every ~20 s and scored after its deadline by `demo-reviewer`, unless the `validator`
# login reviewed it first (the Procfile's `demo` process).
demo: bootstrap
	@$(BIN)/python -m tosweb.launcher run --demo $(VERBOSE_FLAG)

# pytest-xdist workers: the suite mostly waits on the real processes it starts, so more workers than the
# machine's 2 cores pay (18.5 min in one process, 10 min on 4, both at a load of 10-13: docs/performance.md).
# Each worker keeps its own Redis, devnodes and temporary files; a test file stays on one worker, so its
# module-scoped devnode or Chromium starts once. PYTEST_WORKERS=1 runs in this process.
PYTEST_WORKERS ?= 4
PYTEST_PARALLEL = $(if $(filter-out 0 1,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile)
# The test process's line coverage (not the processes it starts) must stay at or above this.
COVERAGE_FLOOR ?= 84

test: bootstrap-test debs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) --cov --cov-report=term --cov-fail-under=$(COVERAGE_FLOOR) $(PYTEST_ARGS)
	$(MAKE) test-clients

# The day-to-day tier: lint, types and every test that starts no process (tests/support/tiers.py), in
# about a minute. CI runs `make test`, which runs these too.
test-fast: bootstrap-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python -m pytest -m "not processes" $(if $(filter-out 0 1,$(PYTEST_WORKERS)),-n 2) $(PYTEST_ARGS)

# Every client against one devnode, through the shared conformance suite (clients/conformance/), each named
# here: the harness refuses a name without clients/NAME/conformance.json, and tests/tosweb/test_clients_run.py
# fails when a folder under clients/ is missing from the list.
CLIENTS := python typescript go java cpp

test-clients: bootstrap-test debs node-check
	$(BIN)/python clients/conformance/harness.py $(addprefix --client ,$(CLIENTS))

# The TypeScript client (clients/typescript) needs Node.js >= 20 with npm; its conformance.json runs
# `npm ci`, which installs its packages from package-lock.json (npm's cache makes it a few seconds).
NODE_MIN := 20
node-check:
	@command -v npm >/dev/null 2>&1 && node -e 'process.exit(+process.versions.node.split(".")[0] >= $(NODE_MIN) ? 0 : 1)' 2>/dev/null \
	  || { echo "clients/typescript needs Node.js >= $(NODE_MIN) and npm (found node $$(node --version 2>/dev/null || echo none))"; exit 1; }

# The same suite on PostgreSQL: the server at DATABASE_URL when set, else a throwaway cluster under .run/
# (Debian's postgresql, installed when missing and run as root) on a free loopback port, stopped afterwards.
test-postgres: bootstrap-test debs
	$(BIN)/python -m tosweb.pgtest -- $(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

lint: bootstrap-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: bootstrap-test
	$(BIN)/mypy .

pytest: bootstrap-test debs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bootstrap: $(VENV)/.installed
bootstrap-test: $(VENV)/.installed-test

# A line a step (tosweb/bootstrap.py): pip's own output goes to .venv/pip.log, shown in part when it fails.
BOOTSTRAP := $(PYTHON) -P tosweb/bootstrap.py

$(BIN)/python:
	@$(BOOTSTRAP) venv $(VENV) $(VERBOSE_FLAG)

# The client and the dashboard, plus the devnode and the tools `make run` starts them with (the `dev` extra;
# the production image has neither: Dockerfile).
$(VENV)/.installed: pyproject.toml clients/python/pyproject.toml $(LOCK) | $(BIN)/python
	@PIP_CONSTRAINT=$(CURDIR)/$(LOCK) $(BOOTSTRAP) install $(VENV) -e clients/python -e '.[dev]' $(VERBOSE_FLAG)
	@touch $@

$(VENV)/.installed-test: pyproject.toml clients/python/pyproject.toml $(LOCK) | $(BIN)/python
	@PIP_CONSTRAINT=$(CURDIR)/$(LOCK) $(BOOTSTRAP) install $(VENV) -e clients/python -e '.[test]' $(VERBOSE_FLAG)
	@touch $@ $(VENV)/.installed

# After editing a dependency in either pyproject.toml: resolve again, keeping every pin that still fits.
# `make lock-upgrade` moves every pin to the newest version the ranges admit: run it on purpose, then
# `make test`, and commit constraints.txt with what changed. Both need the network (PyPI), tests do not.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	$(BIN)/python -m tosweb.lock

lock-upgrade: | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	$(BIN)/python -m tosweb.lock --upgrade

debs:
	@missing=""; for pkg in $(DEB_TEST_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing (run as root, or: sudo apt-get install$$missing); browser tests will be skipped."; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.* build *.egg-info
	rm -rf clients/typescript/node_modules clients/typescript/dist clients/typescript/.test-build
