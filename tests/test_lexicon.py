"""Every word list and pattern the answering and guard rules read is defined once: the words
and the language in rag/lexicon.py, the written forms of values (clock times, dates, amounts,
codes) in rag/values.py."""

from pathlib import Path

from eval.training.count_rules import count

ROOT = Path(__file__).resolve().parent.parent


def test_word_lists_and_pattern_strings_live_in_the_lexicon():
    _, lists, rows = count(ROOT)
    elsewhere = [r for r in rows if (" list " in r or " regex " in r)
                 and not r.startswith(("rag/lexicon.py", "rag/values.py"))]
    assert lists > 0 and elsewhere == []
