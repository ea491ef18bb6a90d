# The two commands the README promises: `make report` and `make test`.
# Both create .venv and install the kit into it first (skipped when nothing changed).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.visreg-installed
OUT ?= reports/demo
NBTEST_ARGS ?=

.PHONY: install report test lab bench readme check-clean clean-nbs shrink-nbs check-export check-readme nbtest pytest

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
	if [ "$$before" != "$$after" ]; then \
	echo "notebooks were not clean; this check has just cleaned them with 'make clean-nbs' (.venv/bin/nbdev-clean):"; \
	diff <(echo "$$before") <(echo "$$after") | grep '^>' | awk '{print "   " $$3}' | sort -u; \
	echo "review with 'git diff nbs/', then commit. 'make lab' installs nbdev's save hook, so notebooks saved in JupyterLab stay clean."; \
	exit 1; fi

# Clean every notebook, as check-clean expects them: execution counts and metadata out, cell ids kept.
clean-nbs: $(STAMP)
	$(BIN)/nbdev-clean

# Stored figures as 256-colour PNGs where that looks the same (bench/shrink_outputs.py), then clean: run after executing notebooks.
shrink-nbs: $(STAMP)
	$(BIN)/python bench/shrink_outputs.py && $(BIN)/nbdev-clean

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

# JupyterLab on the notebooks, with nbdev's save hook: a notebook saved there is written as nbdev-clean leaves it
# (pyproject.toml: jupyter_hooks = true). The hook goes into this venv's Jupyter config, not ~/.jupyter, so only
# Jupyter run from .venv uses it; delete .venv/etc/jupyter/jupyter_server_config.py to turn it off.
JUPYTER_HOOK := $(VENV)/etc/jupyter/jupyter_server_config.py

$(JUPYTER_HOOK): jupyter_server_config.py $(STAMP)
	@if [ -f $@ ] && ! grep -q nbdev_clean_jupyter $@; then \
	echo "$@ exists and is not visreg_nb's: add the hook in jupyter_server_config.py to it by hand"; exit 1; fi
	@mkdir -p $(@D) && cp $< $@ && echo "nbdev save hook installed in $@ (this venv's Jupyter only)"

lab: $(STAMP) $(JUPYTER_HOOK)
	$(BIN)/jupyter lab nbs/

# Benchmarks print ratios measured in one run (never timed tests); one torch thread, as in the tests,
# because on shared cores two threads per process collapse under load. Results also go to bench/results.json.
bench: $(STAMP)
	@$(BIN)/python -c "import cleanlab, plotly, anywidget" 2>/dev/null || $(BIN)/python -m pip install -q -e ".[bench]"
	@cd bench && for f in bench_*.py; do echo "== bench/$$f"; OMP_NUM_THREADS=1 $(abspath $(BIN))/python $$f || exit 1; done

# Before a release: the report (a fresh smoke one on digits, or REPORT=path/report.html) and lesson 01 in headless Chromium,
# as full-page PNGs 1280 px wide (and the first screen) in screenshots/, for a person to look at. Fails on any network
# request, console error or broken image. Needs Debian's chromium; installs the `screenshots` extra (Playwright) if missing.
.PHONY: screenshots lessons-html
SCREENSHOT_ARGS ?=
screenshots: $(STAMP)
	@$(BIN)/python -c "import playwright, latex2mathml" 2>/dev/null || $(BIN)/python -m pip install -q -e ".[screenshots]"
	OMP_NUM_THREADS=1 $(BIN)/python bench/screenshots.py $(if $(REPORT),--report $(REPORT)) $(SCREENSHOT_ARGS)

# Every lesson as a self-contained HTML page (stored outputs, maths as MathML, nothing loaded from the network) in lessons-html/,
# for a course page or a laptop offline; plain `jupyter nbconvert --to html` pages load require.js and MathJax from a CDN.
lessons-html: $(STAMP)
	$(BIN)/python bench/screenshots.py --export-lessons lessons-html
