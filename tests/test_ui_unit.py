"""The chat window's HTML, helpers and handlers (ui.window.Window, called directly), without a server."""

from rag.answer import Answer, Citation
from tests.conftest import SEED
from ui.app import build_app
from ui.uploads import safe_name
from ui.window import Window
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
    from ui.uploads import check_upload

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

    from ui.window import user_of

    assert user_of(None) == "" and user_of(SimpleNamespace(username=None)) == ""
    assert user_of(SimpleNamespace(username="ada")) == "ada"


# ratings: 👍/👎 under an answer and a correction, stored in the chat store


class EchoEngine:
    """Enough of rag.Engine for the window's handlers: answers "About <question>." citing nothing."""

    def __init__(self, settings):
        self.settings = settings

    def ask_stream(self, question, history, answerer=None, top_k=None, **scope):
        from rag.answering.engine import AnswerStream

        def steps():
            yield f"About {question}."
            return Answer(f"About {question}.", question=f"{question} (understood)")

        return AnswerStream(steps())

    def documents(self):
        return {}


def like(index: int, message: dict, liked):
    import gradio as gr

    return gr.LikeData(None, {"index": index, "value": [message["content"]], "liked": liked})


def asked(window, *questions):
    """Ask each question in the window as the Ask button does; the messages and the session's state."""
    history, state = [], None
    for q in questions:
        *_, out = window.respond(q, history, state, 4, "extractive")
        history, state, _, box = out
        assert box == ""  # the question box is emptied
    return history, state


def test_thumbs_rate_the_turn_of_the_message_they_are_under():
    from rag.chats import ChatStore
    from rag.settings import Settings

    settings = Settings.from_env()
    window = Window(EchoEngine(settings))
    history, state = asked(window, "First?", "Second?", "Third?")
    chat_id = state.chat_id
    assert state.saved == [[chat_id, 1], [chat_id, 2], [chat_id, 3]]
    store = ChatStore.for_settings(settings)
    rate = window.rate_message

    status, after = rate(state, None, like(3, history[3], False))  # 👎 under the second answer
    assert after.rated == 1 and status.startswith("Rated: 👎 “Second? (understood)”")
    assert state.rated is None  # the session's state is returned changed, never changed in place
    [r] = store.ratings()
    assert (r.chat_id, r.n, r.rating, r.question, r.standalone) == (chat_id, 2, "down", "Second?",
                                                                     "Second? (understood)")
    assert r.answer.text == "About Second?."

    status, after = rate(state, None, like(1, history[1], True))
    assert after.rated == 0 and status.startswith("Rated: 👍")
    assert [(r.n, r.rating) for r in store.ratings()] == [(1, "up"), (2, "down")]
    status, _ = rate(state, None, like(3, history[3], ""))  # the same thumb again: undone
    assert status.startswith("Rating removed") and [r.n for r in store.ratings()] == [1]
    status, _ = rate(state, None, like(2, history[2], False))  # a question is not an answer
    assert "Only a finished answer" in status and [r.n for r in store.ratings()] == [1]


def test_a_correction_goes_with_the_answer_rated_last():
    from rag.chats import ChatStore
    from rag.settings import Settings

    settings = Settings.from_env()
    window = Window(EchoEngine(settings))
    history, state = asked(window, "First?", "Second?")
    store = ChatStore.for_settings(settings)
    rate, fix = window.rate_message, window.save_correction

    _, rated = rate(state, None, like(1, history[1], True))
    status, box, after = fix("  It was in  Beijing. ", rated)  # keeps its 👍
    assert (box, after.rated) == ("", 0)
    assert status == "Rated: 👍 “First? (understood)”, with the correction: It was in Beijing."
    status, box, after = fix("It was a duet.", state)  # none rated: the newest answer, 👎
    assert after.rated == 1 and status.startswith("Rated: 👎 “Second? (understood)”")
    assert [(r.n, r.rating, r.correction) for r in store.ratings()] == [(2, "down", "It was a duet."),
                                                                        (1, "up", "It was in  Beijing.")]
    _, rated = rate(state, None, like(3, history[3], True))  # a new thumb keeps the correction
    assert store.ratings()[0].rating == "up" and store.ratings()[0].correction == "It was a duet."
    assert "Type the correction first" in fix("  ", rated)[0]
    assert "Ask a question first" in fix("Beijing.", None)[0]


def test_an_opened_chat_is_rated_by_its_saved_turns_and_shows_its_ratings():
    from rag.chats import ChatStore
    from rag.settings import Settings

    settings = Settings.from_env()
    store = ChatStore.for_settings(settings)
    old = store.create()
    for q in ("One?", "Two?"):
        store.append(old, q, Answer(f"About {q}", question=q))
    store.rate(old, 1, "down")
    window = Window(EchoEngine(settings))
    messages, state, panel, target, collection, export, status = window.open_chat(old, False, True)
    assert state.saved == [[old, 1], [old, 2]] and state.rated is None and state.chat_id == old
    assert messages["feedback_value"] == ["Dislike", None] and collection["value"] == "default"
    window.rate_message(state, None, like(3, messages["value"][3], True))
    assert [(r.chat_id, r.n, r.rating) for r in store.ratings()] == [(old, 2, "up"), (old, 1, "down")]


