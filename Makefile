# Two entry points for a fresh machine (see README.md):
#   make all    set up .venv and build figures/all at the default scale (laptop)
#   make test   set up .venv and run the test suite
PYTHON ?= python3
# bash with pipefail: snakemake's exit status survives the quiet filter of `make all`
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?=
SNAKEMAKE_ARGS ?=

.PHONY: all test setup smoke clean-results

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# Rules call `python -m scripts...`: the venv's bin first on PATH so jobs use its packages.
# The terminal shows each job's rule, wildcards and log, progress and any error in full
# (scripts/tools/quiet_log.py); the complete log is under .snakemake/log/.
all: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake figures/all $(if $(SCALE),--config scale=$(SCALE)) $(SNAKEMAKE_ARGS) 2>&1 | $(BIN)/python -m scripts.tools.quiet_log
	@echo ""
	@echo "Done. The results, at scale $(or $(SCALE),laptop):"
	@echo "  figures/all            manifest of every table and figure (path, what it reproduces, sha256)"
	@echo "  figures/scorecard.md   each paper's claims and whether they hold at this scale"
	@echo "  figures/<id>/          the tables (.md, .csv) and figures (.pdf, .png) of each paper"
	@echo "  the report:            $(BIN)/snakemake --report report.html figures/all $(if $(SCALE),--config scale=$(SCALE))"

smoke: SCALE = smoke
smoke: all

test: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

clean-results:
	rm -rf results figures/all figures/*/ figures/.scale logs benchmarks .snakemake/metadata
