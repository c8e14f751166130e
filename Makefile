# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INTEROP := .venv-interop
INTEROP_STAMP := $(INTEROP)/.installed
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

.PHONY: demo notebooks test lint bench venv interop clean secrets

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,test,analytics]'
	touch $(STAMP)

venv: $(STAMP)

# an independent OCPI implementation (extrawest-ocpi) as the receiving eMSP of the interop test, in its own
# venv: its dependencies clash with ours
$(INTEROP_STAMP): tests/partners/interop/requirements.txt
	$(PYTHON) -m venv $(INTEROP)
	$(INTEROP)/bin/python -m pip install --quiet -r tests/partners/interop/requirements.txt
	touch $(INTEROP_STAMP)

interop: $(INTEROP_STAMP)

# the project with the `bench` extra (quixstreams, the peer bench_pipeline.py measures) in its own venv:
# quixstreams pins confluent-kafka below 2.13, which would downgrade the test venv
$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[embedded,bench]'
	touch $(BENCH_STAMP)

demo: $(STAMP)
	$(BIN)/roamstream demo --fresh

# the notebooks exported to data/notebooks/*.html from the demo's lake (made by `make demo` if not there yet)
DEMO_LAKE := data/demo-lake
$(DEMO_LAKE)/.roamstream-demo: | $(STAMP)
	$(BIN)/roamstream demo --fresh --lake $(DEMO_LAKE)

notebooks: $(STAMP) $(DEMO_LAKE)/.roamstream-demo
	$(BIN)/roamstream notebooks export --lake $(DEMO_LAKE) --out data/notebooks

# the env file docker-compose.yml takes every secret from (.env, gitignored, mode 0600); kept if it exists
secrets: $(STAMP)
	@if [ -e .env ]; then echo ".env exists: kept (rotate with: $(BIN)/roamstream secrets init --force)"; \
	else $(BIN)/roamstream secrets init --env-file .env; fi

test: $(STAMP) $(INTEROP_STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

# bench_pipeline.py runs in .venv-bench (worker, raw loop and quixstreams on the same libraries)
bench: $(STAMP) $(BENCH_STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; \
	  if [ $$b = bench/bench_pipeline.py ]; then py=$(BENCH_VENV)/bin/python; else py=$(BIN)/python; fi; \
	  $$py $$b || exit 1; done

clean:
	rm -rf $(VENV) $(INTEROP) $(BENCH_VENV) data .pytest_cache
