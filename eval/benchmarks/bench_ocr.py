"""What reading a scanned PDF costs: seconds per page of OCR on this machine.

    python -m eval.benchmarks.bench_ocr [--pages 3] [--repeats 3] [--out eval/results/bench_ocr.json]

A text PDF of `pages` pages (a notice-like page of 12 lines each) is rendered to images and saved
as a PDF with no text layer, as a scanner writes one; rag.ingestion.pdf.pdf_pages reads it (page
image at 144 dpi, RapidOCR) `repeats` times in this process, after one warm-up read that loads
the OCR models. Reported: the median seconds per page, the models' load time, and the same text
PDF read from its text layer, for comparison. Also whether every line came back.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

LINES = ["Residents' parking notice", "The car park on Mill Lane closes for resurfacing on 3 June.",
         "Work starts at 07:30 and ends by 18:00 each day.", "Permit holders may park on Quay Street instead.",
         "The contractor is Harbour Surfacing Ltd.", "Questions go to the estate office on 01632 960 123.",
         "Bays 1 to 40 reopen on 10 June.", "Bays 41 to 80 reopen on 14 June.",
         "Vehicles left in the car park will be moved at the owner's cost.", "Electric charging points stay open.",
         "The barrier will be raised during the works.", "Thank you for your patience."]


def main(argv: list[str] | None = None) -> int:
    from rag.ingestion.pdf import _ocr_reader, pdf_pages
    from .pdf_samples import make_pdf, make_scan_pdf

    p = argparse.ArgumentParser(prog="python -m eval.benchmarks.bench_ocr", description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", type=Path, default=Path("eval/results/bench_ocr.json"))
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        text_pdf = make_pdf(Path(tmp) / "notice.pdf", LINES, more_pages=[LINES] * (args.pages - 1))
        scan = make_scan_pdf(Path(tmp) / "scan.pdf", text_pdf)
        t0 = time.perf_counter()
        _ocr_reader()
        load_s = time.perf_counter() - t0
        pdf_pages(scan)  # warm-up
        ocr, plain = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            text, _, layout = pdf_pages(scan)
            ocr.append((time.perf_counter() - t0) / args.pages)
            t0 = time.perf_counter()
            pdf_pages(text_pdf)
            plain.append((time.perf_counter() - t0) / args.pages)
    found = sum(line.split()[-1].rstrip(".") in text for line in LINES) / len(LINES)
    results = {"pages": args.pages, "repeats": args.repeats, "ocr_seconds_per_page_median": round(statistics.median(ocr), 2),
               "text_layer_seconds_per_page_median": round(statistics.median(plain), 3),
               "ocr_model_load_seconds": round(load_s, 2), "last_words_of_lines_found": round(found, 3)}
    print(json.dumps(results, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
