# Every target sets up what it needs first, so any of them works on a fresh checkout.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1
CONTENT ?= content
OUTPUT ?= output
PREVIEW ?= preview
PREVIEW_PORT ?= 8001
# The address a build links to. `make serve` and `make devserver` build for the address they
# serve (SITEURL when given); a build records it in OUTPUT/.siteurl, and `make html` or
# `make regenerate` without SITEURL, PORT or HOST reuses that record, so a rebuild keeps the
# links of the server that shows the folder. `make publish` leaves no record.
SITEURL_RECORD = $(OUTPUT)/.siteurl
given = $(filter command line environment override,$(origin $(1)))
SERVED_URL = http://$(HOST):$(PORT)
SERVE_URL = $(if $(call given,SITEURL),$(SITEURL),$(SERVED_URL))
BUILD_URL = $(or $(if $(call given,SITEURL),$(SITEURL)),$(if $(call given,PORT)$(call given,HOST),$(SERVED_URL)),$(shell head -n 1 '$(SITEURL_RECORD)' 2>/dev/null),$(SERVED_URL))
PREVIEW_URL = http://$(HOST):$(PREVIEW_PORT)
PELICAN := $(BIN)/pelican
PELICANOPTS ?=
# The load runs (marked slow) belong to `make bench`; PYTESTOPTS= runs everything.
PYTESTOPTS ?= -m "not slow"
NODE_TESTS := tests/node_modules/.installed
NODE_AUDIT := bench/node_modules/.installed

.PHONY: help html clean regenerate devserver preview publish newpost serve test lint format audit bench setup

help:
	@echo "make serve      build the site and run it with the comment service at $(SERVE_URL)/"
	@echo "make test       run the whole test suite"
	@echo "make html       build the site into $(OUTPUT)/ (for the address it was last built for)"
	@echo "make clean      remove $(OUTPUT)/, $(PREVIEW)/ and the build cache"
	@echo "make regenerate rebuild on every change"
	@echo "make devserver  make serve, rebuilding on every change"
	@echo "make preview    build with drafts and future articles into $(PREVIEW)/, serve at $(PREVIEW_URL)/"
	@echo "make publish    build for production with publishconf.py (absolute URLs)"
	@echo "make newpost TITLE=\"...\"   write a new draft article and print its path"
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

# $(call record,URL): note in OUTPUT the address its pages link to.
record = mkdir -p '$(OUTPUT)' && printf '%s\n' '$(1)' > '$(SITEURL_RECORD)'

html: $(STAMP)
	@echo "make html: building $(OUTPUT)/ for $(BUILD_URL)"
	$(PELICAN) $(CONTENT) -o $(OUTPUT) -s pelicanconf.py -e 'SITEURL="$(BUILD_URL)"' $(PELICANOPTS)
	@$(call record,$(BUILD_URL))

clean:
	rm -rf $(OUTPUT) $(PREVIEW) cache

regenerate: $(STAMP)
	@echo "make regenerate: building $(OUTPUT)/ for $(BUILD_URL)"
	@$(call record,$(BUILD_URL))
	$(PELICAN) -r $(CONTENT) -o $(OUTPUT) -s pelicanconf.py -e 'SITEURL="$(BUILD_URL)"' $(PELICANOPTS)

# The service serves OUTPUT while `pelican -r`, its child, rebuilds it; Ctrl-C stops both.
devserver: $(STAMP)
	@echo "make devserver: building $(OUTPUT)/ for $(SERVE_URL), rebuilt on every change"
	@$(call record,$(SERVE_URL))
	exec $(BIN)/python -m comments_api.web.devserver --siteurl '$(SERVE_URL)' \
		--content '$(CONTENT)' --output '$(OUTPUT)' --host $(HOST) --port $(PORT)

# Drafts and future articles, in a folder of their own: never in OUTPUT.
preview: $(STAMP)
	@test '$(abspath $(PREVIEW))' != '$(abspath $(OUTPUT))' \
		|| { echo 'make preview: PREVIEW must not be the OUTPUT folder' >&2; exit 2; }
	@echo "make preview: building $(PREVIEW)/ with drafts for $(PREVIEW_URL) (not published)"
	rm -rf '$(PREVIEW)'
	exec $(BIN)/python -m comments_api.web.devserver --preview --siteurl '$(PREVIEW_URL)' \
		--content '$(CONTENT)' --output '$(PREVIEW)' --host $(HOST) --port $(PREVIEW_PORT)

# The comments baked in come from COMMENTS_DATABASE_URL of the environment, or from none.
publish: $(STAMP)
	@$(BIN)/python publishconf.py
	$(PELICAN) $(CONTENT) -o $(OUTPUT) -s publishconf.py $(PELICANOPTS)

newpost: $(STAMP)
	@test -n "$(TITLE)" || { echo 'usage: make newpost TITLE="Headline" [CATEGORY=World] [AUTHOR="Name"] [TAGS="a, b"]' >&2; exit 2; }
	@$(BIN)/python plugins/newpost.py --content $(CONTENT) --title "$(TITLE)" \
		$(if $(CATEGORY),--category "$(CATEGORY)") $(if $(AUTHOR),--author "$(AUTHOR)") \
		$(if $(TAGS),--tags "$(TAGS)")

serve: $(STAMP)
	@echo "make serve: building $(OUTPUT)/ for $(SERVE_URL)"
	$(PELICAN) $(CONTENT) -o $(OUTPUT) -s pelicanconf.py -e 'SITEURL="$(SERVE_URL)"' $(PELICANOPTS)
	@$(call record,$(SERVE_URL))
	COMMENTS_SITE_URL=$(SERVE_URL) COMMENTS_SITE_DIR=$(abspath $(OUTPUT)) \
		exec $(BIN)/python -m comments_api.web.serve --host $(HOST) --port $(PORT)

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
