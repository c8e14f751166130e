# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo notebooks test lint bench venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,test,analytics]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/roamstream demo --fresh

# the notebooks exported to data/notebooks/*.html from the demo's lake (made by `make demo` if not there yet)
DEMO_LAKE := data/demo-lake
$(DEMO_LAKE)/.roamstream-demo: | $(STAMP)
	$(BIN)/roamstream demo --fresh --lake $(DEMO_LAKE)

notebooks: $(STAMP) $(DEMO_LAKE)/.roamstream-demo
	$(BIN)/roamstream notebooks export --lake $(DEMO_LAKE) --out data/notebooks

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache
