"""eval/benchmarks/bench_llm.py's bookkeeping, on made-up rows (the benchmark itself needs a model server)."""

from __future__ import annotations

import io

import pytest

from eval.benchmarks.bench_llm import print_table, stock_refused, summarize


@pytest.mark.parametrize("text", ["I don't know.", "The sources do not mention his age.",
                                  "None of the sources provide this information.", "This is not stated in the text.", ""])
def test_stock_refusals_are_recognised(text):
    assert stock_refused(text)


@pytest.mark.parametrize("text", ["Putin and Xi met in Beijing [1].", "Lavrov called it a duet [2]."])
def test_stock_answers_are_not_refusals(text):
    assert not stock_refused(text)


def ours(refused=False, by="llm", kept=1, removed=0, first=100.0, total=200.0, facts=1.0, notice=""):
    return {"refused": refused, "answered_by": by, "fallback": "instead" in notice, "notice": notice,
            "llm_failed": "answered offline" in notice, "key_facts": facts,
            "sentences": {"generated": kept + removed, "kept": kept, "removed": removed},
            "first_verified_ms": first, "first_output_ms": first or total, "total_ms": total}


def stock(refused=False, first=300.0, total=400.0, facts=1.0, cited=0):
    return {"refused": refused, "error": "", "key_facts": facts, "sentences": {"generated": 1, "cited": cited},
            "first_sentence_ms": first, "total_ms": total}


def test_summaries_count_what_the_guard_did_and_the_table_prints():
    rows = [
        {"answerable": True, "ours": ours(), "stock": stock(cited=1)},
        {"answerable": True, "ours": ours(by="extractive", kept=0, removed=2, first=None, total=500.0, facts=0.5,
                                          notice="None of the model's sentences was supported; quoting the documents instead."),
         "stock": stock(facts=0.0)},
        {"answerable": False, "ours": ours(refused=True, kept=0, first=None, facts=None),
         "stock": stock(facts=None)},
    ]
    o, s = summarize(rows, "ours"), summarize(rows, "stock")
    assert (o["sentences_kept"], o["sentences_removed"], o["fallbacks"], o["answered_by_llm"]) == (1, 2, 1, 1)
    assert (o["fallbacks_quoting"], o["fallbacks_refusing"]) == (1, 0)
    assert o["key_fact_accuracy"] == 0.75 and s["key_fact_accuracy"] == 0.5
    assert o["negative_rejection"] == 1.0 and s["negative_rejection"] == 0.0
    assert o["first_sentence"]["count"] == 1 and o["first_sentence"]["p50_ms"] == 100.0
    assert s["sentences_cited"] == 1 and s["total"]["p50_ms"] == 400.0
    out = io.StringIO()
    print_table({"config": {"model": "m", "base_url": "http://127.0.0.1:1/v1", "split": "dev", "answerable": 2},
                 "ours": o, "stock": s}, out=out)
    table = out.getvalue()
    assert "first sentence p50 ms" in table and "0.33" in table  # 100 ms / 300 ms
    assert "1 quoting the documents, 0 refusing" in table
    # --no-stock: our column only
    out = io.StringIO()
    print_table({"config": {"model": "m", "base_url": "http://127.0.0.1:1/v1", "split": "dev", "answerable": 2},
                 "ours": o, "stock": None}, out=out)
    assert "stock" not in out.getvalue().splitlines()[2] and "0.750" in out.getvalue()


def test_the_models_raw_drafts_are_recorded_as_they_stream():
    from types import SimpleNamespace

    from eval.benchmarks.bench_llm import recording

    llm = SimpleNamespace(stream=lambda question, passages: iter(["Bei", "jing [1]."]))
    drafts = recording(llm)
    assert "".join(llm.stream("Where?", [])) == "Beijing [1]."
    assert list(llm.stream("Again?", [])) == ["Bei", "jing [1]."]
    assert drafts == ["Beijing [1].", "Beijing [1]."]


def test_the_docs_suite_indexes_the_article_with_the_other_documents(tmp_path):
    from eval.benchmarks.bench_llm import corpus
    from rag.settings import Settings

    seeds = Settings.from_env().seeds_dir
    items, folder, stock = corpus("docs", "test", tmp_path / "docs", seeds)
    names = sorted(p.name for p in folder.glob("*.txt"))
    assert folder == tmp_path / "docs" and len(names) == 13 and "putin-xi-beijing.txt" in names
    assert stock == sorted(folder.glob("*.txt"))
    assert items and all(i.id.startswith("d") and i.split == "test" for i in items)
    assert any(not i.answerable for i in items)
    items, folder, stock = corpus("article", "dev", tmp_path / "unused", seeds)
    assert folder == seeds and all(i.id.startswith("q") and i.split == "dev" for i in items)
    assert not (tmp_path / "unused").exists()


