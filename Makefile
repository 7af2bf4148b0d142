# The two commands: `make run` brings the whole system up, `make test` checks it. Both bootstrap a
# fresh machine (Python 3.11 and a shell) by themselves: a venv, the pip packages, the Debian packages.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the tests need: a real Chromium for the browser tests; for the C++ client
# (clients/cpp/), its toolchain, libcurl, nlohmann/json, libsodium, Boost (Beast) and GoogleTest.
DEB_TEST_PACKAGES := chromium
DEB_TEST_PACKAGES += cmake ninja-build g++ pkg-config googletest libgtest-dev libcurl4-openssl-dev \
	nlohmann-json3-dev libsodium-dev libboost-dev

.PHONY: run demo test test-postgres test-clients node-check lint typecheck pytest bootstrap bootstrap-test debs clean

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

test: bootstrap-test debs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) test-clients

# Every client under clients/ (each one's clients/<name>/conformance.json) against one devnode, through the
# shared conformance suite (clients/conformance/).
test-clients: bootstrap-test debs node-check
	$(BIN)/python clients/conformance/harness.py

# The TypeScript client (clients/typescript) needs Node.js >= 20 with npm; its conformance.json runs
# `npm ci`, which installs its packages from package-lock.json (npm's cache makes it a few seconds).
NODE_MIN := 20
node-check:
	@command -v npm >/dev/null 2>&1 && node -e 'process.exit(+process.versions.node.split(".")[0] >= $(NODE_MIN) ? 0 : 1)' 2>/dev/null \
	  || { echo "clients/typescript needs Node.js >= $(NODE_MIN) and npm (found node $$(node --version 2>/dev/null || echo none))"; exit 1; }

# The same suite on PostgreSQL: the server at DATABASE_URL when set, else a throwaway cluster under .run/
# (Debian's postgresql, installed when missing and run as root) on a free loopback port, stopped afterwards.
test-postgres: bootstrap-test debs
	$(BIN)/python -m tosweb.pgtest -- $(BIN)/python -m pytest $(PYTEST_ARGS)

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
$(VENV)/.installed: pyproject.toml clients/python/pyproject.toml | $(BIN)/python
	@$(BOOTSTRAP) install $(VENV) -e clients/python -e '.[dev]' $(VERBOSE_FLAG)
	@touch $@

$(VENV)/.installed-test: pyproject.toml clients/python/pyproject.toml | $(BIN)/python
	@$(BOOTSTRAP) install $(VENV) -e clients/python -e '.[test]' $(VERBOSE_FLAG)
	@touch $@ $(VENV)/.installed

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
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
	rm -rf clients/typescript/node_modules clients/typescript/dist clients/typescript/.test-build
