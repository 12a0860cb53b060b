"""`rag eval --questions FILE` and `--feedback`: the user's own cases, read, checked and run on a collection."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from eval.harness.cases import read_cases
from eval.harness.feedback import case_of, correction_facts, facts_of
from eval.harness.gate import gate, parse_thresholds
from eval.harness.own import evaluate, metric_names
from rag.answer import Answer, Citation
from rag.errors import BadInput, IndexNotBuilt
from tests.test_integration_core import run_cli


def write(path, *lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_questions_file_with_comments_conversations_and_every_field(tmp_path):
    f = write(tmp_path / "q.jsonl",
              "# reviewed 2026-12-01", "",
              json.dumps({"question": "Where?", "key_facts": ["Beijing | Peking"], "sources": "a.txt"}),
              json.dumps({"id": "c1", "made_by": "llm", "note": "from a.txt", "turns": [
                  {"question": "Who is Lavrov?"}, {"question": "When?", "answerable": False}]}),
              json.dumps({"question": "What did they sign?", "answerable": None, "rejected_answer": "Nothing."}))
    cases = read_cases(f).cases
    assert [c.id for c in cases] == ["line 3", "c1", "line 5"]
    assert cases[0].turns[0].key_facts == ("Beijing | Peking",) and cases[0].sources == (("a.txt",),)
    assert cases[1].conversation and cases[1].turns[1].answerable is False and cases[1].made_by == "llm"
    assert cases[2].is_graded(0) is False and cases[2].rejected == ("Nothing.",)


def test_every_bad_line_is_named_with_its_number_and_reason(tmp_path):
    f = write(tmp_path / "bad.jsonl",
              json.dumps({"question": "ok"}),
              json.dumps({"question": "typo", "key_fact": ["x"]}),
              "{not json",
              json.dumps({"question": "  "}),
              json.dumps({"question": "q", "answerable": "yes"}),
              json.dumps({"question": "q", "answerable": False, "key_facts": ["x"]}),
              json.dumps({"question": "q", "answerable": None}),
              json.dumps({"id": "line 1", "question": "dup"}),
              json.dumps(["a", "list"]),
              json.dumps({"turns": []}),
              json.dumps({"question": "q", "made_by": "robot"}))
    with pytest.raises(BadInput) as err:
        read_cases(f)
    msg = str(err.value)
    assert msg.startswith("10 bad line(s)")
    for n, why in [(2, "unknown field 'key_fact'"), (3, "not valid JSON"), (4, '"question" must be'),
                   (5, '"answerable" must be'), (6, "an unanswerable question has no"), (7, "needs a \"rejected_answer\""),
                   (8, "used on line 1"), (9, "JSON object"), (10, '"turns" must be'), (11, '"made_by" must be')]:
        line = next(x for x in msg.splitlines() if f"bad.jsonl:{n}: " in x)
        assert why in line, (n, line)


def test_missing_empty_and_binary_files(tmp_path):
    with pytest.raises(BadInput, match="no questions file"):
        read_cases(tmp_path / "none.jsonl")
    with pytest.raises(BadInput, match="holds no questions"):
        read_cases(write(tmp_path / "empty.jsonl", "# nothing yet"))
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(BadInput, match="not UTF-8"):
        read_cases(tmp_path / "bin.jsonl")


def test_thresholds_from_the_command_line_or_a_file(tmp_path):
    names = metric_names()
    assert {"cases.pass_rate", "answers.key_fact_accuracy", "sources.citation_recall"} <= set(names)
    t = parse_thresholds("cases.pass_rate>=0.9, refusal.false_refusal <= 0.1", names)
    assert t == {"min": {"cases.pass_rate": 0.9}, "max": {"refusal.false_refusal": 0.1}}
    f = tmp_path / "t.json"
    f.write_text(json.dumps({"min": {"cases.pass_rate": 0.5}}))
    assert parse_thresholds(str(f), names) == {"min": {"cases.pass_rate": 0.5}, "max": {}}
    for bad, why in [("cases.pass_rate>0.9", "cannot read"), ("nosuch.figure>=1", "no figure named"),
                     (str(tmp_path / "missing.json"), "no thresholds file"), (" , ", "no thresholds")]:
        with pytest.raises(BadInput, match=why):
            parse_thresholds(bad, names)
    f.write_text('{"min": {"cases.pass_rate": "high"}}')
    with pytest.raises(BadInput, match="thresholds are"):
        parse_thresholds(str(f), names)
    results = {"cases": {"pass_rate": 0.5}, "refusal": {"false_refusal": None}}
    assert gate(results, t) == ["cases.pass_rate = 0.500 is below the threshold 0.9",
                                "refusal.false_refusal: missing from results"]


def rating(rating, answer, correction="", question="How many were killed?", **kw):
    return SimpleNamespace(id=kw.get("id", 1), rating=rating, answer=answer, correction=correction, question=question,
                           standalone=kw.get("standalone", ""), collection="news", created=kw.get("created", 0.0))


def cited(text, source="news.txt"):
    return Answer(text, citations=[Citation(1, "passage", source, 0, 7)])


def test_ratings_become_cases():
    up = case_of(rating("up", cited("At least 33 people were killed in Jalalabad, officials said [1].")))
    item = up.turns[0]
    assert item.answerable and {"33", "Jalalabad"} <= set(item.key_facts) and up.sources == (("news.txt",),)
    assert up.made_by == "feedback" and up.collection == "news" and up.rejected == ("",)
    refused_ok = case_of(rating("up", Answer("The documents don't say.", refused=True)))
    assert refused_ok.turns[0].answerable is False and refused_ok.turns[0].key_facts == ()
    down = case_of(rating("down", cited("Twelve people [1]."), correction="At least 33; Jalalabad"))
    assert down.turns[0].key_facts == ("At least 33", "Jalalabad") and down.rejected == ("Twelve people [1].",)
    said_no = case_of(rating("down", cited("Twelve [1]."), correction="The documents don't say how many."))
    assert said_no.turns[0].answerable is False
    plain_down = case_of(rating("down", cited("Twelve [1].")))
    assert plain_down.is_graded(0) is False and plain_down.rejected == ("Twelve [1].",)
    wrong_refusal = case_of(rating("down", Answer("The documents don't say.", refused=True)))
    assert wrong_refusal.is_graded(0) and wrong_refusal.turns[0].answerable
    follow_up = case_of(rating("up", cited("Lavrov [1]."), question="Who?", standalone="Who is the foreign minister?"))
    assert follow_up.turns[0].question == "Who is the foreign minister?"


def test_facts_of_an_answer_leave_out_what_the_question_says():
    assert facts_of("Putin and Xi met in Beijing [1].", "Where did Putin and Xi meet?") == ["Beijing"]
    assert "no limits" in facts_of("They called it a partnership with “no limits” [2].", "What did they call it?")
    assert correction_facts("It happened in the capital of Afghanistan, Kabul, in 2015", "Where?") == \
        ["Afghanistan", "Kabul", "2015"]


# ---------------------------------------------------------------- over real parts


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from rag.answering.engine import Engine
    from rag.ingestion.documents import load
    from rag.settings import Settings
    from tests.conftest import seed_and

    root = tmp_path_factory.mktemp("own")
    docs = seed_and(root / "docs", {"port.txt": "The new harbour in Valdora opened in 2019. It cost 40 million euros."
                                                "\n\nThe harbour handles grain shipments from the northern farms.\n"})
    data = root / "data"
    engine = Engine(Settings.from_env({"RAG_DATA_DIR": str(data)}))
    news = engine.for_collection("news", create=True)
    news.store.sync(load([docs]))
    engine.for_collection("empty", create=True)
    return engine, data, root


def test_a_questions_file_runs_on_a_collection(world, tmp_path):
    engine, _, _ = world
    f = write(tmp_path / "q.jsonl",
              json.dumps({"question": "When did the Valdora harbour open?", "key_facts": ["2019"], "sources": ["port.txt"]}),
              json.dumps({"question": "Where did Putin and Xi meet?", "key_facts": ["Beijing"],
                          "sources": ["port.txt"]}),  # the wrong document: fails on its source
              json.dumps({"question": "How many cranes does the Valdora harbour have?", "answerable": False}),
              json.dumps({"id": "talk", "turns": [{"question": "Which shipments does the Valdora harbour handle?",
                                                   "key_facts": ["grain"]},
                                                  {"question": "How much did it cost?", "key_facts": ["40 million"]}]}),
              json.dumps({"question": "When did the Valdora harbour open?", "answerable": None,
                          "rejected_answer": "It opened in 1990.", "made_by": "feedback"}))
    r = evaluate(f, collection="news", engine=engine)
    items = {i["id"]: i for i in r["items"]}
    assert r["config"]["collection"] == "news" and r["count"]["cases"] == 5 and r["count"]["questions"] == 5
    assert items["line 1"]["passed"] and "2019" in items["line 1"]["answer"]
    assert items["line 2"]["checks"] == {"refusal": True, "key_facts": True, "source_cited": False, "changed": None}
    assert items["line 3"]["refused"] and items["line 3"]["passed"]
    assert items["talk.2"]["understood_as"] != "How much did it cost?"  # read as a follow-up
    assert items["line 5"]["checks"]["changed"] and items["line 5"]["answerable"] is None
    assert r["cases"]["passed"] == 4 and r["cases"]["pass_rate"] == pytest.approx(0.8)
    assert r["sources"]["citation_precision"] == pytest.approx(1 / 2) and r["refusal"]["negative_rejection"] == 1.0
    assert set(r["by_origin"]) == {"hand", "feedback"} and r["by_origin"]["feedback"]["count"]["cases"] == 1
    assert r["retrieval"]["hit_rate"] is None  # no spans in a questions file: "sources" measures retrieval


def test_bad_collections_and_sources_are_refused_before_anything_runs(world, tmp_path):
    engine, _, _ = world
    f = write(tmp_path / "q.jsonl", json.dumps({"question": "Where?", "sources": ["nowhere.pdf"]}))
    with pytest.raises(BadInput, match="line 1: 'nowhere.pdf' is not a document of collection news"):
        evaluate(f, collection="news", engine=engine)
    with pytest.raises(BadInput, match="no collection nope"):
        evaluate(f, collection="nope", engine=engine)
    with pytest.raises(IndexNotBuilt, match="collection empty is empty; run `rag ingest --collection empty PATH`"):
        evaluate(f, collection="empty", engine=engine)


def test_rag_eval_questions_report_gate_and_compare(world, tmp_path):
    _, data, _ = world
    env = {"RAG_DATA_DIR": str(data)}
    f = write(tmp_path / "q.jsonl",
              json.dumps({"question": "When did the Valdora harbour open?", "key_facts": ["2019"], "sources": ["port.txt"]}),
              json.dumps({"question": "Who built the Valdora harbour?", "answerable": False}))
    out = tmp_path / "run1"
    r = run_cli("eval", "--questions", str(f), "--collection", "news", "--out", str(out), "--gate", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert "cases.pass_rate" in r.stdout and "gate: every figure within its threshold" in r.stdout
    results = json.loads((out / "results.json").read_text())
    assert results["cases"]["pass_rate"] == 1.0
    html = (out / "report.html").read_text()
    assert "<svg" in html and "Per case" in html and "When did the Valdora harbour open?" in html
    r = run_cli("eval", "--questions", str(f), "--collection", "news", "--out", str(tmp_path / "run2"),
                "--compare", str(out), "--gate", "answers.token_f1>=0.99", env_extra=env)
    assert r.returncode == 1 and "GATE FAILED: answers.token_f1" in r.stderr and "changed since" in r.stdout
    thresholds = tmp_path / "t.json"
    thresholds.write_text(json.dumps({"min": {"cases.pass_rate": 1.0}}))
    r = run_cli("eval", "--questions", str(f), "--collection", "news", "--out", str(tmp_path / "run3"),
                "--gate", str(thresholds), env_extra=env)
    assert r.returncode == 0, r.stderr
    for args, why in [(["--gate", "pass>=1"], "no figure named 'pass'"), (["--collection", "nope"], "no collection nope"),
                      (["--split", "dev"], "--split is for the built-in sets"),
                      (["--compare", str(tmp_path)], "no results.json")]:
        r = run_cli("eval", "--questions", str(f), *args, env_extra=env)
        assert r.returncode == 2 and why in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


def test_ratings_run_again_each_in_its_collection(world, tmp_path, capsys):
    """An approved answer's facts hold when asked again; a rejected one given again fails; a
    rating whose collection is gone is skipped with a message, not fatal."""
    from rag.chats import ChatStore

    engine, _, _ = world
    news = engine.for_collection("news")
    store = ChatStore(tmp_path / "chats.sqlite3")
    good = news.ask("When did the Valdora harbour open?")
    bad = news.ask("How much did the Valdora harbour cost?")
    for answer, rating, correction in [(good, "up", ""), (bad, "down", "")]:
        chat = store.create(collection="news")
        store.append(chat, answer.question, answer)
        store.rate(chat, 1, rating, correction)
    gone = store.create(collection="gone")
    store.append(gone, "Anything?", good)
    store.rate(gone, 1, "down", "Nothing")
    r = evaluate(feedback=True, engine=engine, store=store)
    assert r["config"]["skipped"] == {"gone": 1} and "skipping 1 rating(s) of collection gone" in capsys.readouterr().err
    items = {i["question"]: i for i in r["items"]}
    approved = items["When did the Valdora harbour open?"]
    assert "2019" in approved["key_fact_list"] and approved["sources"] == ["port.txt"] and approved["passed"]
    rejected = items["How much did the Valdora harbour cost?"]
    assert rejected["checks"]["changed"] is False and not rejected["passed"]  # the same answer again
    assert r["feedback"] == {"approved": 1, "approved_held": 1.0, "rejected": 1, "rejected_changed": 0.0}
    with pytest.raises(BadInput, match="no rated answers in collection empty"):
        evaluate(feedback=True, collection="empty", engine=engine, store=store)


def test_rag_eval_generate_from_the_command_line(world, tmp_path):
    _, data, _ = world
    env = {"RAG_DATA_DIR": str(data)}
    out = tmp_path / "gen.jsonl"
    r = run_cli("eval", "--generate", "5", "--collection", "news", "--out", str(out), env_extra=env)
    assert r.returncode == 0, r.stderr
    assert "probes" in r.stdout and f"rag eval --questions {out}" in r.stdout
    assert len(read_cases(out).cases) >= 1  # what it writes, the evaluation reads
    for args, why in [(["--out", str(out)], "refusing to overwrite"), ([], "--generate needs --out FILE"),
                      (["--out", str(tmp_path / "x.jsonl"), "--answerer", "llm"], "--answerer llm needs an LLM"),
                      (["--out", str(tmp_path / "y.jsonl"), "--questions", str(out)], "run it afterwards")]:
        r = run_cli("eval", "--generate", "5", "--collection", "news", *args, env_extra=env)
        assert r.returncode == 2 and why in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


def test_the_built_in_sets_and_your_own_cases_are_told_apart():
    from eval.harness.main import modes
    from rag.cli import parser

    def parse(*argv):
        return modes(parser().parse_args(["eval", *argv]))

    assert parse("--split", "test", "--suite", "all", "--sample", "40", "--gate") == ([], ["--suite", "--sample"])
    assert parse("--questions", "q.jsonl", "--gate", "cases.pass_rate>=0.9") == (["questions"], [])
    assert parse("--feedback") == (["feedback"], [])
    assert parse("--generate", "0", "--out", "x.jsonl") == (["generate"], [])
    assert parse("--questions", "q.jsonl", "--split", "dev") == (["questions"], ["--split"])
