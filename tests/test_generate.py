"""`rag eval --generate N`: a questions file drafted from a collection's documents, over real parts
(an embedded Chroma collection, the bundled embedding model, an OpenAI-compatible server on
loopback): probes without a model, LLM drafts checked against their passage, a file written as
it goes and never overwritten."""

from __future__ import annotations

import json
import re

import pytest

from eval.harness.cases import read_cases
from eval.harness.drafts import key_fact, parse_draft, spread
from eval.harness.generation import Doc
from eval.harness.generate import GenerationStopped, generate
from eval.harness.probes import _names, _templates, probe_questions
from rag.errors import BadInput, IndexNotBuilt
from rag.index.store import open_store
from rag.ingestion.documents import load
from rag.settings import Settings
from tests.conftest import SEED, seed_and
from tests.openai_stub import ScriptedOpenAI

pytestmark = pytest.mark.integration

HARBOUR = """The Kestrel Point Lighthouse

The lighthouse at Kestrel Point was restored last summer by a team led by the engineer Marta Kowalski.
Kowalski said the work took fourteen months and cost 2.3 million euros. The lamp, first lit in 1871,
now runs on solar power, and its beam reaches twenty kilometres out to sea on a clear night.

Volunteers from Dunmore cleaned the keeper's cottage and repainted the gallery railings by hand.
The harbour master, Tomasz Brennan, opened the tower to visitors in the spring. Brennan hopes that
the small museum in the cottage will draw school groups from Galway and from Dunmore, where the
old fishing fleet was built. Brennan also wants the museum to keep the logbooks of the keepers.

The museum shows the original clockwork that turned the lens, a brass telescope and the logbooks
kept by the last keeper, who wrote down the weather every evening for most of his working life.
Visitors climb the spiral stairs to the gallery, from where the whole bay and the islands beyond
can be seen. On stormy evenings the staff close the gallery and show an old film about the keepers.

Kowalski is now surveying the smaller light on the breakwater at Dunmore, which has been dark for
years. She expects that the same team will take it on once the survey is done and the harbour
board agrees on the plan. The work on the breakwater light is expected to begin next year.
"""
FIELDS = {"id", "question", "answerable", "key_facts", "sources", "made_by", "note"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A collection "gen" of two documents: the seed article and a short one about a lighthouse."""
    root = tmp_path_factory.mktemp("generate")
    docs = seed_and(root / "docs", {"harbour.txt": HARBOUR})
    settings = Settings.from_env({"RAG_DATA_DIR": str(root / "data")}).with_(collection="gen")
    open_store(settings, create=True).sync(load([docs]))
    texts = {p.name: p.read_text(encoding="utf-8") for p in docs.iterdir()}
    return settings, texts


def lines(path):
    """The header and the cases of a generated file."""
    raw = path.read_text(encoding="utf-8").splitlines()
    assert raw[0].startswith("# made by `rag eval --generate")
    return raw[0], [json.loads(line) for line in raw[1:]]


def readable(path):
    """The file reads as a questions file, every case of it."""
    assert len(read_cases(path).cases) == len(lines(path)[1])


def test_probes_without_an_llm_are_unanswerable_made_up_and_spread(world, tmp_path):
    settings, texts = world
    corpus = " ".join(" ".join(texts.values()).split()).casefold()
    seen = []
    report = generate(12, tmp_path / "probes.jsonl", settings=settings, progress=lambda d, t: seen.append((d, t)))
    header, cases = lines(tmp_path / "probes.jsonl")
    assert "collection gen" in header and "--questions" in header
    assert 6 <= report.written == report.probes == len(cases) <= 12 and report.drafted == 0
    assert seen[0] == (0, 12) and seen[-1] == (report.written, 12)
    assert str(report).startswith(f"wrote {report.written} cases to {tmp_path / 'probes.jsonl'} (")
    assert f"`rag eval --questions {tmp_path / 'probes.jsonl'}`" in str(report)
    names = []
    for case in cases:
        assert FIELDS <= set(case) and "passage" not in case
        assert case["made_by"] == "probe" and case["answerable"] is False and case["key_facts"] == []
        assert case["question"].endswith("?")
        made_up = re.match(r"probe: made-up name \((\w+) from .*?, (\w+) from ", case["note"])
        if made_up:
            name = f"{made_up[1]} {made_up[2]}"
            assert name in case["question"] and name.casefold() not in corpus
            names.append(name)
        else:
            assert case["note"].startswith("probe: asks for a figure about ")
    assert names and len(names) < len(cases)  # both kinds
    assert all(f"in {doc}" in " ".join(c["note"] for c in cases) or f"from {doc}" in " ".join(c["note"] for c in cases)
               for doc in texts)  # names taken from both documents
    assert len({c["question"] for c in cases}) == len(cases)
    readable(tmp_path / "probes.jsonl")
    generate(12, tmp_path / "again.jsonl", settings=settings)
    assert lines(tmp_path / "again.jsonl")[1] == cases  # the same seed makes the same file


def passage_of(body) -> tuple[str, str]:
    """(file, passage) of a drafting request."""
    text = body["messages"][-1]["content"]
    return (re.search(r"Passage \(from (.+?)\):", text)[1],
            text.split("<passage>\n", 1)[1].rsplit("\n</passage>", 1)[0])


def opening(body) -> str:
    """A good draft: the passage's first four words, asked for by a question naming the part."""
    file, passage = passage_of(body)
    answer = " ".join(passage.split()[:4])
    return json.dumps({"question": f"Which words open part {len(passage)} of {file}?", "answer": answer})


def llm_settings(settings, server):
    return settings.with_(llm_base_url=server.url, llm_model="scripted-model", llm_retries=0, llm_timeout=10)


def test_drafts_are_checked_against_their_passage_and_a_failure_keeps_what_was_made(world, tmp_path):
    settings, texts = world
    out = tmp_path / "cases.jsonl"
    with ScriptedOpenAI() as server:
        server.enqueue(opening)                                                          # kept
        server.enqueue(json.dumps({"question": "Who painted the Mona Lisa?", "answer": "Leonardo da Vinci"}))
        server.enqueue("Sure! Here is a good question: what happened?")                 # unparseable
        server.enqueue(lambda body: "```json\n" + opening(body) + "\n```")               # kept (fenced)
        server.enqueue(lambda body: json.dumps({"question": f"Is it true that {passage_of(body)[1].split()[0]}?",
                                                "answer": passage_of(body)[1].split()[0]}))
        server.enqueue(status=500)
        with pytest.raises(GenerationStopped) as stopped:
            generate(10, out, settings=llm_settings(settings, server))
        asked = [passage_of(b)[0] for b in server.requests]
    report = stopped.value.report
    message = str(stopped.value)
    assert "HTTP 500" in message and str(out) in message and "4 case(s)" in message
    assert report.stopped_by and report.written == 4 and report.probes == 2 and report.kept == 2
    assert report.drafted == 6 and dict(report.rejected) == {
        "answer not in the passage": 1, "unparseable": 1, "question holds the answer": 1}
    assert set(asked[:2]) == set(texts)  # round-robin over the documents
    _, cases = lines(out)
    assert [c["made_by"] for c in cases] == ["probe", "probe", "llm", "llm"]
    for case in cases[2:]:
        assert case["answerable"] is True and case["sources"][0] in texts
        passage = case["passage"]
        assert case["key_facts"] == [key_fact(" ".join(passage.split()[:4]))] and case["key_facts"][0] in passage
        assert " ".join(passage.split()) in " ".join(texts[case["sources"][0]].split())
        assert re.fullmatch(r"drafted by scripted-model from \S+, passage \d+ of \d+; answer found in the passage "
                            r"\(verbatim\)", case["note"])
    readable(out)


def test_a_full_run_with_the_llm_spreads_over_documents_and_positions(world, tmp_path):
    settings, texts = world
    out = tmp_path / "cases.jsonl"
    with ScriptedOpenAI() as server:
        for _ in range(8):
            server.enqueue(opening)
        report = generate(7, out, settings=llm_settings(settings, server), probes=1)
    assert report.written == 7 and report.kept == 6 and report.drafted == 6 and report.probes == 1
    assert re.fullmatch(rf"wrote 7 cases to {re.escape(str(out))} \(6 drafted by the LLM, 0 of 6 drafts rejected; "
                        rf"1 probes\) in \d+\.\d s — review them, then `rag eval --questions {re.escape(str(out))}`",
                        str(report))
    _, cases = lines(out)
    drafted = [c for c in cases if c["made_by"] == "llm"]
    assert {c["sources"][0] for c in drafted} == set(texts)
    positions = [re.search(r"passage (\d+) of (\d+)", c["note"]).groups() for c in drafted
                 if c["sources"][0] == "article.txt"]
    firsts = {int(p) for p, _ in positions}
    total = int(positions[0][1])
    assert {1, total} <= firsts  # the beginning and the end of the article
    assert len({c["question"] for c in cases}) == len(cases)


def test_unknown_or_empty_collection_and_an_existing_file(world, tmp_path):
    settings, _ = world
    with pytest.raises(BadInput, match="^no collection nosuch;"):
        generate(5, tmp_path / "a.jsonl", settings=settings.with_(collection="nosuch"))
    empty = settings.with_(collection="empty")
    open_store(empty, create=True)
    with pytest.raises(IndexNotBuilt, match=r"^collection empty is empty; run `rag ingest --collection empty PATH`$"):
        generate(5, tmp_path / "a.jsonl", settings=empty)
    assert not (tmp_path / "a.jsonl").exists()
    reviewed = tmp_path / "reviewed.jsonl"
    reviewed.write_text('{"question": "Where did Putin and Xi meet?"}\n', encoding="utf-8")
    with pytest.raises(BadInput, match="refusing to overwrite"):
        generate(3, reviewed, settings=settings)
    assert reviewed.read_text(encoding="utf-8") == '{"question": "Where did Putin and Xi meet?"}\n'
    assert generate(3, reviewed, settings=settings, overwrite=True).written == 3


def test_replies_are_read_leniently_and_positions_spread():
    good = ("Where did they meet?", "in Beijing")
    assert parse_draft('{"question": "Where did they meet?", "answer": "in Beijing"}') == good
    assert parse_draft('```json\n{"Question": " Where did they meet? ", "Answer": "in Beijing"}\n```') == good
    assert parse_draft('Here it is: {"question": "How many?", "answer": 12} Hope it helps.') == ("How many?", "12")
    for bad in ("no json here", '{"question": "Why?"}', '{"question": "", "answer": "x"}', "[1, 2]", "{not json}"):
        assert parse_draft(bad) is None
    import random

    order = spread(9, random.Random(0))
    assert sorted(order) == list(range(9)) and set(order[:3]) == {0, 4, 8}
    assert spread(1, random.Random(0)) == [0] and spread(2, random.Random(3)) in ([0, 1], [1, 0])


TOWN = """Valdora is a small town on the coast, and its boats crowd the harbour every morning.
The Harbour Authority said on Monday that the old pier would reopen. Fishermen in Valdora welcomed the news.
Later the Harbour Authority announced a public meeting, and families drove to Valdora from the hills.
Sanctions imposed by the West hit exports, while a cold wind blew from the west. Critics of the West spoke out.
The vote in March was delayed. Talks resumed in March after a pause. Lessons in English are free here,
and classes in English fill fast. The Valdoran fleet sailed at dawn. A Valdoran crew came back late.
According to Smith, the plan works. Smith said the harbour board agreed.
"""


def asked_about(question: str, note: str) -> tuple[str, str]:
    """(kind, entity as the question writes it) of a figure probe, checked to be one of its kind's templates."""
    kind = re.search(r", read as a (\w+) \(", note)[1]
    for template in _templates()[f"{kind}_figure"]:
        m = re.fullmatch(re.escape(template).replace(re.escape("{entity}"), "(.+)"), question)
        if m:
            return kind, m[1]
    raise AssertionError(f"{question!r} is no {kind}_figure question")


def test_figure_probes_ask_what_suits_a_place_or_a_body_and_skip_unclear_words():
    probes = list(probe_questions([Doc("town.txt", (TOWN,))], seed=0))
    asked = {}
    for question, note in probes:
        kind, entity = asked_about(question, note)
        asked.setdefault(entity, set()).add(kind)
    # "the Harbour Authority said": a body, though "harbour" is also written in lower case;
    # "in Valdora", "to Valdora": a place
    assert asked == {"the Harbour Authority": {"body"}, "Valdora": {"place"}}
    questions = [q for q, _ in probes]
    assert len(questions) == len(_templates()["body_figure"]) + len(_templates()["place_figure"])
    assert "How many people work for the Harbour Authority?" in questions
    assert "How many people live in Valdora?" in questions
    # not asked about: "West" ("the west" occurs), "March" (a month), "English" (a language),
    # "Valdoran" (an adjective), "Smith" (after "to", but also "Smith said": a person, perhaps)


def test_on_the_seed_article_places_get_no_body_questions_and_common_words_are_no_names(world):
    _, texts = world
    text = SEED.read_text(encoding="utf-8")
    lower = {w for w in re.findall(r"[A-Za-z]+", text) if w.islower()}
    people, others = _names([Doc("article.txt", (text,))], text)
    assert {n.text for n in people} >= {"Vladimir Putin", "Xi Jinping", "Sergey Lavrov"}
    assert [n.kind for n in others if n.text == "Beijing"] == ["place"]  # "a meeting in Beijing"
    for name in others:
        assert len(name.words) > 1 or name.text.casefold() not in lower  # not "West" when "the west" occurs
        assert name.text not in {"Moscow", "Russian", "Western", "West", "Kremlin"}  # no "in/to X"; adjectives
    for docs in ([Doc("article.txt", (text,))], [Doc(name, (t,)) for name, t in sorted(texts.items())]):
        corpus = "\n".join(d.text for d in docs)
        lower = {w for w in re.findall(r"[A-Za-z]+", corpus) if w.islower()}
        for question, _ in probe_questions(docs, seed=0):
            about = re.search(r"work for (?:the )?(.+)\?$|members does (?:the )?(.+) have\?$", question)
            if about:
                entity = about[1] or about[2]
                assert not re.search(rf"\b(?:in|to) {re.escape(entity)}\b", corpus), question
            for word in re.findall(r"\b[A-Z][a-z]+\b", question.split(" ", 1)[1]):
                assert word.casefold() not in lower, question  # a name, not "West" when "the west" occurs


def test_a_draft_must_stand_alone_and_a_definite_count_is_no_figure():
    from eval.harness.drafts import check_draft
    from eval.harness.probes import _has_figure

    passage = "The lighthouse at Dunmore was built in 1874 by Tomasz Brennan."
    assert check_draft("Who built the lighthouse at Dunmore?", "Tomasz Brennan", passage) is None
    assert check_draft("Who built the lighthouse mentioned in the passage?", "Tomasz Brennan", passage) == \
        "question points at the passage"
    assert check_draft("When was it built", "1874", passage) == "question without ?"
    assert _has_figure("the two leaders met".split()) is False
    assert _has_figure("two leaders met".split()) and _has_figure("in 1874".split())


def test_a_small_collection_is_asked_again_with_the_questions_to_avoid(tmp_path):
    """One passage, three cases wanted: the passage is asked about again, each time with the
    questions kept so far to avoid, and at most MAX_ROUNDS times."""
    from eval.harness.drafts import MAX_ROUNDS

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("The lighthouse at Dunmore was built in 1874 by Tomasz Brennan, and its "
                                   "lamp was first lit on a stormy night in the autumn of that year.\n", encoding="utf-8")
    settings = Settings.from_env({"RAG_DATA_DIR": str(tmp_path / "data")}).with_(collection="small")
    open_store(settings, create=True).sync(load([docs]))
    drafts = [("Who built the lighthouse at Dunmore?", "Tomasz Brennan"),
              ("In which year was the Dunmore lighthouse built?", "1874"),
              ("When was the lamp at Dunmore first lit?", "a stormy night")]
    with ScriptedOpenAI() as server:
        for q, a in drafts + drafts[:1]:
            server.enqueue(json.dumps({"question": q, "answer": a}))
        report = generate(MAX_ROUNDS + 2, tmp_path / "c.jsonl", settings=llm_settings(settings, server), probes=0)
        prompts = [b["messages"][-1]["content"] for b in server.requests]
    assert report.kept == MAX_ROUNDS == len(prompts) == 3
    assert "Already asked" not in prompts[0]
    assert "- Who built the lighthouse at Dunmore?" in prompts[1] and "- Who built the lighthouse at Dunmore?" in prompts[2]
    assert "- In which year was the Dunmore lighthouse built?" in prompts[2]


# A tiny collection with names of other kinds written as a person's or a place's might be.
FERRY = """The new ferry to Kelso was launched by the engineer Lena Marsh on a grey morning.
Marsh said the crossing would be quicker than the old road. Crowds in Kelso cheered as the boat left the quay.
Passengers of Coral Airlines were stuck at the airport, and the airline offered them seats on the ferry instead.
Coral said it was sorry for the delay. Later Coral Airlines staff handed out blankets on the quay.
Veroni Telecom's engineers fixed the radio mast by the quay. Telecom said the signal was back by noon.
The clip of the launch spread on Snapgram within hours, and many users first saw it in Snapgram.
Marsh told Newswire that she was proud of the crew. According to Newswire, the ferry will run all winter.
Researchers at Ardley University will study the tides, and a team at Ardley University built the sensors.
"""
LEAGUE = """The club's coach Tomas Reyes picked a young side for the cup final in Kelso.
Ada Quill, who scored the winner last season, was left out. Quill told reporters she would fight for her place.
Her son, Peter Alan Quill, carried the team flag onto the pitch.
Rivals fear competition from Chirper, a new sports app, and sponsors from Chirper paid for the shirts.
Fans sent letters to Parliament about ticket prices, and a petition to Parliament followed.
The attack on the stadium was claimed by a splinter group called Jund Tarvan.
In a statement, the group said its leader was Omar Idris and he had planned it alone.
The region is known as "Tarvan" to the group.
"""
SHORE = [Doc("ferry.txt", (FERRY,)), Doc("league.txt", (LEAGUE,))]


def test_a_person_needs_evidence_and_names_of_bodies_places_and_peoples_give_no_made_up_people():
    people, _ = _names(SHORE, FERRY + LEAGUE)
    # a title ("the engineer", "coach", "Her son,"), a speech verb, "who", a "he" after the name
    assert {n.text for n in people} == {"Lena Marsh", "Tomas Reyes", "Ada Quill", "Peter Alan Quill", "Omar Idris"}
    # not "Coral Airlines" (a body's last word, "airline" occurs, though "Coral said"), not "Veroni Telecom"
    # (a first word read as a demonym, though "Telecom said" and "Veroni Telecom's"), not "Jund Tarvan" (no
    # evidence: the "he" of the next sentence follows another name)
    firsts, lasts = {n.words[0] for n in people}, {n.words[-1] for n in people}
    probes = list(probe_questions(SHORE, seed=0))
    assert probes == list(probe_questions(SHORE, seed=0))  # deterministic for a seed
    made_up = [re.match(r"probe: made-up name \((\w+) from .*?, (\w+) from ", note) for _, note in probes]
    assert [m for m in made_up if m]
    for (question, _), m in zip(probes, made_up):
        assert not re.search(r"Coral|Airlines|Veroni|Telecom|Jund|Tarvan", question), question
        if m:  # both parts from people
            assert m[1] in firsts and m[2] in lasts, question
        assert "Peter Quill" not in question  # "Peter Alan Quill" is in the collection


def test_bodies_and_brands_after_a_preposition_are_no_places():
    _, others = _names(SHORE, FERRY + LEAGUE)
    # "in Kelso", "to Kelso": a place; not "on Snapgram" (though "in Snapgram"), "told Newswire" /
    # "according to Newswire", "to Parliament", "from Chirper", "at Ardley University" (a body's name)
    assert {(n.text, n.kind) for n in others} == {("Kelso", "place")}
    for question, note in probe_questions(SHORE, seed=0):
        if note.startswith("probe: asks for a figure"):
            kind, entity = asked_about(question, note)
            assert kind == "person" or entity == "Kelso", question
        assert not re.search(r"Snapgram|Newswire|Parliament|Chirper|Ardley", question), question


def test_later_rounds_show_the_later_part_of_a_passage():
    from eval.harness.drafts import later_part

    text = "One fact here. Two facts there. Three is next. Four follows. Five comes. Six ends it."
    assert later_part(text, 0) == text
    assert later_part(text, 1) == "Three is next. Four follows. Five comes. Six ends it."
    assert later_part(text, 2) == "Five comes. Six ends it."
    assert later_part("A single sentence.", 2) == "A single sentence."


def test_a_drafted_answer_becomes_a_key_fact_without_its_lead_words():
    from eval.harness.drafts import key_fact

    assert key_fact("in Beijing") == "Beijing"
    assert key_fact("the joint statement.") == "joint statement"
    assert key_fact("on 3 May") == "3 May"
    assert key_fact("The") == "The" and key_fact("Fred the Shred") == "Fred the Shred"


LICENSE_TEXT = """Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files, to deal in the software without restriction, including without
limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and sell copies of
the software, subject to the following conditions. The above copyright notice and this permission
notice shall be included in all copies or substantial portions of the software. The software is
provided as is, without warranty of any kind, express or implied.
"""


def test_no_case_made_offline_is_an_error_that_says_how_to_get_cases(tmp_path):
    """A collection with no names to probe (a license text) and no LLM: exit non-zero with the way
    to get cases, and no empty file left behind."""
    from tests.test_integration_core import run_cli

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "LICENSE.txt").write_text(LICENSE_TEXT, encoding="utf-8")
    env = {"RAG_DATA_DIR": str(tmp_path / "data")}
    assert run_cli("ingest", str(tmp_path / "docs"), "--collection", "legal", env_extra=env).returncode == 0
    out = tmp_path / "cases.jsonl"
    r = run_cli("eval", "--generate", "20", "--collection", "legal", "--out", str(out), env_extra=env)
    assert r.returncode == 2, r.stdout + r.stderr
    [line] = [x for x in r.stderr.splitlines() if x.startswith("rag:")]
    assert "no case could be made from collection legal" in line and "rag serve-llm" in line
    assert not out.exists()
