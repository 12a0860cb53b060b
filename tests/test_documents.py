import pytest

from rag.chunking import chunk, sections
from rag.documents import load
from rag.errors import BadInput
from tests.conftest import SEED


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
    other.write_text("text")
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
