"""The dev/test split of the everyday set: one document of each genre in each split.

    python3 eval/data/everyday/split.py

For each genre (in this order), a coin flip with random.Random(2026) decides which of its
two documents is dev: random() < 0.5 puts the first listed document in dev. The flips were
made when the documents had been chosen and before any question was written.
"""

import random

SEED = 2026

PAIRS = [
    ("timetable", "timetable-harbour-bus.csv", "timetable-clinic-appointments.csv"),
    ("contact", "contact-riverside-library.html", "contact-northgate-dental.txt"),
    ("manual", "manual-boiler-xr500.md", "manual-robot-vacuum-rv7.txt"),
    ("release-notes", "release-notes-heron.md", "release-notes-lumen-router-firmware.txt"),
    ("recipe", "recipe-lentil-soup.md", "recipe-sourdough-bread.html"),
    ("contract", "contract-flat-lease.docx", "contract-web-design-services.md"),
    ("policy", "policy-remote-work.md", "policy-travel-expenses.docx"),
    ("minutes", "minutes-residents-association.txt", "minutes-falcon-steering.md"),
    ("faq", "faq-coworking-space.html", "faq-bike-share.html"),
    ("table", "table-community-garden-budget.xlsx", "table-hardware-price-list.csv"),
    ("slides", "slides-quarterly-sales-review.pptx", "slides-it-onboarding.md"),
    ("news", "news-bridge-closure.txt", "news-water-quality-report.html"),
    ("notice", "notice-parking-resurfacing.txt", "notice-landlord-letter.docx"),
]


def split() -> dict[str, str]:
    """document file name -> "dev" or "test"."""
    rng = random.Random(SEED)
    result = {}
    for _genre, first, second in PAIRS:
        dev, test = (first, second) if rng.random() < 0.5 else (second, first)
        result[dev], result[test] = "dev", "test"
    return result


if __name__ == "__main__":
    s = split()
    for genre, first, second in PAIRS:
        dev = first if s[first] == "dev" else second
        test = second if dev == first else first
        print(f"{genre:14} dev: {dev:42} test: {test}")
