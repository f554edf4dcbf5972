# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell pyenv which python3 2>/dev/null || command -v python3.12 || command -v python3.13)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint check-migrations screenshots bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		{ echo "Python >= 3.12 is needed (found $$($(PYTHON) --version)); see .python-version"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --port $(PORT)
	SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}" $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

check-migrations: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run

# Django's Japanese overridden where it misleads a clerk (locale/ja/LC_MESSAGES/django.po).
.PHONY: messages
messages:
	msgfmt --check -o locale/ja/LC_MESSAGES/django.mo locale/ja/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) db.sqlite3 media

# The document previews of docs/documents.md: sample PDFs → PNG at 60 dpi (needs poppler's pdftoppm).
.PHONY: docs-pdf-images
docs-pdf-images: $(VENV)/.installed
	@command -v pdftoppm >/dev/null || { echo "pdftoppm not found: apt-get install poppler-utils"; exit 1; }
	@tmp=$$(mktemp -d) && \
	$(PY) manage.py render_samples "$$tmp" --base-url https://esurety.example >/dev/null && \
	mkdir -p docs/documents && \
	for pdf in "$$tmp"/*.pdf; do \
		pdftoppm -r 60 -png -singlefile "$$pdf" "docs/documents/$$(basename "$$pdf" .pdf)"; \
	done && \
	rm -rf "$$tmp" && ls docs/documents/*.png

# The benchmarks of docs/performance.md (bench/run.py): a fresh PostgreSQL database (dropped first),
# N bulk-loaded certificates, gunicorn with 2 workers driven by wrk, PDF rendering and issuance, and
# issuance sealed vs unsealed vs signing alone (bench_seal).
# About 8 minutes on 2 idle cores; writes docs/performance.md on a full run. A quick try:
#   make bench BENCH_CERTIFICATES=20000 BENCH_ISSUE=100 BENCH_SECONDS=3
BENCH_CERTIFICATES ?= 100000
BENCH_ISSUE ?= 1000
BENCH_SECONDS ?= 10
BENCH_RUNS ?= 3
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/esurety_bench
BENCH_OUT ?= /tmp/esurety-bench

bench: $(VENV)/.installed
	@if ! command -v wrk >/dev/null || ! [ -f /usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk fonts-ipaexfont >/dev/null; \
		else echo "bench needs wrk and fonts-ipaexfont: sudo apt-get install wrk fonts-ipaexfont"; exit 1; fi; \
	fi
	@$(PY) -c 'import pyinstrument, pypdf' 2>/dev/null || $(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/run.py --certificates $(BENCH_CERTIFICATES) --issue $(BENCH_ISSUE) \
		--seconds $(BENCH_SECONDS) --runs $(BENCH_RUNS) --database-url $(BENCH_DATABASE_URL) --out $(BENCH_OUT)

# The scale mode (docs/performance.md, "At 1,000,000 certificates"): every HTTP scenario and every list
# at BENCH_CERTIFICATES and at BENCH_SCALE certificates (two databases, the same big company), 3 runs
# each, side by side with their ratio; writes its block of docs/performance.md on a full run. About
# 45 min on 2 cores, most of it loading the 1,000,000. A quick try:
#   make bench-scale BENCH_CERTIFICATES=10000 BENCH_SCALE=50000 BENCH_SCALE_SECONDS=2
# BENCH_LOAD_ONLY=1 only loads the two databases (ahead, while the machine is busy); BENCH_REUSE=1 keeps
# the databases an earlier run loaded with the same counts and only migrates them (timed).
BENCH_SCALE ?= 1000000
BENCH_SCALE_SECONDS ?= 5
BENCH_REUSE ?=
BENCH_LOAD_ONLY ?=

.PHONY: bench-scale
bench-scale: $(VENV)/.installed
	@command -v wrk >/dev/null || { echo "bench-scale needs wrk: run make bench once, or apt-get install wrk"; exit 1; }
	$(PY) bench/run.py --scale $(BENCH_SCALE) --certificates $(BENCH_CERTIFICATES) \
		--seconds $(BENCH_SCALE_SECONDS) --runs $(BENCH_RUNS) --database-url $(BENCH_DATABASE_URL) --out $(BENCH_OUT) \
		$(if $(BENCH_REUSE),--reuse-loaded) $(if $(BENCH_LOAD_ONLY),--load-only)

# The README's screenshots (docs/screenshots/*.png, 1280×900): the end-to-end browser test of the
# electronic flow, run with SCREENSHOT_DIR set. Needs Debian's chromium (apt-get install chromium).
screenshots: $(VENV)/.installed
	SCREENSHOT_DIR=docs/screenshots REQUIRE_BROWSER=1 $(PY) -m pytest tests/browser/test_flow_electronic.py -q
	@ls -l docs/screenshots/*.png
