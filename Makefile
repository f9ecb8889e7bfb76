# The README's two commands: `make demo` and `make test`. Both build .venv on first use;
# what pip prints goes to .venv/install.log, shown only when the install fails.
# `make test` is the whole suite, as CI runs it (CI=true: missing ../shared data fails);
# `make test-fast` leaves out the slow, server and browser tests (tests/conftest.py): the
# edit loop, under a minute on a 2-core machine.  `make readme-sample` rewrites the
# README's sample run with what the shipped model prints now.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOG := $(VENV)/install.log

.PHONY: demo test test-fast readme-sample lint bench clean-venv

$(STAMP): pyproject.toml
	@echo "setting up $(VENV) (a minute on first use; log in $(LOG))"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip > $(LOG) 2>&1 || { cat $(LOG); exit 1; }
	@$(BIN)/python -m pip install --quiet -e ".[dev,dask]" >> $(LOG) 2>&1 || { cat $(LOG); exit 1; }
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/newssift classify --format text examples/article.txt

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n auto -m "not slow and not server and not browser"

readme-sample: $(STAMP)
	$(BIN)/python -m newssift.training.readme_sample

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/classify_throughput.py

clean-venv:
	rm -rf $(VENV)
