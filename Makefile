# Two entry points for a fresh machine (see README.md):
#   make all    set up .venv and build figures/all at the default scale (laptop)
#   make test   set up .venv and run the test suite
PYTHON ?= python3
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
all: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake figures/all $(if $(SCALE),--config scale=$(SCALE)) $(SNAKEMAKE_ARGS)

smoke: SCALE = smoke
smoke: all

test: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

clean-results:
	rm -rf results figures/all figures/*/ figures/.scale logs benchmarks .snakemake/metadata
