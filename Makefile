# Two commands do everything on a fresh clone: `make reports` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?=
DRAWS  ?=
SEED   ?= 20250101

.PHONY: setup browser reports test lint fuzz bench lab validate messages clean help

help:
	@echo "make reports   set up .venv, then render every site into reports/ (cba run's default of 1,000 draws; DRAWS=N to change)"
	@echo "make test      set up .venv, then run ruff and the whole test suite"
	@echo "make lint      run ruff on cba/ and tests/"
	@echo "make fuzz      validate-or-render on 2,000 generated mutations of the site files"
	@echo "make bench     run the benchmarks and print their figures"
	@echo "make lab       open JupyterLab on notebooks/"
	@echo "make validate  check every parameter file"
	@echo "make messages  extract the report texts into cba/locale/cba.pot and merge them into the Spanish catalogue"

# Reinstall only when the package definition changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[notebooks,test,dask]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (border-cba)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

# Headless Chromium for the report checks in the test suite (Debian package).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (Debian package) for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

validate: setup
	$(BIN)/cba validate

reports: setup
	$(BIN)/cba case --html reports/validation.html > /dev/null
	$(BIN)/cba run --seed $(SEED) $(if $(DRAWS),--draws $(DRAWS),) $(if $(JOBS),--jobs $(JOBS),)

# The report texts: code -> cba/locale/cba.pot -> cba/locale/es/LC_MESSAGES/cba.po
# (new texts arrive untranslated; tests/test_i18n.py fails until they are translated).
messages: setup
	$(BIN)/pybabel --quiet extract -F babel.cfg -k N_ --sort-by-file --project border-cba -o cba/locale/cba.pot .
	$(BIN)/pybabel --quiet update -i cba/locale/cba.pot -d cba/locale -D cba --no-fuzzy-matching --ignore-obsolete

lint: setup
	$(BIN)/ruff check cba tests

test: setup browser lint
	$(BIN)/python -m pytest

fuzz: setup
	CBA_FUZZ_EXAMPLES=2000 $(BIN)/python -m pytest -q tests/test_fuzz.py

bench: setup
	@for f in tests/benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

lab: setup
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) reports/*/ reports/*.csv reports/*.html reports/status.json