def test_the_everyday_suite_gives_both_sides_the_same_text(tmp_path):
    """Ours indexes the 26 documents in their formats; the stock side reads the text our parsers
    extract from them, so both see the same words; --sample spreads over the split."""
    from eval.benchmarks.bench_llm import corpus, spread
    from rag.settings import Settings

    items, folder, stock = corpus("everyday", "test", tmp_path / "docs", Settings.from_env().seeds_dir)
    assert len(list(folder.iterdir())) == 26 and len(stock) == 26
    assert {p.suffix for p in folder.iterdir()} >= {".docx", ".xlsx", ".pptx", ".csv", ".html", ".md", ".txt"}
    assert all(p.suffix == ".txt" for p in stock) and items and all(i.split == "test" for i in items)
    sample = spread(items, 10)
    assert len(sample) == 10 and sample[0] == items[0] and len({i.id for i in sample}) == 10
    assert spread(items, None) == items


def test_replay_guard_streams_recorded_drafts_through_the_guard_again():
    """python -m eval.benchmarks.replay_guard on a small recorded run: a supported draft is kept,
    an invented one removed (no model needed)."""
    from eval.benchmarks.replay_guard import replay
    from eval.harness import golden

    first = golden.questions("dev")[0]  # "Where did Putin and Xi meet?"
    results = {"config": {"split": "dev", "suite": "article"},
               "items": [{"id": first.id, "question": first.question, "answerable": True,
                          "ours": {"draft": "Putin and Xi met in Beijing [1]. They signed a treaty on Mars [1]."}}]}
    out = replay(results, {"shipped": None})
    assert out["replayed"] == 1
    [(answer, removed)] = [(v["answer"], v["unsupported"]) for v in out["shipped"]["items"].values()]
    assert "Beijing" in answer and "Mars" not in answer and any("Mars" in s for s in removed)


def test_replay_guard_replays_with_a_models_second_opinion_beside_it():
    """With an opinion, the same drafts are replayed once more with it: a sentence the model
    denies is removed there and only there; its time counts in the guard's."""
    from eval.benchmarks.replay_guard import replay
    from eval.harness import golden

    first = golden.questions("dev")[0]
    results = {"config": {"split": "dev", "suite": "article"},
               "items": [{"id": first.id, "question": first.question, "answerable": True,
                          "ours": {"draft": "Putin and Xi met in Beijing [1]."}}]}
    asked = []
    out = replay(results, {"shipped": None}, opinion=lambda claim, sources, question: asked.append(claim) or 0.05)
    [alone] = out["shipped"]["items"].values()
    [second] = out["shipped + opinion"]["items"].values()
    assert "Beijing" in alone["answer"] and not alone["unsupported"]
    assert second["unsupported"] == ["Putin and Xi met in Beijing."] and asked == ["Putin and Xi met in Beijing."]
    assert out["shipped + opinion"]["verify_ms"][50] >= 0


def test_bench_opinion_scores_the_checker_the_model_and_both():
    """eval.benchmarks.bench_opinion's figures on four pairs: the model's veto removes the
    unsupported pair the checker kept; no opinion (None) leaves the checker's verdict."""
    from eval.benchmarks.bench_opinion import summarize

    rows = [{"set": "s", "split": "test", "supported": True, "lexical": True, "p_yes": 0.9, "seconds": 1.0},
            {"set": "s", "split": "test", "supported": True, "lexical": False, "p_yes": 0.99, "seconds": 1.0},
            {"set": "s", "split": "test", "supported": False, "lexical": True, "p_yes": 0.1, "seconds": 2.0},
            {"set": "s", "split": "test", "supported": False, "lexical": False, "p_yes": None, "seconds": 2.0}]
    out = summarize(rows)["s_test"]
    assert out["lexical"] == {"balanced_accuracy": 0.5, "supported_kept": 0.5, "unsupported_removed": 0.5}
    assert out["both"] == {"balanced_accuracy": 1.0, "supported_kept": 1.0, "unsupported_removed": 1.0}
    assert out["pairs"] == 4 and out["seconds_p50"] == 1.5
