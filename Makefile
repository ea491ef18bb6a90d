# The two commands the README promises: `make report` and `make test`.
# Both create .venv and install the kit into it first (skipped when nothing changed).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.visreg-installed
OUT ?= reports/demo
NBTEST_ARGS ?=

.PHONY: install report test lab bench readme check-clean check-export check-readme nbtest pytest

# Install once; again only when pyproject.toml or setup.py changed.
$(STAMP): pyproject.toml setup.py
	@start=$$(date +%s); \
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); \
	$(BIN)/python -m pip install -q --upgrade pip && \
	$(BIN)/python -m pip install -q -e ".[dev,deploy]" && \
	touch $(STAMP) && echo "install: $$(( $$(date +%s) - start ))s"

install: $(STAMP)

# The full report at the CLI's defaults: all 1,797 digits, tiny_cnn at 32 px for 8 epochs, a full label scan.
report: $(STAMP)
	$(BIN)/visreg-report --dataset digits --out $(OUT) $(if $(FORCE),--force)

# Each stage prints its time; the first failure stops the run.
test: $(STAMP)
	@$(MAKE) --no-print-directory timed STAGE=check-clean
	@$(MAKE) --no-print-directory timed STAGE=check-export
	@$(MAKE) --no-print-directory timed STAGE=check-readme
	@$(MAKE) --no-print-directory timed STAGE=nbtest
	@$(MAKE) --no-print-directory timed STAGE=pytest

timed:
	@echo "== $(STAGE)"; start=$$(date +%s); \
	$(MAKE) --no-print-directory $(STAGE); rc=$$?; \
	echo "== $(STAGE): $$(( $$(date +%s) - start ))s"; exit $$rc

_snapshot = find $(1) -type f \( -name '*.ipynb' -o -name '*.py' \) -not -path '*/.ipynb_checkpoints/*' | sort | xargs md5sum

# (1) notebooks are clean: nbdev-clean changes nothing.
check-clean:
	@before=$$($(call _snapshot,nbs)); $(BIN)/nbdev-clean; after=$$($(call _snapshot,nbs)); \
	if [ "$$before" != "$$after" ]; then echo "notebooks were not clean: nbdev-clean has cleaned them now; review and commit the result"; exit 1; fi

# (2) the library is what the notebooks export.
check-export:
	@before=$$($(call _snapshot,visreg_nb)); $(BIN)/nbdev-export; after=$$($(call _snapshot,visreg_nb)); \
	if [ "$$before" != "$$after" ]; then echo "library and notebooks differ: edit the notebook, then nbdev-export"; \
	diff <(echo "$$before") <(echo "$$after") | grep '^[<>]' | awk '{print "   " $$3}' | sort -u; exit 1; fi

# README.md is rendered from nbs/index.ipynb (nbdev-readme needs Quarto, which cannot be installed offline).
_render_readme = $(BIN)/jupyter nbconvert --to markdown --stdout --log-level=ERROR \
	--RegexRemovePreprocessor.patterns='["^\#\| ?hide"]' nbs/index.ipynb

readme: $(STAMP)
	@$(_render_readme) > README.md && echo "README.md rendered from nbs/index.ipynb"

check-readme:
	@if ! diff -q <($(_render_readme)) README.md >/dev/null; then \
	echo "README.md is out of date with nbs/index.ipynb: run 'make readme' and commit it"; exit 1; fi

# (3) every notebook runs; (4) the tests outside the notebooks.
# One torch thread per process: nbdev-test runs notebooks in parallel, and on 2 shared cores
# two threads per process spin against each other (measured: 437 img/s with 1 thread, 69 with 2).
nbtest:
	OMP_NUM_THREADS=1 $(BIN)/nbdev-test --timing $(NBTEST_ARGS)

pytest:
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q tests/

lab: $(STAMP)
	$(BIN)/jupyter lab nbs/

# Benchmarks print ratios measured in one run (never timed tests); one torch thread, as in the tests,
# because on shared cores two threads per process collapse under load. Results also go to bench/results.json.
bench: $(STAMP)
	@cd bench && for f in bench_*.py; do echo "== bench/$$f"; OMP_NUM_THREADS=1 $(abspath $(BIN))/python $$f || exit 1; done
