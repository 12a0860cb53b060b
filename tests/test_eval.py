"""The golden set is well formed, the metrics compute what they claim, and `rag eval` writes its files."""

import json
from types import SimpleNamespace

import pytest

from eval import metrics
from eval.harness import golden
from eval.harness.gate import gate
from rag.answer import Answer, Citation, Passage
from eval.judges.support import SupportJudge
from rag.guard.support import SupportScorer
from tests.conftest import SEED

SOURCE = open(SEED, encoding="utf-8").read()


def test_every_supporting_span_and_passage_is_verbatim():
    items = golden.questions() + [t for c in golden.conversations() for t in c.turns]
    spans = [s for i in items for s in i.supporting_spans]
    assert len(spans) > 60
    missing = [s for s in spans if s not in SOURCE]
    assert missing == []
    assert all(d["passage"] in SOURCE for d in golden.support_labels())
    for i in items:
        assert i.answerable == bool(i.supporting_spans) == bool(i.key_facts), i.id


def test_golden_set_sizes_and_splits():
    qs = golden.questions()
    assert len(qs) >= 60 and sum(not q.answerable for q in qs) >= 15
    assert len(golden.conversations()) >= 10
    assert len(golden.support_labels()) >= 100
    ids = [q.id for q in qs] + [c.id for c in golden.conversations()]
    assert len(ids) == len(set(ids))
    assert {q.split for q in qs} == {"dev", "test"}
    assert golden.questions("dev") and set(q.split for q in golden.questions("dev")) == {"dev"}


def test_fact_matching_uses_word_boundaries_and_alternatives():
    assert metrics.fact_found("Beijing", "They met in Beijing. [1]")
    assert metrics.fact_found("hugs | embrace", "a rare embrace")
    assert not metrics.fact_found("Xi", "Xinjiang was not mentioned")
    assert metrics.fact_found("U.S.-led", "the U.S.-led system")
    # words are compared by their stems: a plural or another form of the fact's word is the fact
    assert metrics.fact_found("hug | embrace", "They exchanged rare hugs. [1]")
    assert metrics.fact_found("naval drill", "joint naval drills")
    assert not metrics.fact_found("hug", "Hughes was there")
    assert not metrics.fact_found("naval drills", "drills at naval bases")


def test_a_number_fact_is_found_whole_and_in_any_wording():
    assert metrics.fact_found("2.4.1", "The fix shipped in v2.4.1 [2].")
    assert metrics.fact_found("22:00", "It closes at 10 pm.")
    # a neighbouring version or price is not the fact
    assert not metrics.fact_found("2.4", "The fix shipped in 2.4.1.")
    assert not metrics.fact_found("12", "A tin costs £12.50.")
    assert metrics.fact_found("12.50", "A tin costs £12.50.")


def test_token_f1():
    assert metrics.token_f1("They met in Beijing [1].", "They met in Beijing") == 1.0
    assert metrics.token_f1("nothing alike", "They met in Beijing") == 0.0
    assert 0 < metrics.token_f1("met in Moscow", "They met in Beijing") < 1


def test_retrieval_scores_from_span_overlap():
    span = "the two autocratic rulers exchanged rare hugs"
    at = SOURCE.find(span)
    item = SimpleNamespace(supporting_spans=(span,))
    far = Passage(1, "a", "x", "s", "s", "", 0, 10)
    near = Passage(2, "b", "y", "s", "s", "", at - 5, at + 20)
    assert metrics.retrieval_scores(item, [far, near], SOURCE) == {"hit": 1.0, "rr": 0.5, "recall": 1.0}
    assert metrics.retrieval_scores(item, [far], SOURCE)["hit"] == 0.0


