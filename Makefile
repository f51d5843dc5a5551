# Every target sets up what it needs first, so any of them works on a fresh checkout.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1
SITEURL ?= http://$(HOST):$(PORT)
CONTENT ?= content
OUTPUT ?= output
PELICAN := $(BIN)/pelican
PELICANOPTS ?=
# The load runs (marked slow) belong to `make bench`; PYTESTOPTS= runs everything.
PYTESTOPTS ?= -m "not slow"
NODE_TESTS := tests/node_modules/.installed
NODE_AUDIT := bench/node_modules/.installed

.PHONY: help html clean regenerate devserver publish newpost serve test lint format audit bench setup

help:
	@echo "make serve      build the site and run it with the comment service at $(SITEURL)/"
	@echo "make test       run the whole test suite"
	@echo "make html       build the site into $(OUTPUT)/"
	@echo "make clean      remove $(OUTPUT)/ and the build cache"
	@echo "make regenerate rebuild on every change"
	@echo "make devserver  rebuild on change and serve the static pages at $(SITEURL)/"
	@echo "make publish    build for production with publishconf.py (absolute URLs)"
	@echo "make newpost TITLE=\"...\"   write a new Markdown article and print its path"
	@echo "make audit      Lighthouse scores and page weights of the built site"
	@echo "make bench      benchmarks and load runs (ranking, build times, comment load, slow tests)"

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.txt \
		|| $(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e . \
		|| $(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

html: $(STAMP)
	$(PELICAN) $(CONTENT) -o $(OUTPUT) -s pelicanconf.py -e 'SITEURL="$(SITEURL)"' $(PELICANOPTS)

clean:
	rm -rf $(OUTPUT) cache

regenerate: $(STAMP)
	$(PELICAN) -r $(CONTENT) -o $(OUTPUT) -s pelicanconf.py -e 'SITEURL="$(SITEURL)"' $(PELICANOPTS)

devserver: $(STAMP)
	$(PELICAN) -lr $(CONTENT) -o $(OUTPUT) -s pelicanconf.py -e 'SITEURL="$(SITEURL)"' \
		-b $(HOST) -p $(PORT) $(PELICANOPTS)

publish: $(STAMP)
	$(PELICAN) $(CONTENT) -o $(OUTPUT) -s publishconf.py $(PELICANOPTS)

newpost: $(STAMP)
	@test -n "$(TITLE)" || { echo 'usage: make newpost TITLE="Headline" [CATEGORY=World] [AUTHOR="Name"]' >&2; exit 2; }
	@$(BIN)/python plugins/newpost.py --content $(CONTENT) --title "$(TITLE)" \
		$(if $(CATEGORY),--category "$(CATEGORY)") $(if $(AUTHOR),--author "$(AUTHOR)")

serve: html
	COMMENTS_SITE_URL=$(SITEURL) COMMENTS_SITE_DIR=$(abspath $(OUTPUT)) \
		$(BIN)/python -m comments_api.web.serve --host $(HOST) --port $(PORT)

$(NODE_TESTS): tests/package.json tests/package-lock.json
	npm ci --prefix tests --no-audit --no-fund --silent
	touch $(NODE_TESTS)

$(NODE_AUDIT): bench/package.json bench/package-lock.json
	npm ci --prefix bench --no-audit --no-fund --silent
	touch $(NODE_AUDIT)

test: $(STAMP) $(NODE_TESTS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	chromium="$$($(BIN)/python tests/find_browser.py)" && CHROMIUM_PATH="$$chromium" $(BIN)/pytest $(PYTESTOPTS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

audit: html $(NODE_AUDIT)
	$(BIN)/python bench/audit.py --output $(OUTPUT)

bench: $(STAMP)
	$(BIN)/pytest -q -m slow tests
	$(BIN)/python bench/build_times.py
	@for script in bench/*/bench.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done
