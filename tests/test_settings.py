import pytest

from rag.errors import BadInput
from rag.settings import Settings


def test_defaults_are_offline():
    s = Settings.from_env({})
    assert s.answerer == "auto" and not s.use_llm and s.top_k == 4
    from rag.settings import user_data_dir
    assert s.data_dir == user_data_dir({})


def test_llm_is_used_when_configured():
    assert Settings.from_env({"OPENAI_API_KEY": "sk-x"}).use_llm
    s = Settings.from_env({"RAG_LLM_BASE_URL": "http://127.0.0.1:9/v1", "RAG_LLM_MODEL": "m"})
    assert s.use_llm and s.llm_model == "m"
    assert not Settings.from_env({"OPENAI_API_KEY": "sk-x", "RAG_ANSWERER": "extractive"}).use_llm


def test_the_key_is_not_in_repr():
    assert "sk-secret" not in repr(Settings.from_env({"OPENAI_API_KEY": "sk-secret"}))


@pytest.mark.parametrize("env, message", [
    ({"RAG_TOP_K": "lots"}, "whole number"), ({"RAG_TOP_K": "0"}, "between"),
    ({"RAG_ANSWERER": "magic"}, "RAG_ANSWERER"), ({"RAG_EMBEDDINGS": "x"}, "RAG_EMBEDDINGS"),
])
def test_bad_settings_are_reported(env, message):
    with pytest.raises(BadInput, match=message):
        Settings.from_env(env)
