# The two commands a user needs: `make run` and `make test`. Everything else is set up here.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Debian packages the tests use (a real third-party IdP for interop, chromium for the e2e
# browser tests): installed when missing.
SYSTEM_PACKAGES ?= python3-lasso chromium

.PHONY: run test lint format venv demo bench clean sysdeps fuzz crash soak

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/gateway init-demo

run: demo
	GATEWAY_DEMO=$${GATEWAY_DEMO:-1} GATEWAY_PUBLIC_URL=$${GATEWAY_PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/gateway serve --host 127.0.0.1 --port $(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

sysdeps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; } \
	    || echo "warning: could not install$$missing; the tests needing it skip and say why"; \
	fi

test: lint sysdeps
	$(BIN)/pytest

# Not part of `make test`: anchors go to var/bench-venv; `make bench QUICK=1` runs the short mode.
bench: venv
	$(BIN)/python bench/run.py $(if $(QUICK),--quick) $(BENCH_ARGS)

# Reliability (RELIABILITY.md): the large fuzzing share (counts written to var/fuzz-cases.json),
# SIGKILL crash trials (CRASH_TRIALS per scenario), and a bounded loopback soak (SOAK_SECONDS).
FUZZ_TESTS := tests/reliability/test_fuzz_scim_http.py tests/reliability/test_fuzz_saml_http.py \
  tests/reliability/test_fuzz_admin_api.py

fuzz: venv
	GATEWAY_FUZZ=large $(BIN)/pytest -q -p no:cacheprovider $(FUZZ_TESTS)

crash: venv
	$(BIN)/python -m reliability.crash --trials $${CRASH_TRIALS:-10}

soak: venv
	SOAK_SECONDS=$${SOAK_SECONDS:-600} $(BIN)/python -m reliability.soak

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