def test_a_rating_that_cannot_be_stored_says_so(tmp_path):
    import pytest

    from rag.settings import Settings

    history, state = asked(Window(EchoEngine(Settings.from_env())), "First?")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be", encoding="utf-8")
    broken = Window(EchoEngine(Settings.from_env({"RAG_DATA_DIR": str(blocked / "data")})))
    with pytest.warns(UserWarning, match="Not saved"):  # a toast in the window
        status, _ = broken.rate_message(state, None, like(1, history[1], False))
    assert status.startswith("⚠ Not saved: cannot create the folder for saved chats")
    with pytest.warns(UserWarning, match="Not saved"):
        assert broken.save_correction("Beijing.", state)[0].startswith("⚠ Not saved")


def test_no_message_can_draw_an_image_or_a_link():
    """An answer is the model's text, which a document can steer: Markdown or HTML in it (or in a
    question) shows as text; the window never loads anything from elsewhere."""
    from ui.render import inert, stored_messages

    evil = "Done ![x](http://127.0.0.1:9/leak?q=secret) <img src=http://127.0.0.1:9/i> [link](http://h) 'it's' [1]"
    html = answer_html(Answer(evil, [Citation(1, "x", "a.txt", 0, 1)]), 0)
    assert "![" not in html and "](" not in html and "<img" not in html
    assert 'class="cite-chip cite-t0-n1"' in html  # the citation is still a chip
    import html as h
    import re
    assert h.unescape(re.sub(r"<[^>]+>", "", html)).startswith(evil[:-4])  # shown as written
    for message in stored_messages([(evil, Answer("The documents don't say.", refused=True))]):
        assert "![" not in message["content"] and "<img" not in message["content"]
    assert inert("it's") == "it's"


def test_a_pdf_citation_shows_its_page_on_the_chip():
    c = Citation(1, "x", "report.pdf", 0, 1, page=3)
    html = answer_html(Answer("The dam holds 40 million cubic metres. [1]", [c]), 0)
    assert "p.3" in html and "page 3" in html


def test_try_examples_come_from_the_open_collections_seed_documents(tmp_path):
    import json

    from ui.window import examples_for

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / ".examples.json").write_text(json.dumps({"a.txt": ["What is A?"], "b.txt": ["What is B?"]}))
    assert examples_for(seeds, {str(seeds / "a.txt"): 3}) == ["What is A?"]
    assert examples_for(seeds, {str(tmp_path / "elsewhere" / "a.txt"): 3}) == []  # another a.txt
    assert examples_for(seeds, {}) == []
    assert examples_for(tmp_path / "none", {str(seeds / "a.txt"): 1}) == []


def test_a_bad_file_is_a_warning_with_every_panel_left_working():
    """refuse() never raises: a gr.Error would draw an error badge on every output panel; the
    toast's text is escaped (a name like <img src=x> is shown, not drawn)."""
    from unittest import mock

    import gradio as gr

    from ui.window import refuse

    with mock.patch.object(gr, "Warning") as warning:
        out = refuse("bad <img src=x>.docx is not a Word file", 6, status="")
    warning.assert_called_once_with("bad &lt;img src=x&gt;.docx is not a Word file")
    assert out[0].startswith("⚠ bad &lt;img") and len(out) == 6
    assert all(isinstance(o, dict) and o.get("__type__") == "update" for o in out[1:])


def test_exports_are_removed_when_old_and_at_exit(tmp_path):
    import os
    import time

    from ui.exports import Exports

    exports = Exports(keep_seconds=60)
    first = exports.write("chat-1.md", "# one")
    old = time.time() - 120
    os.utime(first.parent, (old, old))
    second = exports.write("chat-1.md", "# two")  # the same name: no clash
    assert not first.exists() and second.read_text() == "# two"
    folder = exports.folder
    exports.close()
    assert not folder.exists()


def test_the_upload_route_itself_limits_the_size():
    from rag.settings import Settings
    from ui.app import launch_options
    from ui.uploads import MAX_UPLOAD_BYTES

    assert launch_options(Settings.from_env({}))["max_file_size"] == MAX_UPLOAD_BYTES


def test_the_evidence_panel_and_saved_chats_follow_the_sessions_state():
    """show / redraw / delete_chat / new_chat, called as the window's events call them."""
    from types import SimpleNamespace

    from rag.settings import Settings
    from ui.state import WindowState

    window = Window(EchoEngine(Settings.from_env()))
    history, state = asked(window, "First?", "Second?")
    assert "Answer 2: “Second? (understood)”" in window.show("1:1", state)
    assert "Answer 2: “Second? (understood)”" in window.redraw("", state)  # none picked: the newest
    assert "Answer 1: “First? (understood)”" in window.redraw("0:1", state)
    assert window.redraw("", WindowState()) == window.redraw("", None)  # nothing asked yet: the empty panel
    assert window.show("7:1", state)["__type__"] == "update"  # an answer the session never had: left as is
    evidence, target = window.select_message(state, False, True, SimpleNamespace(index=2))
    assert target == "1:0" and "Answer 2: “Second? (understood)”" in evidence
    listed = window.list_chats(state)
    assert listed["value"] == state.chat_id and [v for _, v in listed["choices"]] == [state.chat_id]
    after = window.delete_chat(state.chat_id, state)
    assert after.chat_id is None and state.chat_id is not None  # new turns start a new chat
    assert window.list_chats(after)["choices"] == []
    messages, fresh, *_ = window.new_chat()
    assert fresh == WindowState() and messages["value"] == []
