"""Where a PDF's extracted text sits on its pages, saved at ingest beside the extracted text
(NAME.layout.json beside NAME.txt), so that a citation can be shown on the page itself.

A Layout holds each page's size and, for each word, its offsets in the extracted text and its
box in points from the page's top left. `locate(start, end)` gives the page and the boxes of a
stretch of text, one box per line, or None when the stretch cannot be placed with confidence
(too few of its characters belong to a placed word, or it spans pages): the window then shows
the page unmarked rather than marking the wrong lines.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

MIN_PLACED = 0.9  # share of a stretch's characters (spaces aside) that placed words must cover
SAME_LINE = 3.0  # points: boxes whose tops differ by less are one line


@dataclass
class Located:
    page: int  # 1-based
    boxes: list[tuple[float, float, float, float]]  # x0, top, x1, bottom, one per line


@dataclass
class Layout:
    pdf: str  # the PDF the text came from
    sizes: list[tuple[float, float]]  # (width, height) of each page, in points
    words: list[tuple] = field(default_factory=list)  # (start, end, page, x0, top, x1, bottom), by start
    ocr_pages: list[int] = field(default_factory=list)  # pages read by OCR (no text layer)

    @staticmethod
    def path_for(text_path: str | Path) -> Path:
        return Path(text_path).with_suffix(".layout.json")

    def save(self, text_path: str | Path) -> Path:
        target = self.path_for(text_path)
        target.write_text(json.dumps({"pdf": self.pdf, "sizes": self.sizes, "words": self.words,
                                      "ocr_pages": self.ocr_pages}),
                          encoding="utf-8")
        return target

    @classmethod
    def load(cls, text_path: str | Path) -> "Layout | None":
        """The layout saved beside an extracted text, or None (not a PDF, or saved before layouts)."""
        try:
            raw = json.loads(cls.path_for(text_path).read_text(encoding="utf-8"))
            return cls(raw["pdf"], [tuple(s) for s in raw["sizes"]], [tuple(w) for w in raw["words"]],
                       list(raw.get("ocr_pages", [])))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def page_of(self, start: int) -> int | None:
        """The page of the first placed word at or after `start`."""
        i = bisect_left([w[1] for w in self.words], start + 1)
        return self.words[i][2] if i < len(self.words) else None

    def locate(self, text: str, start: int, end: int) -> Located | None:
        """The page and line boxes of text[start:end], or None when it cannot be placed with confidence."""
        hit = [w for w in self.words if w[0] < end and w[1] > start]
        if not hit or len({w[2] for w in hit}) != 1:
            return None
        wanted = [i for i in range(start, min(end, len(text))) if not text[i].isspace()]
        covered = sum(any(w[0] <= i < w[1] for w in hit) for i in wanted)
        if not wanted or covered / len(wanted) < MIN_PLACED:
            return None
        lines: list[list[float]] = []
        for _, _, _, x0, top, x1, bottom in sorted(hit, key=lambda w: (w[4], w[3])):
            if lines and abs(top - lines[-1][1]) < SAME_LINE:
                line = lines[-1]
                line[0], line[2], line[3] = min(line[0], x0), max(line[2], x1), max(line[3], bottom)
            else:
                lines.append([x0, top, x1, bottom])
        return Located(hit[0][2], [tuple(line) for line in lines])
