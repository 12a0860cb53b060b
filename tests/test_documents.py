import pytest

from rag.errors import BadInput
from rag.ingestion.chunking import chunk, sections
from rag.ingestion.documents import load
from tests.conftest import SEED, make_pdf


def test_seed_chunks_are_exact_slices_with_headings():
    doc = load([SEED])[0]
    chunks = chunk(doc)
    assert len(chunks) >= 10
    text = open(SEED, encoding="utf-8").read()
    for c in chunks:
        assert text[c.start:c.end] == c.text
        assert c.source == SEED.name
    headings = {c.heading for c in chunks}
    assert "The “Duet of Moscow and Beijing”: A Balancing Act in Global Affairs" in headings
    assert any(h.startswith("The Implications for the Global Order") for h in headings)
    # headings are metadata, not passage text
    assert not any(c.text.startswith("Conclusion:") for c in chunks)


def test_long_sections_split_with_overlap_and_exact_offsets(tmp_path):
    body = " ".join(f"Sentence number {i} talks about topic {i % 7} in some detail." for i in range(120))
    f = tmp_path / "long.md"
    f.write_text(f"# Title\n\n{body}\n\n## Second part\n\nShort closing paragraph here.\n", encoding="utf-8")
    doc = load([f])[0]
    chunks = chunk(doc, chunk_size=64, chunk_overlap=16)
    assert len(chunks) > 5
    text = f.read_text(encoding="utf-8")
    for c in chunks:
        assert text[c.start:c.end] == c.text
    assert chunks[0].heading == "Title" and chunks[-1].heading == "Second part"
    assert any(a.end > b.start for a, b in zip(chunks, chunks[1:]) if a.heading == b.heading)


def test_chunk_ids_are_stable_and_follow_content(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("First paragraph here.\n\nSecond paragraph here.\n", encoding="utf-8")
    ids1 = [c.id for c in chunk(load([f])[0])]
    ids2 = [c.id for c in chunk(load([f])[0])]
    assert ids1 == ids2
    f.write_text("First paragraph here.\n\nSecond paragraph changed.\n", encoding="utf-8")
    assert [c.id for c in chunk(load([f])[0])] != ids1


def test_sections_treat_question_headings_as_headings():
    text = "Title line\n\nBody one.\n\nIs this a heading?\n\nBody two.\n"
    secs = sections(text)
    assert [s.heading for s in secs] == ["Title line", "Is this a heading?"]


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01\x02binary", "binary"),
    (b"caf\xe9 au lait", "not UTF-8"),
    (b"   \n\n", "no text"),
])
def test_bad_files_are_refused(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(BadInput, match=message):
        load([f])


def test_missing_and_unsupported_paths(tmp_path):
    with pytest.raises(BadInput, match="no such file"):
        load([tmp_path / "nope.txt"])
    other = tmp_path / "x.exe"
    other.write_bytes(b"MZ\x90\x00\x03")  # a name no parser takes and content that is not text
    with pytest.raises(BadInput, match="unsupported file type"):
        load([other])
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    with pytest.raises(BadInput, match="no .txt"):
        load([empty_dir])


def test_folders_are_expanded_and_hidden_files_skipped(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("Alpha text.", encoding="utf-8")
    (tmp_path / "d" / "b.md").write_text("Beta text.", encoding="utf-8")
    (tmp_path / "d" / ".hidden").mkdir()
    (tmp_path / "d" / ".hidden" / "c.txt").write_text("Hidden.", encoding="utf-8")
    (tmp_path / "d" / "skip.bin").write_bytes(b"\x00")
    assert sorted(d.name for d in load([tmp_path / "d"])) == ["a.txt", "b.md"]


def test_html_is_parsed_into_headed_sections(tmp_path):
    page = tmp_path / "guide.html"
    page.write_text("<html><head><style>p{}</style><script>var x=1;</script></head><body><nav>Menu</nav>"
                    "<h1>Llama care</h1><p>Llamas eat <b>grass</b> and hay.</p><h2>Housing</h2>"
                    "<p>They need a dry shelter.</p></body></html>", encoding="utf-8")
    doc = load([page], tmp_path / "extracted")[0]
    assert "var x" not in doc.text and "Menu" not in doc.text
    chunks = chunk(doc)
    assert [(c.heading, c.text) for c in chunks] == [("Llama care", "Llamas eat grass and hay."),
                                                      ("Housing", "They need a dry shelter.")]
    saved = open(chunks[0].text_path, encoding="utf-8").read()
    assert all(saved[c.start:c.end] == c.text for c in chunks) and chunks[0].path == str(page.resolve())


def test_pdf_text_is_extracted(tmp_path):
    pytest.importorskip("pypdf")
    pdf = make_pdf(tmp_path / "camelids.pdf", ["Alpacas are smaller than llamas."], size=12)
    doc = load([pdf], tmp_path / "extracted")[0]
    assert "Alpacas are smaller than llamas." in doc.text
    (tmp_path / "fake.pdf").write_bytes(b"not a pdf at all")
    with pytest.raises(BadInput, match="not a PDF"):
        load([tmp_path / "fake.pdf"])


def test_extensionless_text_files_are_judged_by_content(tmp_path):
    (tmp_path / "LICENSE").write_text("Permission is hereby granted, free of charge, to any person.\n", encoding="utf-8")
    (tmp_path / "README").write_text("Café notes: llamas hum when curious.\n", encoding="utf-8")
    (tmp_path / "COPYING").write_bytes(b"Copyright holders: the llama society.\n")
    docs = load([tmp_path / "LICENSE", tmp_path / "README", tmp_path / "COPYING"])
    assert [d.name for d in docs] == ["LICENSE", "README", "COPYING"]
    assert "llamas hum" in docs[1].text and chunk(docs[0])[0].text.startswith("Permission is hereby granted")
    blob = tmp_path / "program"
    blob.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00binary")
    with pytest.raises(BadInput, match="no extension and is not UTF-8 text") as info:
        load([blob])
    assert "\n" not in str(info.value)
    latin1 = tmp_path / "NOTES"
    latin1.write_bytes(b"caf\xe9 au lait\n")
    with pytest.raises(BadInput, match="not UTF-8 text"):
        load([latin1])


def test_folders_take_files_of_any_name_only_when_they_are_text(tmp_path):
    d = tmp_path / "project"
    (d / "docs").mkdir(parents=True)
    (d / "LICENSE").write_text("Permission is hereby granted.\n", encoding="utf-8")
    (d / "docs" / "guide.md").write_text("# Guide\n\nRead me.\n", encoding="utf-8")
    (d / "tool").write_bytes(b"\x00\x01\x02 compiled")
    (d / "latin").write_bytes(b"caf\xe9\n")
    (d / "data.bin").write_text("text, whatever its name", encoding="utf-8")
    assert [p.name for p in load([d])] == ["LICENSE", "data.bin", "guide.md"]
    only_binary = tmp_path / "bin"
    only_binary.mkdir()
    (only_binary / "tool").write_bytes(b"\x00\x01")
    with pytest.raises(BadInput, match="other UTF-8 text files"):
        load([only_binary])
