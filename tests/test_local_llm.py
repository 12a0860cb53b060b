"""The whole LLM path offline: a real llama.cpp OpenAI-compatible server on 127.0.0.1
serving the bundled SmolLM2-135M-Instruct, started and stopped here."""

from __future__ import annotations

import pytest

from rag.answering.engine import Engine
from rag.text import split_claims
from rag.settings import Settings
from tests.conftest import SEED

pytestmark = pytest.mark.integration
SOURCE = open(SEED, encoding="utf-8").read()


@pytest.fixture(scope="module")
def local_server(tmp_path_factory):
    from rag.llm.local_server import LocalLLMServer

    with LocalLLMServer(log=tmp_path_factory.mktemp("llm") / "server.log") as server:
        yield server


@pytest.fixture(scope="module")
def engine(local_server, tmp_path_factory):
    return Engine(Settings.from_env({"RAG_DATA_DIR": str(tmp_path_factory.mktemp("idx")),
                                     "RAG_LLM_BASE_URL": local_server.base_url, "RAG_LLM_MODEL": "smollm2"}))


def test_the_openai_client_talks_to_the_real_server(local_server):
    import openai

    client = openai.OpenAI(base_url=local_server.base_url, api_key="none", timeout=60)
    assert [m.id for m in client.models.list().data] == ["smollm2"]
    reply = client.chat.completions.create(model="smollm2", max_tokens=16,
                                           messages=[{"role": "user", "content": "Say hello."}])
    assert reply.choices[0].message.content.strip()


@pytest.mark.parametrize("question", ["Where did Putin and Xi meet?", "What did Sergey Lavrov call the relationship?",
                                      "Why has Russia become dependent on China?"])
def test_every_sentence_that_reaches_the_answer_is_supported(engine, question):
    stream = engine.ask_stream(question)
    chunks = list(stream)
    a = stream.answer
    assert a.text.strip() and chunks
    if a.answerer == "extractive":  # the model's draft was unusable: the answer says so
        assert "instead" in a.notice
    by_number = {c.number: c for c in a.citations}
    for sentence, numbers in split_claims(a.text) if not a.refused else []:
        assert numbers and all(n in by_number for n in numbers)
        assert engine.scorer.supports(sentence, [by_number[n].text for n in numbers])
    for c in a.citations:
        assert SOURCE[c.start:c.end] == c.text
    for removed in a.unsupported:
        assert removed not in a.text


def test_cli_against_the_real_server(local_server, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = dict(os.environ, RAG_DATA_DIR=str(tmp_path / "idx"), RAG_LLM_BASE_URL=local_server.base_url,
               RAG_LLM_MODEL="smollm2")
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ask", "Where did Putin and Xi meet?", "--json"],
                       env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert '"refused"' in r.stdout and "Traceback" not in r.stderr
