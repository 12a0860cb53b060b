"""Answers on the documents people keep: a parking notice, a fault-code card, a contact page, a
guesthouse page, release notes, a project team page. Over real parts (embedded Chroma, the
bundled embedding model; for the LLM path a scripted OpenAI-compatible server on loopback)."""

from __future__ import annotations

import pytest

from rag import Chat
from rag.answering.engine import Engine
from rag.settings import Settings
from tests.openai_stub import ScriptedOpenAI

pytestmark = pytest.mark.integration

DOCS = {
    "parking.txt": "The parking garage closes at 22:00 on weekdays. Visitors park on level minus two.\n",
    "codes.txt": "Error code E42 means the filter is blocked.\nThe model XR500 weighs 12 kg.\n",
    "dental.txt": "Find Harbour Dental Practice\n\nThe practice is at 3 Quay Road, open from 8am on weekdays.\n",
    "guesthouse.md": "# Seaview Guesthouse\n\nCheckout is at 10:30. Room 12 costs 85 euros a night and room 7 costs "
                     "70 euros a night.\n",
    "heron.md": "# Heron 2.4 release notes\n\n## Requirements\n\nHeron now requires Node 20 or newer.\n",
    "falcon.md": "# Falcon project team\n\nThe programme lead for Falcon is Dana Whitfield. Dana Whitfield reports "
                 "to Omar Haddad, the sponsor.\n",
}


def engine_over(tmp_path, **env) -> Engine:
    docs = tmp_path / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    return Engine(Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "data"), "RAG_SEEDS_DIR": str(docs), **env}))


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return engine_over(tmp_path_factory.mktemp("everyday"))


@pytest.mark.parametrize("question, expected", [
    ("When does the parking garage close?", "22:00"),
    ("Where do visitors park?", "level minus two"),
    ("What time is checkout?", "10:30"),
    ("What does E42 mean?", "filter is blocked"),
    ("How much does the XR500 weigh?", "12 kg"),
    ("Where is Harbour Dental Practice?", "3 Quay Road"),  # the name is only in the title
    ("How much does room 12 cost?", "85 euros"),
    ("Which Node version does Heron 2.4 need?", "Node 20"),
])
def test_plain_answers_are_given_offline(engine, question, expected):
    a = engine.ask(question)
    assert not a.refused and expected in a.text, a.text


@pytest.mark.parametrize("question, lacking", [
    ("How much does room 14 cost?", "room 14"),
    ("Which Node version will Heron 3.0 need?", "3.0"),
    ("What does E43 mean?", "E43"),
])
def test_a_neighbouring_room_version_or_code_is_refused(engine, question, lacking):
    a = engine.ask(question)
    assert a.refused and lacking.lower() in a.text.lower(), a.text


def test_she_is_the_person_the_last_answer_named(engine):
    chat = Chat(engine)
    assert "Dana Whitfield" in chat.ask("Who is the programme lead for Falcon?").text
    a = chat.ask("Who does she report to?")
    assert a.question == "Who does Dana Whitfield report to?" and "Omar Haddad" in a.text


def test_the_model_is_the_reader_and_its_right_sentences_are_kept(tmp_path):
    """What the model says in its own words is kept when the cited passage, read under its title,
    holds it ("Heron 2.4 requires Node 20 [1]" against notes headed "Heron 2.4 release notes";
    "10 pm" against "22:00"); a question about a room no passage gives never reaches the model."""
    with ScriptedOpenAI() as llm:
        eng = engine_over(tmp_path, RAG_LLM_BASE_URL=llm.url, RAG_LLM_MODEL=llm.model)
        llm.enqueue(lambda request: "Heron 2.4 requires Node 20 or newer [{}].".format(_number_of(request, "Heron")))
        a = eng.ask("Which Node version does Heron 2.4 need?")
        assert not a.refused and a.answerer == "llm" and "Node 20" in a.text and not a.unsupported, a
        llm.enqueue(lambda request: "The garage closes at 10 pm [{}].".format(_number_of(request, "garage")))
        a = eng.ask("When does the parking garage close?")
        assert not a.refused and "10 pm" in a.text and not a.unsupported, a
        asked = len(llm.requests)
        a = eng.ask("How much does room 14 cost?")
        assert a.refused and "room 14" in a.text and len(llm.requests) == asked  # refused before the model is asked


def test_the_model_gives_a_second_opinion_on_each_sentence(tmp_path):
    """With an LLM, each sentence also gets the model's P(yes) that its cited passage states it,
    asked with values in normal form: a sentence the lexical checker would keep is removed when
    the model denies it ("level two" for "level minus two"), one it would remove is kept when the
    model clearly affirms it. RAG_LLM_OPINION=1 turns it on; it is off by default."""
    with ScriptedOpenAI() as llm:
        eng = engine_over(tmp_path, RAG_LLM_BASE_URL=llm.url, RAG_LLM_MODEL=llm.model, RAG_LLM_OPINION="1")
        llm.enqueue(lambda request: "The garage closes at 10 pm [{}].".format(_number_of(request, "garage")))
        a = eng.ask("When does the parking garage close?")
        assert not a.refused and "10 pm" in a.text, a
        asked = llm.opinion_requests[-1]["messages"][-1]["content"]
        assert "Claim: The garage closes at 22:00" in asked and "closes at 22:00 on weekdays" in asked, asked

        llm.enqueue(lambda request: "Visitors park on level two [{}].".format(_number_of(request, "Visitors")))
        llm.enqueue_opinion(0.1)
        a = eng.ask("Where do visitors park?")
        assert a.unsupported == ["Visitors park on level two."] and "level minus two" in a.text, a

        said = "Visitors leave their cars two floors below ground"
        llm.enqueue(lambda request: f"{said} [{_number_of(request, 'Visitors')}].")
        llm.enqueue_opinion(0.99)
        a = eng.ask("Where do visitors park?")
        assert said in a.text and not a.unsupported, a

        off = engine_over(tmp_path / "off", RAG_LLM_BASE_URL=llm.url, RAG_LLM_MODEL=llm.model)
        llm.enqueue(lambda request: "Visitors park on level two [{}].".format(_number_of(request, "Visitors")))
        opinions = len(llm.opinion_requests)
        a = off.ask("Where do visitors park?")
        assert "level two" in a.text and len(llm.opinion_requests) == opinions, a


def test_a_bad_second_opinion_setting_is_one_clear_error():
    from rag.errors import BadInput

    with pytest.raises(BadInput, match="RAG_LLM_OPINION"):
        Settings.from_env({"RAG_LLM_OPINION": "maybe"})


def _number_of(request: dict, word: str) -> int:
    """The [n] of the source in the prompt that holds `word`."""
    import re

    prompt = request["messages"][-1]["content"]
    for m in re.finditer(r'<source id="(\d+)"[^>]*>(.*?)</source>', prompt, re.DOTALL):
        if word.lower() in m.group(0).lower():
            return int(m.group(1))
    return 1
