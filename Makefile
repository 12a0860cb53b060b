# One command to run the chatbot, one to run the tests; each sets itself up.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run chat test eval bench clean browser

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/rag ui

chat: $(STAMP)
	$(VENV)/bin/rag chat

# The browser tests drive Debian's Chromium; install it when missing and we are root.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "Chromium missing: run 'sudo apt-get install chromium' for the browser tests"

# Unit and integration tests, then the offline evaluation gate on the test split.
test: $(STAMP) browser
	$(VENV)/bin/pytest -q
	$(VENV)/bin/rag eval --split test --gate --out eval/out/gate

eval: $(STAMP)
	$(VENV)/bin/rag eval --split all --out eval/out

bench: $(STAMP)
	$(PY) -m eval.bench_latency

clean:
	rm -rf $(VENV) .rag eval/out
