"""Typed values in text, each with a normal form for comparing: clock times, dates, durations,
money, percentages, quantities, versions, codes, phone numbers, e-mail addresses, URLs and
plain numbers.

    values("Checkout is at 10.30am; the fee is €4,500.")
    -> [Value("time", "10.30am", "10:30", ...), Value("money", "€4,500", "4500 eur", ...)]

What is a matter of form is a pattern here: a clock time (22:00, 10 pm, 10.30am, noon), a date
(2024-05-15, 15 May 2024, May 15th, Tuesday), a version (v2.4.1), a code kept whole (E42,
XR500, INV-2291, 7C: never split into a letter and a number). What needs knowledge of the world
comes from a well-kept library, imported on first use: which words are units and what they
measure (pint: "kg", "litres" and "minutes" are a mass, a volume and a time, so "150 minutes"
is a duration), which words and signs are currencies (price-parser's currency table: "€",
"EUR", "euros"), and what is a phone number (phonenumbers). Values are found in that order of
priority; a span taken by one kind is not read again as another ("£18.99" is money, not a
number; "10:30" a time, not two numbers).

Normal forms: times "HH:MM" (24-hour), dates "YYYY-MM-DD" or as far as given ("05-15",
"monday"), numbers without thousands separators ("4,500" and "4 500" are "4500"), money
"AMOUNT CURRENCY" (codes and symbols as price-parser names them, lower-cased), quantities
"AMOUNT unit" in pint's unit name ("2.5 L" and "2.5 litres" are "2.5 liter"), codes and
versions lower-cased without a leading "v".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache

from rag.lexicon import STOPWORDS

KINDS = ("email", "url", "time", "date", "money", "percentage", "duration", "quantity", "version", "phone",
         "code", "number")

EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
URL_RE = re.compile(r"\bhttps?://[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?]|\bwww\.[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?]"
                    r"|\b[a-z0-9][a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,6}(?:/[^\s<>\"'()\[\]]*[^\s<>\"'()\[\].,;:!?])?"
                    r"(?![\w@])")
_MERIDIEM = r"\s?(?:([ap])\.?m\b\.?)"
TIME_RE = re.compile(rf"\b([01]?\d|2[0-3])[:.]([0-5]\d)(?:{_MERIDIEM})?(?![\d:])"  # 22:00, 10.30am
                     rf"|\b(1[0-2]|0?[1-9]){_MERIDIEM}"  # 10 pm, 9am
                     r"|\b(noon|midday|midnight)\b", re.IGNORECASE)
_COLON_ONLY = re.compile(r"\d[:]\d")  # "10.30" alone is a decimal unless am/pm follows
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
DAYS = {d.lower(): d.lower() for d in calendar.day_name}
DAYS.update({a.lower(): d.lower() for a, d in zip(calendar.day_abbr, calendar.day_name)})
DAYS.update({"tues": "tuesday", "thur": "thursday", "thurs": "thursday"})
_MONTH = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
DATE_RE = re.compile(
    r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"  # 2024-05-15
    rf"|\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_MONTH})\.?(?:,?\s+(\d{{4}}))?\b"  # 15 May 2024, 15th of May
    rf"|\b({_MONTH})\.?\s+(\d{{1,2}}){_ORD}(?:,?\s+(\d{{4}}))?\b"  # May 15th, 2024
    rf"|\b({_MONTH})\s+(\d{{4}})\b"  # May 2024
    r"|\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b",  # 15/05/2024
    re.IGNORECASE)
# a day's whole name in any case ("saturday"); an abbreviation only capitalised ("Sat", not "sat down")
DAY_RE = re.compile(r"\b((?i:" + "|".join(d for d in DAYS if len(d) > 5) + r")|"
                    + "|".join(d.title() for d in DAYS if len(d) <= 5) + r")s?\b\.?")
YEAR_RE = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b")
# a month named alone inside a sentence ("a hearing in May"), capitalised: "may" is a verb too
MONTH_ALONE_RE = re.compile(r"(?<=[a-z,] )(" + "|".join(m for m in calendar.month_name if m) + r")\b")
PERCENT_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s?(?:%|per ?cent\b)", re.IGNORECASE)
NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?: \d{3})+(?!\d)|\d+(?:\.\d+)?"
NUMBER_RE = re.compile(rf"(?<![\w.])(?:{NUMBER})(?![\d])")
SCALE = r"(?:\s?(k|m|bn|million|billion|thousand))?\b"
SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
PENCE_RE = re.compile(r"\b(\d+)p\b")  # 45p
# a number and the word (or sign) right after it: a unit or a currency, if a library says so
AMOUNT_UNIT_RE = re.compile(rf"(?<![\w.])({NUMBER})(?:\s(million|billion|thousand))?(?:\s?-\s?|\s?)"
                            r"([A-Za-z°µ€$£¥₹][A-Za-z°/²³]*\.?)")
UNIT_AMOUNT_RE = re.compile(rf"([€$£¥₹]|\b[A-Z]{{3}}\b)\s?({NUMBER}){SCALE}")
VERSION_RE = re.compile(r"(?:\bv|\b(?:version|release|firmware|v\.)\s+)(\d+(?:\.\d+)*)\b|\b(\d+\.\d+\.\d+(?:\.\d+)?)\b",
                        re.IGNORECASE)
DIMENSION_RE = re.compile(r"\b\d+(?:\.\d+)?\s?[x×]\s?\d+(?:\.\d+)?(?:\s?[x×]\s?\d+(?:\.\d+)?)?(?![\w.])")  # 2 x 4
# a short capitalised label and its number: "Err 21", "No. 5", "Fig 3" (a code as a device shows it)
LABEL_RE = re.compile(r"\b[A-Z][a-z]{1,3}\.?\s\d{1,4}\b(?![.,]\d)")
CODE_RE = re.compile(r"(?<![\w.-])(?=[\w./-]*\d)(?=[\w./-]*[A-Za-z])[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)*(?![\w-])")
ORDINAL_RE = re.compile(r"\d+(?:st|nd|rd|th)", re.IGNORECASE)
PHONE_CHARS_RE = re.compile(r"[\s()-]|^\+")
COUNT_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
WORD_AMOUNT_RE = re.compile(r"\b(" + "|".join(COUNT_WORDS) + r"|a|an|half an?)\s+([a-z]+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Value:
    kind: str
    text: str  # as written
    norm: str  # the normal form values are compared by
    start: int
    end: int


def number(text: str) -> str:
    """A written number in normal form: "4,500" and "4 500" -> "4500", "2.50" -> "2.5"."""
    n = text.replace(",", "").replace(" ", "")
    if "." in n:
        n = n.rstrip("0").rstrip(".") or "0"
    return n


TIME_CUE_RE = re.compile(r"(?:\b(?:at|from|until|till|to|by|before|after|between|and|opens?|closes?)|[-–])\s*$",
                         re.IGNORECASE)


def scaled(written: str, scale: str | None) -> str:
    """An amount with its scale word as one number: ("1.2", "million") -> "1200000"."""
    if not scale:
        return number(written)
    value = float(number(written)) * SCALES[scale.lower()]
    return number(f"{value:.2f}")


def _time(m: re.Match, text: str) -> str | None:
    if m.group(6):
        return {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}[m.group(6).lower()]
    hour, minute, half = ((m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), "00", m.group(5)))
    if m.group(1) and not half and not _COLON_ONLY.search(m.group(0)) and \
            not TIME_CUE_RE.search(text[max(0, m.start() - 12):m.start()]):
        return None  # "3.50" is a decimal, unless a time is written so ("at 10.30", "9.00 - 17.30")
    h = int(hour) % 12 + (12 if half and half.lower() == "p" else 0) if half else int(hour)
    return f"{h:02d}:{minute}"


def _date(m: re.Match) -> str:
    g = m.groups()
    if g[0]:
        return f"{g[0]}-{int(g[1]):02d}-{int(g[2]):02d}"
    if g[3]:
        day, month, year = g[3], g[4], g[5]
    elif g[6]:
        month, day, year = g[6], g[7], g[8]
    elif g[9]:
        return f"{g[10]}-{MONTHS[g[9].lower()]:02d}"
    else:
        day, month, year = g[11], g[12], g[13]  # day first: the form outside the US
        year = year if len(year) == 4 else f"20{year}"
        return f"{year}-{int(month):02d}-{int(day):02d}"
    month_number = MONTHS[month.lower().rstrip(".")]
    return (f"{year}-" if year else "") + f"{month_number:02d}-{int(day):02d}"


@lru_cache(maxsize=1)
def _currencies() -> dict[str, str]:
    """What names a currency, from price-parser's table -> its code (lower-cased): the code as
    written ("EUR"), a sign that is no word ("€", "zł"), and the last word of its name, singular and
    plural, lower-cased ("euro", "euros", "dollars"). A sign made of letters ("KM", "kr") is left
    out: after a number it is more often a unit ("60 km")."""
    from price_parser._currencies import CURRENCIES

    out: dict[str, str] = {}
    first = ("USD", "EUR", "GBP", "JPY", "CNY", "INR", "CHF", "CAD", "AUD")  # "dollars" are US dollars
    for code, info in sorted(CURRENCIES.items(), key=lambda item: first.index(item[0]) if item[0] in first else 99):
        out.setdefault(code, code.lower())
        for sign in (info.get("s", ""), info.get("sn", "")):
            if sign and not any(c.isalpha() and c.isascii() for c in sign):
                out.setdefault(sign, code.lower())
        for name in (info.get("n", ""), info.get("np", "")):
            if name:
                out.setdefault(name.split()[-1].lower(), code.lower())  # "US dollars" -> "dollars"
    for sign, code in (("$", "usd"), ("£", "gbp"), ("€", "eur"), ("¥", "jpy"), ("₹", "inr"), ("pound", "gbp"),
                       ("pounds", "gbp")):
        out[sign] = code  # a sign alone means its most common currency (the table calls GBP "pounds sterling")
    return out


def currency(word: str) -> str | None:
    """The code of the currency `word` names ("EUR", "€", "euros"), else None."""
    table = _currencies()
    return table.get(word) or (table.get(word.lower()) if word.lower() == word or word.istitle() else None)


@lru_cache(maxsize=1)
def _units():
    import pint

    return pint.UnitRegistry()


# Words that pint reads as units but that English uses for other things after a number
# ("5 in the box", "3 at a time", "2 or 3"): never a unit here.
NOT_UNITS = frozenset("""a an as at in is it of on or to by be do no so we us if up per the and are
    for from than then with was were has had its our out off all can day days""".split()) - {"day", "days"}


@lru_cache(maxsize=4096)
def unit(word: str) -> tuple[str, str] | None:
    """(unit name, "duration" or "quantity") for a unit word ("kg", "litres", "min"), else None."""
    w = word.rstrip(".")
    if not w or w.lower() in NOT_UNITS or len(w) > 24:
        return None
    try:  # pint raises several kinds of error for a word it does not know, or half knows ("dB")
        ureg = _units()
        u = ureg.parse_units(w)
        if u.dimensionless:
            return None
        return str(u), ("duration" if u.dimensionality == ureg.second.dimensionality else "quantity")
    except Exception:
        return None


def values(text: str) -> list[Value]:
    """The typed values of `text`, in order of where they start."""
    found: list[Value] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int, norm: str | None) -> None:
        if norm is None or any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(Value(kind, text[start:end], norm, start, end))

    for m in EMAIL_RE.finditer(text):
        add("email", m.start(), m.end(), m.group().lower())
    for m in URL_RE.finditer(text):
        if re.search(r"[a-z]", m.group().split("/")[0].split(".")[-1]) and not re.fullmatch(r"[\d.]+", m.group()):
            add("url", m.start(), m.end(), re.sub(r"^(https?://)?(www\.)?", "", m.group().lower()).rstrip("/"))
    for m in TIME_RE.finditer(text):
        add("time", m.start(), m.end(), _time(m, text))
    for m in DATE_RE.finditer(text):
        add("date", m.start(), m.end(), _date(m))
    for m in DIMENSION_RE.finditer(text):
        add("code", m.start(), m.end(), re.sub(r"\s", "", m.group().lower().replace("×", "x")))
    _amounts(text, add)
    for m in VERSION_RE.finditer(text):
        add("version", m.start(), m.end(), (m.group(1) or m.group(2)).lower())
    _phones(text, add)
    for m in CODE_RE.finditer(text):
        if not ORDINAL_RE.fullmatch(m.group()):
            add("code", m.start(), m.end(), m.group().lower())
    for m in LABEL_RE.finditer(text):
        if m.group().split()[0].lower().rstrip(".") not in STOPWORDS:  # "Err 21", not "Is 78"
            add("code", m.start(), m.end(), re.sub(r"[.\s]+", " ", m.group().lower()))
    for m in DAY_RE.finditer(text):
        add("date", m.start(), m.end(), DAYS[m.group(1).lower()])
    for m in YEAR_RE.finditer(text):
        add("date", m.start(), m.end(), m.group())
    for m in MONTH_ALONE_RE.finditer(text):
        add("date", m.start(), m.end(), f"{MONTHS[m.group(1).lower()]:02d}")
    for m in NUMBER_RE.finditer(text):
        add("number", m.start(), m.end(), number(m.group()))
    return sorted(found, key=lambda v: v.start)


def _amounts(text: str, add) -> None:
    """Money, percentages, durations and quantities: a number with its currency or unit."""
    for m in UNIT_AMOUNT_RE.finditer(text):  # €4,500, USD 12, £1.2 million
        code = currency(m.group(1))
        if code:
            add("money", m.start(), m.end(), f"{scaled(m.group(2), m.group(3))} {code}")
    for m in PENCE_RE.finditer(text):
        add("money", m.start(), m.end(), f"{int(m.group(1)) / 100:g} gbp")
    for m in PERCENT_RE.finditer(text):
        add("percentage", m.start(), m.end(), f"{number(m.group(1).replace(',', '.'))}%")
    for m in AMOUNT_UNIT_RE.finditer(text):  # 4500 EUR, 12 kg, 150 minutes, 2.5 L
        amount, scale, word = number(m.group(1)), m.group(2), m.group(3)
        code = currency(word.rstrip("."))
        if code:  # 4500 EUR, 40 million euros
            add("money", m.start(), m.end(), f"{scaled(m.group(1), scale)} {code}")
            continue
        if scale:
            continue  # "40 million people": a count, read as a number below
        if len(word) == 1 and m.group(0)[-2].isdigit():
            continue  # glued to one letter ("7C", "12A"): a code, not a unit
        found = unit(word)
        if found:
            add(found[1], m.start(), m.end(), f"{amount} {found[0]}")
    for m in WORD_AMOUNT_RE.finditer(text):  # two weeks, half an hour
        found = unit(m.group(2))
        if found and found[1] == "duration":
            count = m.group(1).lower()
            amount = "0.5" if count.startswith("half") else str(COUNT_WORDS.get(count, 1))
            add("duration", m.start(), m.end(), f"{amount} {found[0]}")


def _phones(text: str, add) -> None:
    """Phone numbers as phonenumbers finds them (read as a UK or a US number), written with a
    leading + or 0 or in groups: a bare figure ("12000") is no phone number."""
    if sum(c.isdigit() for c in text) < 7:
        return
    import phonenumbers

    for region in ("GB", "US"):
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            raw = m.raw_string
            if sum(c.isdigit() for c in raw) >= 7 and (raw[0] in "+0(" or len(PHONE_CHARS_RE.findall(raw)) >= 1):
                add("phone", m.start, m.end, re.sub(r"\D", "", raw))


def labelled(v: Value) -> tuple[str, Value] | None:
    """A code written as a label and a number (LABEL_RE: "Room 14", "Err 21"): (the label, the number)."""
    m = re.fullmatch(r"([a-z]+) (\d+)", v.norm) if v.kind == "code" else None
    return (m.group(1), Value("number", m.group(2), m.group(2), v.start, v.end)) if m else None


CANONICAL_KINDS = ("time", "date", "money", "percentage", "duration", "quantity", "phone", "number")


@lru_cache(maxsize=8192)
def canonical(text: str, kinds: tuple[str, ...] = CANONICAL_KINDS) -> str:
    """`text` with each value of `kinds` (by default each time, date, amount, phone number and
    number) written in its normal form, so that two wordings of one value read the same ("closes
    at 10 pm" and "closes at 22:00" are both "closes at 22:00"; "12,000 euros" and "EUR 12000"
    both "12000 eur")."""
    out, pos = [], 0
    for v in values(text):
        if v.kind in kinds:
            out += [text[pos:v.start], v.norm]
            pos = v.end
    return "".join(out) + text[pos:] if out else text
