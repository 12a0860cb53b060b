"""The chat window's HTML and helpers, without a server."""

from rag.answer import Answer, Citation
from tests.conftest import SEED
from ui.app import build_app, safe_name
from ui.render import answer_html, banner_markdown, evidence_html

DOC = open(SEED, encoding="utf-8").read()


def _answer():
    start = DOC.find("The meeting in Beijing marked")
    end = DOC.find("bilateral ties.") + len("bilateral ties.")
    c = Citation(2, DOC[start:end], SEED.name, start, end, "Embracing", str(SEED))
    return Answer("The meeting in Beijing marked the beginning of what both leaders have hailed as a “new era” "
                  "of strategic partnership between Russia and China. [2]", [c], question="Where?",
                  unsupported=["They ate dumplings."])


def test_chips_and_refusals_render_differently():
    html = answer_html(_answer(), 3)
    assert '<button class="cite-chip cite-t3-n2"' in html and "[2]" not in html
    assert "1 unsupported sentence(s) removed" in html
    refused = answer_html(Answer("The documents don't say.", refused=True), 0)
    assert "rag-refusal" in refused and "cite-chip" not in refused


def test_answer_text_is_escaped():
    html = answer_html(Answer("<script>alert(1)</script> [1]", [Citation(1, "x", "a.txt", 0, 1)]), 0)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_evidence_highlights_support_and_shows_the_passage_in_place():
    html = evidence_html(_answer(), 0, active=2, show_scores=False, show_removed=True)
    assert 'class="ev-card active" id="ev-0-2"' in html
    assert '<mark class="support">The meeting in Beijing marked' in html
    assert '<mark class="passage in-context">The meeting in Beijing marked' in html
    assert "Removed by the citation guard" in html and "They ate dumplings." in html
    assert "Removed by the citation guard" not in evidence_html(_answer(), 0, show_removed=False)


def test_banner_says_how_to_enable_an_llm():
    from rag.settings import Settings

    assert "OPENAI_API_KEY" in banner_markdown(Settings.from_env({}))
    assert "LLM answers" in banner_markdown(Settings.from_env({"RAG_LLM_BASE_URL": "http://127.0.0.1:1/v1"}))


def test_upload_names_are_made_safe():
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("my notes (final).MD") == "my_notes_final.md"
    assert safe_name("....txt") == "document.txt"


def test_build_app_starts_no_server():
    app = build_app()
    assert app.fns and not getattr(app, "server", None)


def test_uploads_must_come_from_the_upload_folder(tmp_path):
    import pytest

    from rag.errors import BadInput
    from ui.app import check_upload

    uploads = tmp_path / "uploads"
    (uploads / "abc").mkdir(parents=True)
    ok = uploads / "abc" / "notes.txt"
    ok.write_text("fine", encoding="utf-8")
    assert check_upload(ok, uploads) == ok.resolve()
    outside = tmp_path / "secret.txt"
    outside.write_text("no", encoding="utf-8")
    for bad in (outside, uploads / ".." / "secret.txt", uploads / "abc" / "missing.txt"):
        with pytest.raises(BadInput, match="not an uploaded file"):
            check_upload(bad, uploads)


def test_evidence_says_which_documents_were_searched():
    a = _answer()
    assert "searched: all 3 documents" in evidence_html(a, 0, collection="default", documents=3)
    assert "in collection" not in evidence_html(a, 0, collection="default", documents=3)
    assert "searched: all 1 document in collection notes" in evidence_html(a, 0, collection="notes", documents=1)
    a.searched = [str(SEED)]
    html = evidence_html(a, 0, documents=3)
    assert f'searched: <span title="{SEED}">{SEED.name}</span>' in html and "all 3" not in html


def test_saved_turns_render_as_the_window_draws_them():
    from ui.render import stored_messages

    turns = [("Where <b>?", _answer()), ("And then?", Answer("The documents don't say.", refused=True))]
    messages = stored_messages(turns)
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[0]["content"] == "Where &lt;b&gt;?"
    assert messages[1]["content"] == answer_html(_answer(), 0) and "cite-t0-n2" in messages[1]["content"]
    assert "rag-refusal" in messages[3]["content"]
    assert stored_messages([]) == []


def test_chat_list_labels_name_the_first_question_and_the_turns():
    from rag.chats import ChatSummary
    from ui.render import chat_choices

    choices = chat_choices([ChatSummary("abc", "Who is Sergey Lavrov?", 0.0, 1.7e9, 2),
                            ChatSummary("def", "", 0.0, 1.6e9, 1)])
    assert [value for _, value in choices] == ["abc", "def"]
    assert choices[0][0].startswith("Who is Sergey Lavrov? · 20") and choices[0][0].endswith("· 2 turns")
    assert choices[1][0].startswith("(untitled) · ") and choices[1][0].endswith("· 1 turn")


def test_saved_chats_follow_the_login(tmp_path):
    from types import SimpleNamespace

    from ui.app import user_of

    assert user_of(None) == "" and user_of(SimpleNamespace(username=None)) == ""
    assert user_of(SimpleNamespace(username="ada")) == "ada"