def test_citation_scores_catch_invalid_and_unneeded_citations(fake_embedder):
    scorer = SupportJudge(fake_embedder)  # the evaluation's own checker
    good = Passage(1, "a", "The summit took place in Beijing.", "doc.txt", "doc.txt", "", 0, 33)
    other = Passage(2, "b", "Trade grew after the sanctions.", "doc.txt", "doc.txt", "", 34, 65)
    sources = {"doc.txt": "The summit took place in Beijing. Trade grew after the sanctions."}
    a = Answer("The summit took place in Beijing [1][2]. It rained [7].",
               [Citation.of(good), Citation.of(other)], passages=[good, other])
    s = metrics.citation_scores(a, sources, scorer)
    assert s["markers"] == 3 and s["valid"] == 2  # [7] was never retrieved
    assert s["sentences"] == 2 and s["supported"] == 1
    assert s["citations"] == 2 and s["needed"] == 1  # [2] adds nothing to sentence one


def test_balanced_accuracy_and_gate():
    assert metrics.balanced_accuracy([True, True, False, False], [True, False, False, False]) == 0.75
    results = {"retrieval": {"hit_rate": 0.5}, "latency": {"p95_ms": 10.0}}
    assert gate(results, {"min": {"retrieval.hit_rate": 0.4}, "max": {"latency.p95_ms": 20}}) == []
    failures = gate(results, {"min": {"retrieval.hit_rate": 0.9, "answers.x": 0.1}, "max": {"latency.p95_ms": 5}})
    assert len(failures) == 3


@pytest.mark.integration
def test_rag_eval_writes_results_and_report(tmp_path):
    from eval.harness.main import main

    args = SimpleNamespace(out=str(tmp_path), split="dev", answerer="extractive", compare=None,
                           no_baseline=True, gate=False, judge=False)
    assert main(args) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    for group, key in [("retrieval", "hit_rate"), ("retrieval", "mrr"), ("answers", "key_fact_accuracy"),
                       ("refusal", "negative_rejection"), ("refusal", "false_refusal"), ("citations", "validity"),
                       ("citations", "recall"), ("citations", "precision"), ("latency", "p50_ms"), ("latency", "p95_ms")]:
        value = results[group][key]
        assert value >= 0 and (group == "latency" or value <= 1)
    assert all(i["split"] == "dev" for i in results["items"])
    html = (tmp_path / "report.html").read_text()
    assert "<svg" in html and "Per question" in html
    args.compare, args.out = str(tmp_path), str(tmp_path / "again")
    assert main(args) == 0


def test_the_llm_judge_is_measured_beside_the_offline_checker(fake_embedder):
    """judge_pairs: the judge's faithfulness verdicts and rag.check's on the same labelled pairs."""
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback

    from eval.harness.datasets import Pair
    from eval.judges.llm import judge_pairs

    class YesMan(CustomLLM):  # a judge that passes everything, and fails on one prompt
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata()

        @llm_completion_callback()
        def complete(self, prompt, formatted=False, **kw):
            if "EXPLODE" in prompt:
                raise RuntimeError("server gone")
            return CompletionResponse(text="YES")

        @llm_completion_callback()
        def stream_complete(self, prompt, formatted=False, **kw):
            yield self.complete(prompt)

    engine = SimpleNamespace(llm=SimpleNamespace(client=YesMan()), scorer=SupportScorer(fake_embedder))
    passage = ("The summit took place in Beijing between the two presidents.",)
    pairs = [Pair("a", "The summit took place in Beijing.", passage, True),
             Pair("b", "The summit took place on the Moon with Medvedev.", passage, False),
             Pair("c", "EXPLODE", passage, False)]
    out = judge_pairs(engine, pairs)
    assert (out["pairs"], out["supported"], out["errors"]) == (2, 1, 1)
    assert out["llm_judge"] == {"balanced_accuracy": 0.5, "accepted_supported": 1.0, "rejected_unsupported": 0.0}
    assert out["offline_checker"]["balanced_accuracy"] == 1.0


def test_the_report_shows_every_suite_with_or_without_the_article(tmp_path):
    from eval.harness.report import write_report

    suites = {"halueval": {"split": "dev", "rows_per_task": 2,
                           "qa": {"learned": {"balanced_accuracy": 0.85}, "length_only_best": 0.9}}}
    write_report({"config": {"split": "dev", "answerer": "extractive"}, "suites": suites}, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "halueval (dev split)" in html and "qa.learned.balanced_accuracy" in html and "0.850" in html
