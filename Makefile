# `make demo`: set everything up and run one whole learner loop. `make test`: the test suite.
VENV ?= .venv
PY := $(VENV)/bin/python
TILTYARD := $(VENV)/bin/tiltyard
PYTHON ?= python3

.PHONY: demo test bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test,postgres,ray]"
	# Optional: the coach's PyTorch checks run when PyTorch is installed (a local CPU wheel here).
	$(PY) -m pip install --quiet torch==2.13.0 || echo "PyTorch not installed: its coach checks are skipped"
	touch $@

demo: $(VENV)/.installed
	$(TILTYARD) catalog build
	$(TILTYARD) challenges
	rm -rf demo-workspace
	$(TILTYARD) start titanic-v1 demo-workspace
	cd demo-workspace && ../$(PY) starter.py
	$(TILTYARD) submit titanic-v1 demo-workspace/submission.csv
	@echo "Next: cd demo-workspace, improve starter.py, submit again; 'tiltyard --help' for more."

test: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) benchmarks/grading.py

clean:
	rm -rf $(VENV) demo-workspace .pytest_cache
