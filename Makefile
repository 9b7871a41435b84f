# `make demo`: set everything up and run one whole learner loop. `make test`: the test suite.
VENV ?= .venv
PY := $(VENV)/bin/python
TILTYARD := $(VENV)/bin/tiltyard
PYTHON ?= python3
DEMO ?= demo-workspace

.PHONY: demo test bench clean test-slow

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# PyTorch first, so that the CPU wheel (a local one here) is the one the agent kind gets.
	$(PY) -m pip install --quiet -c constraints.txt torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $@

# The suite's tools and the optional parts it tests (PostgreSQL, Ray, grid diagrams): the demo
# needs none of them (a fresh `make demo` took 3 min 9.6 s with them, 2 min 25.3 s without).
$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test,postgres,ray,cd]"
	touch $@

# Builds only the demo's challenge (the others build on first use), never touches a workspace
# that exists (it may hold the learner's edits), and ends with the commands to type next.
demo: $(VENV)/.installed
	$(TILTYARD) catalog build titanic-v1
	@if [ -e $(DEMO)/starter.py ]; then \
		echo "Keeping your files in $(DEMO)/ (delete that folder for a fresh copy)."; \
	elif [ -e $(DEMO) ]; then \
		echo "$(DEMO)/ exists but has no starter.py: expected the workspace that 'tiltyard start' makes." >&2; \
		echo "Move or delete $(DEMO)/, then run 'make demo' again." >&2; exit 1; \
	else \
		$(TILTYARD) start titanic-v1 $(DEMO); \
	fi
	cd $(DEMO) && $(abspath $(PY)) starter.py
	$(TILTYARD) submit titanic-v1 $(DEMO)/submission.csv
	@echo ""
	@echo "Next, type:"
	@printf '  %-29s # %s\n' "source $(VENV)/bin/activate" "puts tiltyard and the venv's python on PATH" \
		"cd $(DEMO)" "improve starter.py, then:"
	@echo "  python starter.py && tiltyard submit titanic-v1 submission.csv"
	@printf '  %-29s # %s\n' "tiltyard challenges" "every challenge (the first call builds the others)"

test: $(VENV)/.installed-test
	$(VENV)/bin/ruff check src tests benchmarks
	$(PY) -m pytest --durations=25

test-slow: $(VENV)/.installed-test
	$(PY) -m pytest -m slow

bench: $(VENV)/.installed-test
	$(PY) benchmarks/grading.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
